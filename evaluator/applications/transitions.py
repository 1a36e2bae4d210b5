"""Carry out the moves of ``evaluator.workflow`` on an application: lock it, check the move, change
the status and write the audit event — the one place an application changes state.

The caller holds the locks (``lock_application``) until the request commits.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from evaluator.accounts.models import User
from evaluator.applications.models import Application
from evaluator.audit import service as audit
from evaluator.core import locking
from evaluator.core.db import as_aware, utcnow
from evaluator.core.versions import check_version
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import N_, msg
from evaluator.rounds.models import Round
from evaluator.workflow import EDITABLE, MOVES, PHASE_LABELS, STATUS_LABELS, Move, Phase, Status

# The refusals of a move, one whole sentence per action (keyed by ``Move.done`` or the ``doing``
# of an edit), so that each can be translated as a whole.
_NOT_OPEN = {
    "created": N_(
        "Round '%(title)s' is in phase '%(phase)s', not open: applications can be created only "
        "while it is open."
    ),
    "submitted": N_(
        "Round '%(title)s' is in phase '%(phase)s', not open: applications can be submitted "
        "only while it is open."
    ),
    "imported": N_(
        "Round '%(title)s' is in phase '%(phase)s', not open: applications can be imported "
        "only while it is open."
    ),
    "withdrawn": N_(
        "Round '%(title)s' is in phase '%(phase)s', not open: applications can be withdrawn "
        "only while it is open."
    ),
    "edited": N_(
        "Round '%(title)s' is in phase '%(phase)s', not open: applications can be edited only "
        "while it is open."
    ),
    "given new materials": N_(
        "Round '%(title)s' is in phase '%(phase)s', not open: applications can be "
        "given new materials only while it is open."
    ),
    "changed": N_(
        "Round '%(title)s' is in phase '%(phase)s', not open: applications can be changed only "
        "while it is open."
    ),
}
_NOT_OPEN_ANY = N_(
    "Round '%(title)s' is in phase '%(phase)s', not open: applications can be changed only while it is open."
)
_PAST_DEADLINE = {
    "created": N_(
        "The submission deadline (%(deadline)s) has passed: applications can no longer be created."
    ),
    "submitted": N_(
        "The submission deadline (%(deadline)s) has passed: applications can no longer be submitted."
    ),
    "imported": N_(
        "The submission deadline (%(deadline)s) has passed: applications can no longer be imported."
    ),
    "withdrawn": N_(
        "The submission deadline (%(deadline)s) has passed: applications can no longer be withdrawn."
    ),
    "edited": N_("The submission deadline (%(deadline)s) has passed: applications can no longer be edited."),
    "given new materials": N_(
        "The submission deadline (%(deadline)s) has passed: applications can no "
        "longer be given new materials."
    ),
    "changed": N_(
        "The submission deadline (%(deadline)s) has passed: applications can no longer be changed."
    ),
}
_ONLY_DRAFT = {
    "edited": N_("Only a draft can be edited; this application is “%(status)s”."),
    "given new materials": N_("Only a draft can be given new materials; this application is “%(status)s”."),
    "changed": N_("Only a draft can be changed; this application is “%(status)s”."),
}
_WRONG_STATUS = {
    "submitted": N_("Only an application that is “%(wanted)s” can be submitted; this one is “%(status)s”."),
    "withdrawn": N_("Only an application that is “%(wanted)s” can be withdrawn; this one is “%(status)s”."),
}
_WRONG_STATUS_ANY = N_(
    "Only an application that is “%(wanted)s” can be changed this way; this one is “%(status)s”."
)


def lock_application(app: Application, expected: Collection[str] | None = None) -> Application:
    """The application locked for a change, with its round read-locked (no phase change meanwhile).

    ``expected`` holds the ETags of an If-Match header: a stale one is refused with 412.
    """
    locking.lock_round(app.round_id, shared=True)  # first: the order of evaluator.core.locking
    fresh = locking.lock_application(app.id)
    if fresh is None:
        raise ServiceError(404, msg("No application %(id)s.", id=app.id))
    check_version(fresh, expected, "application")
    return fresh


def check_round_allows(move: Move, rnd: Round, doing: str) -> None:
    """409 unless the round's phase and deadline allow the move."""
    if rnd.phase not in move.phases:
        raise ServiceError(
            409,
            msg(_NOT_OPEN.get(doing, _NOT_OPEN_ANY), title=rnd.title, phase=PHASE_LABELS[Phase(rnd.phase)]),
        )
    deadline = rnd.submission_deadline
    if move.before_deadline and deadline is not None and utcnow() >= as_aware(deadline):
        raise ServiceError(
            409,
            msg(
                _PAST_DEADLINE.get(doing, _PAST_DEADLINE["changed"]), deadline=as_aware(deadline).isoformat()
            ),
        )


def check_editable(app: Application, doing: str = "edited") -> None:
    """409 unless the application's figures and materials may change now (a draft, round open)."""
    check_round_allows(EDITABLE, app.round, doing)
    if app.status not in EDITABLE.sources:
        raise ServiceError(
            409, msg(_ONLY_DRAFT.get(doing, _ONLY_DRAFT["changed"]), status=STATUS_LABELS[Status(app.status)])
        )


def check_move(action: str, app: Application | None, rnd: Round) -> Move:
    """The move, if the application's status and the round allow it; 409 otherwise."""
    move = MOVES[action]
    doing = move.done
    check_round_allows(move, rnd, doing)
    status = None if app is None else Status(app.status)
    if status not in move.sources:
        wanted = [STATUS_LABELS[s] for s in move.sources if s is not None]
        shown = STATUS_LABELS[status] if status is not None else N_("not yet started")
        raise ServiceError(409, msg(_WRONG_STATUS.get(doing, _WRONG_STATUS_ANY), wanted=wanted, status=shown))
    return move


def move_application(
    actor: User | None, app: Application, action: str, at: datetime | None = None, **summary: Any
) -> Application:
    """Apply a status move to an application that exists (flushes) and audit it.

    The caller has locked the application (``lock_application``) and made the move's own checks
    (a complete form for ``submit``). ``at`` is the submission time (default now).
    """
    move = check_move(action, app, app.round)
    before = app.status
    app.status = move.target
    if move.target == Status.SUBMITTED:
        app.submitted_at = at or utcnow()
        summary["submitted_at"] = app.submitted_at.isoformat()
    db.session.flush()
    audit.record(
        actor,
        f"application.{move.done}",
        "application",
        app.id,
        {"status": {"before": before, "after": move.target.value}, **summary},
    )
    return app
