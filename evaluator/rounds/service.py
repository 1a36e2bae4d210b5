"""Rounds: create with a frozen criteria set, change while in preparation, read their criteria.

The checks of a round's input live here, so the API and the pages refuse exactly the same things
with the same messages: where the criteria set comes from (``round_criteria_of``), exactly one
source of it (``criteria_source_errors``) and deadlines in order (``deadline_errors``).
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from evaluator.accounts.models import User
from evaluator.audit import service as audit
from evaluator.core.db import as_aware
from evaluator.core.locking import lock_round
from evaluator.core.settings import setting_or
from evaluator.core.versions import check_version
from evaluator.criteria import CriteriaError, CriteriaSet, build_criteria, list_criteria
from evaluator.criteria.catalog import criteria_dir, find_criteria
from evaluator.criteria.loader import parse_yaml
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import N_, msg
from evaluator.rounds.models import Round
from evaluator.workflow import PHASE_LABELS, Phase

TITLE_LENGTH = {"min_length": 2, "max_length": 200}
NOTICE_DAYS = {"min": 1, "max": 60}
DEADLINES = ("opens_at", "submission_deadline", "review_deadline")
EDITABLE_FIELDS = ("title", *DEADLINES, "notice_days")
CHOOSE_ONE = N_("Give exactly one of criteria_id (a bundled set) and criteria_yaml (a criteria file).")
CHOOSE_AT_MOST_ONE = N_(
    "Give at most one of criteria_id (a bundled set) and criteria_yaml (a criteria file)."
)
NOT_IN_ORDER = N_("The dates are not in order: see the messages beside them.")
ONLY_DRAFT = N_("Round '%(title)s' is in phase '%(phase)s': only a round in preparation can be edited.")


def criteria_folder() -> Path:
    """The folder of the bundled criteria sets (the app's CRITERIA_DIR, if set)."""
    return Path(setting_or("CRITERIA_DIR", None) or criteria_dir())


def bundled_sets() -> list[CriteriaSet]:
    """The criteria sets a new round can be made from; 500 if a file of the folder is invalid."""
    try:
        return list_criteria(criteria_folder())
    except CriteriaError as exc:
        raise ServiceError(500, msg("A criteria file is invalid."), exc.errors) from None


def criteria_source_errors(set_id: str | None, text: str | None, required: bool = True) -> dict[str, list]:
    """Problems with where a round's criteria come from: exactly one source (at most one if not
    ``required``)."""
    if set_id is not None and text is not None:
        message = msg(CHOOSE_ONE if required else CHOOSE_AT_MOST_ONE)
    elif required and set_id is None and text is None:
        message = msg(CHOOSE_ONE)
    else:
        return {}
    return {"criteria_id": [message], "criteria_yaml": [message]}


def deadline_errors(
    opens: datetime | None, submission: datetime | None, review: datetime | None
) -> dict[str, list]:
    """Problems with the order of a round's opening, submission deadline and review deadline."""
    opens, submission, review = (None if t is None else as_aware(t) for t in (opens, submission, review))
    errors: dict[str, list] = {}
    if submission and review and review < submission:
        errors["review_deadline"] = [msg("The review deadline must not be before the submission deadline.")]
    if opens and submission and opens > submission:
        errors["opens_at"] = [msg("The round must open before its submission deadline.")]
    elif opens and review and opens > review:
        errors["opens_at"] = [msg("The round must open before its review deadline.")]
    return errors


def new_round_errors(data: Mapping[str, Any]) -> dict[str, list]:
    """Every problem of a new round's input that no single field shows (source, dates in order)."""
    return {
        **criteria_source_errors(data.get("criteria_id"), data.get("criteria_yaml")),
        **deadline_errors(*(data.get(k) for k in DEADLINES)),
    }


def check_deadlines(dates: Mapping[str, Any]) -> None:
    """422 naming the fields, unless a round's opening, submission and review deadlines (``DEADLINES``;
    absent: not set) are in order (``deadline_errors``)."""
    errors = deadline_errors(*(dates.get(k) for k in DEADLINES))
    if errors:
        raise ServiceError(422, msg(NOT_IN_ORDER), errors)


def round_criteria_of(set_id: str | None, text: str | None) -> CriteriaSet:
    """The criteria set a round freezes in: a bundled set by id, or an uploaded file's text.

    An uploaded set may not take the id of a bundled set with other content: the id must keep
    meaning one set across rounds.
    """
    folder = criteria_folder()
    if set_id is not None:
        try:
            return find_criteria(set_id, folder)
        except CriteriaError as exc:
            raise ServiceError(
                422,
                msg("Unknown or invalid criteria set."),
                {"criteria_id": [m for msgs in exc.errors.values() for m in msgs]},
            ) from None
    try:
        cs = build_criteria(parse_yaml(text or "", "criteria_yaml"), "criteria_yaml")
    except CriteriaError as exc:
        raise ServiceError(
            422,
            msg("The uploaded criteria set is invalid; every problem is listed."),
            {"criteria_yaml": exc.errors},
        ) from None
    try:
        bundled = find_criteria(cs.id, folder)
    except CriteriaError:
        return cs
    if bundled.sha256 != cs.sha256:
        message = msg(
            "The id '%(id)s' belongs to a bundled criteria set with different content: give the "
            "uploaded set its own id.",
            id=cs.id,
        )
        raise ServiceError(422, message, {"criteria_yaml": {"id": [message]}})
    return cs


def _criteria_columns(cs: CriteriaSet) -> dict[str, Any]:
    return {
        "zone_type": cs.zone_type,
        "criteria_id": cs.id,
        "criteria_version": cs.version,
        "criteria_sha256": cs.sha256,
        "criteria_content": dict(cs.source),
    }


def create_round(actor: User, title: str, cs: CriteriaSet, **deadlines: datetime | int | None) -> Round:
    """A new round in draft, with the criteria set's content and hash stored in it; 422 when its dates
    are not in order (``check_deadlines``)."""
    check_deadlines(deadlines)
    rnd = Round(
        title=title,
        phase=Phase.DRAFT,
        **_criteria_columns(cs),
        **{k: v for k, v in deadlines.items() if v is not None},
    )
    db.session.add(rnd)
    db.session.flush()
    audit.record(
        actor, "round.created", "round", rnd.id, {"title": title, "criteria": cs.id, "sha256": cs.sha256}
    )
    return rnd


def _plain(value: Any) -> Any:
    """A value as the audit log stores it (times as ISO 8601 in UTC)."""
    return as_aware(value).isoformat() if isinstance(value, datetime) else value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return as_aware(a) == as_aware(b)
    return a == b


def update_round(
    actor: User, rnd: Round, changes: Mapping[str, Any], expected: Collection[str] | None = None
) -> Round:
    """Change a round in preparation: title, dates, notice days and (``criteria``: a CriteriaSet)
    its criteria set (flushes, audits before and after).

    The row is locked and its version checked against ``expected`` (the ETags of an If-Match or the
    version a form was read at: 412 when stale); 409 outside draft; 422 when the dates end up out
    of order. Keys left out stay as they are; a deadline given as None is removed.
    """
    fresh = lock_round(rnd.id)
    if fresh is None:
        raise ServiceError(404, msg("No round %(id)s.", id=rnd.id))
    rnd = fresh
    check_version(rnd, expected, "round")
    if rnd.phase != Phase.DRAFT:
        raise ServiceError(409, msg(ONLY_DRAFT, title=rnd.title, phase=PHASE_LABELS[Phase(rnd.phase)]))
    after = {k: changes[k] for k in EDITABLE_FIELDS if k in changes}
    if after.get("title") is None:
        after.pop("title", None)
    if after.get("notice_days") is None:
        after.pop("notice_days", None)
    check_deadlines({k: after.get(k, getattr(rnd, k)) for k in DEADLINES})
    cs = changes.get("criteria")
    if cs is not None and cs.sha256 != rnd.criteria_sha256:
        after.update(_criteria_columns(cs))
    changed = {
        k: {"before": _plain(getattr(rnd, k)), "after": _plain(v)}
        for k, v in after.items()
        if not _same(getattr(rnd, k), v) and k != "criteria_content"
    }
    if not changed:
        return rnd
    for key, value in after.items():
        setattr(rnd, key, value)
    db.session.flush()
    audit.record(actor, "round.updated", "round", rnd.id, {"changed": changed})
    return rnd


def rounds_newest_first(past_preparation: bool = False) -> list[Round]:
    """Every round (or only those past preparation), the newest first."""
    query = select(Round).order_by(Round.id.desc())
    if past_preparation:
        query = query.where(Round.phase != Phase.DRAFT.value)
    return list(db.session.scalars(query))


def open_rounds() -> list[Round]:
    """The rounds open for applications, the oldest first."""
    return list(db.session.scalars(select(Round).where(Round.phase == Phase.OPEN.value).order_by(Round.id)))


def find_round(ident: int) -> Round | None:
    """A round by id (None: there is none)."""
    return db.session.get(Round, ident)


_FROZEN: dict[str, CriteriaSet] = {}  # by the content's hash, written with the content
_FROZEN_MAX = 64


def round_criteria(rnd: Round) -> CriteriaSet:
    """The round's own frozen criteria set (never the file as it is now), built once per process.

    Looked up by the content's hash, which the round stores beside the content: every list page
    asks for it once per application, so it must not cost a serialisation of the whole set.
    """
    cs = _FROZEN.get(rnd.criteria_sha256)
    if cs is None:
        source = f"round criteria {rnd.criteria_sha256[:12]}"
        # A set frozen before every shown text needed its English still builds (the Chinese stands in).
        cs = build_criteria(copy.deepcopy(rnd.criteria_content), source, require_english=False)
        if len(_FROZEN) >= _FROZEN_MAX:
            _FROZEN.pop(next(iter(_FROZEN)))
        _FROZEN[rnd.criteria_sha256] = cs
    return cs
