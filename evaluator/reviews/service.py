"""A reviewer's review of one assignment: scores per expert indicator, comments, veto flags with
their reasons and the verification of the bonus items the application claims; a draft until
submitted.

The review is created by its first save. ``scores`` is stored as float64 little-endian bytes aligned
with the round's ``expert_leaves`` (NaN: not scored), as the engine reads it. An assignment scores
only the indicators of its scope (``criteria.scope.expert_scope``): the materials panel, or the
on-site group when the round has one.

Concurrency: a save names the version it was made on (``v0`` before the first save); the round
is read-locked, then the assignment row locked for the read-modify-write (the order of
``evaluator.core.locking``), and a stale version is refused with 412 (the shared rule,
``core.versions``) and changes nothing. Saves happen only while the round is in review and the
assignment is active; a submitted review may be changed, or reopened as a draft, until the review
phase ends.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy.orm import joinedload

from evaluator.accounts.models import User
from evaluator.applications.models import Application
from evaluator.assignments.models import Assignment
from evaluator.audit import service as audit
from evaluator.core.db import utcnow
from evaluator.core.locking import lock_assignment, lock_round
from evaluator.core.versions import check_version
from evaluator.criteria.model import CriteriaSet, Indicator
from evaluator.criteria.scope import expert_scope
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import Message, msg
from evaluator.reviews.models import Review
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.rounds.settings import settings_of
from evaluator.scoring.encoded import flag_names
from evaluator.validation import Text
from evaluator.workflow import REVIEW_PHASES, AssignmentStatus, ReviewStatus

MAX_COMMENT = 2000
MAX_OVERALL = 5000
MAX_REASON = 1000
DTYPE = np.dtype("<f8")


class _Score(fields.Float):
    """A score: a JSON number (not a boolean, not text), finite."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(msg("A score is a number."))
        if not math.isfinite(value):
            raise ValidationError(msg("A score is a finite number."))
        return float(value)


class _Verified(fields.Boolean):
    """A verification: JSON true or false, nothing else (not 1, not "yes")."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError(msg("Not true or false."))
        return value


class ReviewVetoInSchema(Schema):
    """A veto flag the reviewer raises, with the reason for it."""

    class Meta:  # noqa: D106
        unknown = RAISE

    flag = fields.String(required=True, validate=validate.Length(max=80))
    reason = Text(required=True, min_length=1, max_length=MAX_REASON, multiline=True)


class ReviewInputSchema(Schema):
    """The whole review as a client sends it (what is left out is empty)."""

    class Meta:  # noqa: D106
        unknown = RAISE

    scores = fields.Dict(
        keys=fields.String(validate=validate.Length(max=80)),
        values=_Score(allow_none=True),
        load_default=dict,
        validate=validate.Length(max=2000),
    )
    comments = fields.Dict(
        keys=fields.String(validate=validate.Length(max=80)),
        values=Text(max_length=MAX_OVERALL, multiline=True),
        load_default=dict,
        validate=validate.Length(max=2000),
    )
    vetoes = fields.List(
        fields.Nested(ReviewVetoInSchema), load_default=list, validate=validate.Length(max=50)
    )
    bonus_verified = fields.Dict(
        keys=fields.String(validate=validate.Length(max=80)),
        values=_Verified(),
        load_default=dict,
        validate=validate.Length(max=200),
    )
    status = fields.String(
        load_default=ReviewStatus.DRAFT.value, validate=validate.OneOf([s.value for s in ReviewStatus])
    )


_INPUT = ReviewInputSchema()  # loading keeps no state in the schema: one serves every request


@dataclass(frozen=True)
class Scope:
    """What one assignment scores: the round's criteria, the scope mask over ``expert_leaves``, the
    indicators in scope, the veto flags and the bonus items the application claims."""

    criteria: CriteriaSet
    mask: np.ndarray
    leaves: tuple[Indicator, ...]
    flags: tuple[str, ...]
    claimed: tuple[str, ...]


def scope_of(assignment: Assignment, rnd: Round | None = None) -> Scope:
    """The scope of an assignment under its round's criteria and settings (``rnd``: the
    assignment's round, when the caller has it already)."""
    if rnd is None:
        rnd = db.session.get(Round, assignment.round_id)
    cs = round_criteria(rnd)
    mask = expert_scope(cs, assignment.kind, _on_site_group(rnd))
    leaves = tuple(leaf for leaf, on in zip(cs.expert_leaves, mask, strict=True) if on)
    bonus = cs.bonus_map
    claimed = tuple(
        dict.fromkeys(
            c for c in (assignment.application.bonus_claims or []) if isinstance(c, str) and c in bonus
        )
    )
    return Scope(cs, mask, leaves, flag_names(cs), claimed)


