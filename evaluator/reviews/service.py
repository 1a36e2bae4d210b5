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
phase ends. A draft may also be saved in part (``save_review_partial``): its valid entries are
saved, the invalid ones keep their stored values and are named in the answer. What a review may
hold is checked in ``reviews.checks``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
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
from evaluator.reviews.checks import NOT_VALID, check_complete, check_review
from evaluator.reviews.models import Review
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.rounds.settings import settings_of
from evaluator.scoring.encoded import flag_names
from evaluator.workflow import REVIEW_PHASES, AssignmentStatus, ReviewStatus

DTYPE = np.dtype("<f8")


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
    review, scope, _ = _save(actor, assignment, data, expected, partial=False)
    return review, scope


def save_review_partial(
    actor: User, assignment: Assignment, data: Any, expected: Collection[str] | None
) -> tuple[Review, Scope, dict[str, Any]]:
    """``save_review_scoped`` for a draft, entry by entry: each valid score, comment, veto and bonus
    verification is saved; each invalid one keeps its stored value (or stays empty) and is returned
    with its problems, named as a 422 would name it (``{"scores": {"plan": [message]}}``; vetoes by
    their position in ``data``). The review's shape, a submission, the version and the phase are
    checked as in a whole save: any problem there refuses everything."""
    return _save(actor, assignment, data, expected, partial=True)


def _save(
    actor: User, assignment: Assignment, data: Any, expected: Collection[str] | None, partial: bool
) -> tuple[Review, Scope, dict[str, Any]]:
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
    checked, rejected = check_review(data, scope, partial)
    if rejected and checked["status"] == ReviewStatus.SUBMITTED:  # only a draft is saved in part
        raise ServiceError(422, msg(NOT_VALID), rejected)
    if rejected:
        checked = _keep_stored(checked, rejected, data, review, scope)
    if checked["status"] == ReviewStatus.SUBMITTED:
        check_complete(checked, scope)
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
        return review, scope, rejected
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
    return review, scope, rejected


def _keep_stored(
    checked: dict[str, Any],
    rejected: Mapping[str, Any],
    data: Mapping[str, Any],
    review: Review | None,
    scope: Scope,
) -> dict[str, Any]:
    """The checked draft with the stored value of each entry set aside: a score, comment, veto or
    verification saved before stays as it was until a valid one replaces it."""
    if review is None:
        return checked
    out = {**checked, "scores": dict(checked["scores"]), "comments": dict(checked["comments"])}
    out["bonus_verified"] = dict(checked["bonus_verified"])
    for name, stored in (
        ("scores", scores_by_id(review, scope.criteria)),
        ("comments", review.comments or {}),
        ("bonus_verified", review.bonus_verified or {}),
    ):
        for key in rejected.get(name, {}):
            if key in stored:
                out[name][key] = stored[key]
    raised = {v["flag"] for v in checked["vetoes"]}
    before = {v["flag"]: v for v in review.vetoes or []}
    sent = data.get("vetoes") or []
    out["vetoes"] = list(checked["vetoes"])
    for key in rejected.get("vetoes", {}):
        item = sent[int(key)]
        flag = item.get("flag") if isinstance(item, Mapping) else None
        if isinstance(flag, str) and flag in before and flag not in raised:
            out["vetoes"].append(dict(before[flag]))
            raised.add(flag)
    return out
