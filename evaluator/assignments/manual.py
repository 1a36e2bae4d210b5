"""Manual changes of a round's assignments: the office adds and removes, a reviewer recuses (and a
replacement is sought), declares conflicts and keeps their expertise. Every act is audited; every
change of assignments locks the round's row, as the automatic run does.

Removing or recusing keeps the row (status ``removed`` or ``recused`` with the reason); the review of
an assignment that is no longer active does not count in the results.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from evaluator.accounts.models import User
from evaluator.applications.models import Application
from evaluator.assignments.conflicts import (
    add_conflicts,
    application_conflicts,
    conflict_messages,
    panel_rows,
    round_cap,
)
from evaluator.assignments.data import (
    ACTIVE,
    check_kind,
    load_roster,
    lock_round_for_assignment,
    panel_size,
    required_reason,
)
from evaluator.assignments.models import Assignment
from evaluator.assignments.report import reviewer_loads
from evaluator.audit import service as audit
from evaluator.core.locking import lock_assignment
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.reviews.models import Review
from evaluator.rounds.models import Round
from evaluator.rounds.settings import settings_of
from evaluator.workflow import AssignmentKind, AssignmentSource, AssignmentStatus, ReviewStatus, Role, Status


def _application_in_review(rnd: Round, application: Application) -> None:
    if application.round_id != rnd.id or application.status != Status.UNDER_REVIEW.value:
        raise ServiceError(
            409,
            msg("Only an application under review in this round can be assigned."),
            {"application_id": [msg("not under review in this round")]},
        )


def _reviewer(user: User | None) -> User:
    if user is None or user.role != Role.REVIEWER or not user.active:
        raise ServiceError(
            422, msg("Choose an active reviewer."), {"reviewer_id": [msg("not an active reviewer")]}
        )
    return user


def add(
    actor: User,
    rnd: Round,
    application: Application,
    reviewer: User | None,
    *,
    kind: str = AssignmentKind.MATERIALS.value,
    override_reason: str | None = None,
) -> Assignment:
    """The office puts a reviewer on an application's panel. A broken rule (conflict, recusal, full
    panel, maximum load) refuses it (409) unless ``override_reason`` is given, which is stored."""
    rnd = lock_round_for_assignment(rnd)
    check_kind(settings_of(rnd), kind)
    _application_in_review(rnd, application)
    reviewer = _reviewer(reviewer)
    existing = next((a for a in panel_rows(application.id, kind) if a.reviewer_id == reviewer.id), None)
    if existing is not None and existing.status == ACTIVE:
        raise ServiceError(
            409,
            msg("%(reviewer)s is already on this panel.", reviewer=reviewer.display_name),
            {"reviewer_id": [msg("already assigned")]},
        )
    broken = add_conflicts(rnd, application, reviewer, kind)
    reason = (override_reason or "").strip() or None
    if broken and reason is None:
        raise ServiceError(
            409,
            msg("This assignment breaks the round's rules; give a reason to override them."),
            {
                "reviewer_id": conflict_messages(rnd, reviewer, kind, broken),
                "override_reason": [msg("required to override")],
            },
        )
    if existing is None:
        row = Assignment(
            round_id=rnd.id,
            application_id=application.id,
            reviewer_id=reviewer.id,
            kind=kind,
            status=ACTIVE,
            source=AssignmentSource.MANUAL.value,
            created_by=actor.id,
        )
        db.session.add(row)
    else:  # a removed or recused reviewer put back: the same row, active again
        row = existing
        row.status, row.created_by, row.end_reason = ACTIVE, actor.id, None
        row.source = AssignmentSource.MANUAL.value
    row.override_reason = reason if broken else None
    db.session.flush()
    audit.record(
        actor,
        "assignment.add",
        "assignment",
        row.id,
        {
            "round_id": rnd.id,
            "application_id": application.id,
            "reviewer_id": reviewer.id,
            "kind": kind,
            "overridden": broken,
            "override_reason": row.override_reason,
        },
    )
    return row


def _submitted(assignment: Assignment) -> bool:
    return (
        db.session.scalar(
            select(Review.id).where(
                Review.assignment_id == assignment.id, Review.status == ReviewStatus.SUBMITTED.value
            )
        )
        is not None
    )


def _lock_assignment(assignment: Assignment) -> Assignment:
    lock_round_for_assignment(db.session.get(Round, assignment.round_id))  # first (core.locking)
    fresh = lock_assignment(assignment.id)
    if fresh is None:
        raise ServiceError(404, msg("No assignment %(id)s.", id=assignment.id))
    if fresh.status != ACTIVE:
        raise ServiceError(409, msg("This assignment is %(status)s already.", status=fresh.status))
    return fresh


def _end(
    actor: User, row: Assignment, status: AssignmentStatus, reason: str, action: str, **details: Any
) -> None:
    """End a locked active assignment with a reason (``removed`` or ``recused``), audited as ``action``
    with ``details`` after the assignment's own facts."""
    row.status, row.end_reason = status.value, reason
    db.session.flush()
    audit.record(
        actor,
        action,
        "assignment",
        row.id,
        {
            "round_id": row.round_id,
            "application_id": row.application_id,
            "reviewer_id": row.reviewer_id,
            "kind": row.kind,
            "reason": reason,
            **details,
        },
    )