_GROUPS: dict[str, bool] = {}


def _on_site_group(rnd: Round) -> bool:
    """The round's ``on_site_group`` setting, kept per process under the stored settings' text (the
    content it is read from): every save and every row of the reviewer's queue asks, and reading the
    settings whole through their schema takes 20–500 µs, the text a few."""
    key = json.dumps(rnd.settings or {}, sort_keys=True, default=str)
    group = _GROUPS.get(key)
    if group is None:
        group = settings_of(rnd).on_site_group
        if len(_GROUPS) >= 64:
            _GROUPS.pop(next(iter(_GROUPS)))
        _GROUPS[key] = group
    return group


def review_of(assignment: Assignment) -> Review | None:
    """The assignment's review, or None before its first save."""
    return db.session.scalar(db.select(Review).where(Review.assignment_id == assignment.id))


def score_array(review: Review | None, n: int) -> np.ndarray:
    """The review's scores aligned with the expert indicators (NaN: not scored)."""
    if review is None or not review.scores:
        return np.full(n, np.nan)
    values = np.frombuffer(review.scores, dtype=DTYPE)
    return values.copy() if values.size == n else np.full(n, np.nan)


def scores_by_id(review: Review | None, cs: CriteriaSet) -> dict[str, float]:
    """The scored indicators: id → score."""
    values = score_array(review, len(cs.expert_leaves))
    return {leaf.id: float(v) for leaf, v in zip(cs.expert_leaves, values, strict=True) if not np.isnan(v)}


def progress(review: Review | None, scope: Scope) -> tuple[int, int]:
    """(indicators scored, indicators in scope)."""
    values = score_array(review, len(scope.criteria.expert_leaves))
    return int(np.count_nonzero(~np.isnan(values) & scope.mask)), len(scope.leaves)


def validate_review(data: Any, scope: Scope) -> dict[str, Any]:
    """The review checked against the schema and the assignment's scope; a 422 naming each field."""
    if not isinstance(data, Mapping):
        raise ServiceError(422, msg("The review is an object."), {"_schema": [msg("Not an object.")]})
    try:
        checked = _INPUT.load(data)
    except ValidationError as exc:
        raise ServiceError(
            422, msg("The review is not valid: see the fields."), _by_key(exc.messages)
        ) from None
    errors: dict[str, Any] = {}
    bounds = {leaf.id: leaf.points for leaf in scope.leaves}
    for key, value in checked["scores"].items():
        if key not in bounds:
            errors.setdefault("scores", {})[key] = [msg("Not an indicator this assignment scores.")]
        elif value is not None and not 0 <= value <= score_ceiling(bounds[key]):
            errors.setdefault("scores", {})[key] = [
                msg("A score lies between %(min)s and %(max)s.", min=0, max=shown_points(bounds[key]))
            ]
        elif value is not None and value > bounds[key]:
            checked["scores"][key] = bounds[key]  # the maximum as shown: full marks
    for key, text in checked["comments"].items():
        if key != "" and key not in bounds:
            errors.setdefault("comments", {})[key] = [msg("Not an indicator this assignment scores.")]
        elif key != "" and len(text) > MAX_COMMENT:
            errors.setdefault("comments", {})[key] = [
                msg("This text has %(min)s to %(max)s characters.", min=0, max=MAX_COMMENT)
            ]
    seen = set()
    for i, veto in enumerate(checked["vetoes"]):
        if veto["flag"] not in scope.flags:
            errors.setdefault("vetoes", {})[str(i)] = {"flag": [msg("Not a veto flag of these criteria.")]}
        elif veto["flag"] in seen:
            errors.setdefault("vetoes", {})[str(i)] = {"flag": [msg("This flag is raised twice.")]}
        elif not veto["reason"].strip():
            errors.setdefault("vetoes", {})[str(i)] = {"reason": [msg("Give the reason for the veto.")]}
        seen.add(veto["flag"])
    for key in checked["bonus_verified"]:
        if key not in scope.claimed:
            errors.setdefault("bonus_verified", {})[key] = [
                msg("The application does not claim this bonus item.")
            ]
    if errors:
        raise ServiceError(422, msg("The review is not valid: see the fields."), errors)
    return checked


def shown_points(points: float) -> float:
    """An indicator's points as the scoring sheet shows them: 2 decimals, rounded half up (points
    weighed by AHP are rarely decimals: 22.857142857142858 shows as 22.86)."""
    return float(Decimal(format(points, ".10g")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def score_ceiling(points: float) -> float:
    """The highest score a reviewer may type: the points, or the points as shown where that is more.
    A score between the two is full marks and is stored as the points, so that the maximum a
    reviewer reads is a score the service takes and the engine never sees a score above the points."""
    return max(points, shown_points(points))


def _by_key(errors: Any) -> Any:
    """Schema errors with a mapping's per-entry problems under the entry's key (marshmallow puts
    them under "key" and "value")."""
    if not isinstance(errors, dict):
        return errors
    out: dict[str, Any] = {}
    for name, value in errors.items():
        if name in ("scores", "comments", "bonus_verified") and isinstance(value, dict):
            out[name] = {
                k: (v.get("value") or v.get("key") or v) if isinstance(v, dict) else v
                for k, v in value.items()
            }
        else:
            out[name] = value
    return out


def _check_complete(checked: dict[str, Any], scope: Scope) -> None:
    errors: dict[str, Any] = {}
    for leaf in scope.leaves:
        if checked["scores"].get(leaf.id) is None:
            errors.setdefault("scores", {})[leaf.id] = [msg("Score this indicator before submitting.")]
    for item in scope.claimed:
        if item not in checked["bonus_verified"]:
            errors.setdefault("bonus_verified", {})[item] = [
                msg("Verify this claimed bonus item before submitting.")
            ]
    if errors:
        raise ServiceError(422, msg("The review cannot be submitted yet: see the fields."), errors)


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: {"before": before.get(k), "after": after.get(k)}
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }


def closed_reason(assignment: Assignment, rnd: Round) -> Message | None:
    """Why the assignment's review can no longer change — the round is not in review, or the
    assignment is no longer active — or None while it may (the one rule of the API and the page)."""
    if rnd.phase not in REVIEW_PHASES:
        return msg(
            "Round '%(title)s' is in phase '%(phase)s': scores change only while it is in review.",
            title=rnd.title,
            phase=rnd.phase,
        )
    if assignment.status != AssignmentStatus.ACTIVE:
        return msg(
            "This assignment is %(status)s: its review can no longer change.", status=assignment.status
        )
    return None


def check_open(assignment: Assignment, rnd: Round) -> None:
    """409 unless the review may still change (``closed_reason``)."""
    reason = closed_reason(assignment, rnd)
    if reason is not None:
        raise ServiceError(409, reason)


def save_review(actor: User, assignment: Assignment, data: Any, expected: Collection[str] | None) -> Review:
    """Replace the assignment's review with ``data`` (flushes; audits the changes with before and
    after). ``expected`` holds the version tags the client read (``{"v3"}``); a stale one is 412.

    ``data``: ``scores`` (indicator id → number or null), ``comments`` (indicator id or "" for the
    overall comment → text), ``vetoes`` ([{flag, reason}]), ``bonus_verified`` (claimed item id →
    true/false), ``status`` (draft | submitted). A save that changes nothing writes nothing.
    """
    return save_review_scoped(actor, assignment, data, expected)[0]


def save_review_scoped(
    actor: User, assignment: Assignment, data: Any, expected: Collection[str] | None
) -> tuple[Review, Scope]:
    """``save_review``, also returning the assignment's scope as read under the locks (for the
    reply, without reading the round again)."""
    # The round read-locked (no phase change meanwhile), then the assignment: the order of
    # evaluator.core.locking, which the office's changes of assignments take too.
    rnd = lock_round(assignment.round_id, shared=True)
    if rnd is None:
        raise ServiceError(404, msg("No round %(id)s.", id=assignment.round_id))
    # The application comes with the assignment: only its bonus claims are read, which the
    # assignment's lock does not protect either way.
    fresh = lock_assignment(
        assignment.id, options=(joinedload(Assignment.application).load_only(Application.bonus_claims),)
    )
    if fresh is None:
        raise ServiceError(404, msg("No assignment %(id)s.", id=assignment.id))
    # The review is read only now that the assignment is locked, which every save of it takes
    # first: so it is the committed one, and stays so until this transaction ends.
    review = db.session.scalar(
        db.select(Review).where(Review.assignment_id == fresh.id).execution_options(populate_existing=True)
    )
    check_version(review, expected, "review")
    check_open(fresh, rnd)
    scope = scope_of(fresh, rnd)
    checked = validate_review(data, scope)
    if checked["status"] == ReviewStatus.SUBMITTED:
        _check_complete(checked, scope)
    cs = scope.criteria
    values = np.full(len(cs.expert_leaves), np.nan, dtype=DTYPE)
    position = {leaf.id: i for i, leaf in enumerate(cs.expert_leaves)}
    for key, value in checked["scores"].items():
        if value is not None:
            values[position[key]] = value
    comments = {k: v for k, v in checked["comments"].items() if v.strip()}
    vetoes = [{"flag": v["flag"], "reason": v["reason"].strip()} for v in checked["vetoes"]]
    before_scores = scores_by_id(review, cs)
    after_scores = {
        leaf.id: float(values[i]) for i, leaf in enumerate(cs.expert_leaves) if not np.isnan(values[i])
    }
    before_status = None if review is None else review.status
    changed: dict[str, Any] = {}
    for name, before, after in (
        ("scores", before_scores, after_scores),
        ("comments", {} if review is None else review.comments or {}, comments),
        ("bonus_verified", {} if review is None else review.bonus_verified or {}, checked["bonus_verified"]),
    ):
        diff = _changes(before, after)
        if diff:
            changed[name] = diff
    old_vetoes = [] if review is None else list(review.vetoes or [])
    if old_vetoes != vetoes:
        changed["vetoes"] = {"before": old_vetoes, "after": vetoes}
    if before_status != checked["status"]:
        changed["status"] = {"before": before_status, "after": checked["status"]}
    if review is not None and not changed:
        return review, scope
    if review is None:
        review = Review(assignment_id=fresh.id, round_id=fresh.round_id)
        db.session.add(review)
    review.scores = values.tobytes()
    review.comments = comments
    review.vetoes = vetoes
    review.bonus_verified = dict(checked["bonus_verified"])
    review.status = checked["status"]
    if checked["status"] == ReviewStatus.SUBMITTED and before_status != ReviewStatus.SUBMITTED:
        review.submitted_at = utcnow()
    elif checked["status"] == ReviewStatus.DRAFT:
        review.submitted_at = None
    db.session.flush()
    action = (
        "review.submitted"
        if "status" in changed and checked["status"] == ReviewStatus.SUBMITTED
        else "review.reopened"
        if before_status == ReviewStatus.SUBMITTED and checked["status"] == ReviewStatus.DRAFT
        else "review.saved"
    )
    audit.record(
        actor,
        action,
        "review",
        review.id,
        {
            "assignment_id": fresh.id,
            "application_id": fresh.application_id,
            "version": review.version,
            **changed,
        },
    )
    return review, scope