def remove(actor: User, assignment: Assignment, reason: str | None) -> Assignment:
    """The office takes a reviewer off a panel, with a reason (status ``removed``). A submitted
    review of it no longer counts in the results."""
    text = required_reason(reason)
    row = _lock_assignment(assignment)
    _end(actor, row, AssignmentStatus.REMOVED, text, "assignment.remove", review_voided=_submitted(row))
    return row


def recuse(actor: User, assignment: Assignment, reason: str | None) -> dict[str, Any]:
    """The reviewer steps down from an assignment, with a reason (status ``recused``); a replacement
    is then sought. Returns the assignment, the replacement (or None) and why none was found."""
    text = required_reason(reason)
    row = _lock_assignment(assignment)
    if _submitted(row):
        raise ServiceError(
            409, msg("You submitted this review already: ask the office to remove the assignment instead.")
        )
    _end(actor, row, AssignmentStatus.RECUSED, text, "assignment.recuse")
    replacement, why = reassign(actor, row)
    return {"assignment": row, "replacement": replacement, "no_replacement_reason": why}


def reassign(actor: User, ended: Assignment) -> tuple[Assignment | None, str | None]:
    """A replacement for an ended assignment: a reviewer without a conflict, never on this panel
    (in any status), below the round's cap, with the lowest load (then the most sections the panel
    lacks, then the lowest id). The round is locked by the caller."""
    rnd = db.session.get(Round, ended.round_id)
    kind = ended.kind
    panel = panel_rows(ended.application_id, kind)
    if sum(a.status == ACTIVE for a in panel) >= panel_size(settings_of(rnd), kind):
        return None, None
    excluded = set(application_conflicts(rnd, ended.application_id)) | {a.reviewer_id for a in panel}
    roster = load_roster(rnd)
    loads = reviewer_loads(rnd, kind)
    cap = round_cap(rnd, kind)
    expertise = dict(zip(roster.ids, roster.expertise, strict=True))
    have = set().union(*(expertise.get(a.reviewer_id, set()) for a in panel if a.status == ACTIVE))
    options = [
        (loads.get(r, 0), -len(expertise[r] - have), r)
        for r in roster.ids
        if r not in excluded and loads.get(r, 0) < cap
    ]
    if not options:
        why = msg(
            "No reviewer is available: every other reviewer has a conflict with this application, is "
            "or was on its panel, or has the maximum load of %(cap)s.",
            cap=cap,
        )
        audit.record(
            actor,
            "assignment.reassign",
            "assignment",
            ended.id,
            {"application_id": ended.application_id, "replacement": None, "reason": str(why)},
        )
        return None, why
    chosen = min(options)[2]
    row = Assignment(
        round_id=rnd.id,
        application_id=ended.application_id,
        reviewer_id=chosen,
        kind=kind,
        status=ACTIVE,
        source=AssignmentSource.AUTO.value,
        created_by=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "assignment.reassign",
        "assignment",
        ended.id,
        {"application_id": ended.application_id, "replacement": row.id, "reviewer_id": chosen},
    )
    return row, None
