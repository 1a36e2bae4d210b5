"""Carry out the moves of ``evaluator.workflow``: lock the rows, check the move, change the status or
phase, and write the audit event — the one place a round or an application changes state.

Concurrency: a move re-reads its rows under a lock held until the request commits — ``SELECT … FOR
UPDATE`` on PostgreSQL; on SQLite every writing request holds the database's write lock from its
first statement (``BEGIN IMMEDIATE``, see ``evaluator.extensions``) — so every check is made on the
state that is committed.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select

from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import N_, msg
from evaluator.models import Application, Round, User
from evaluator.models.base import as_aware, utcnow
from evaluator.services import audit
from evaluator.workflow import EDITABLE, MOVES, PHASE_GATES, Move, Phase, Status, next_phase

T = TypeVar("T")

# The refusals of a move, one whole sentence per action (keyed by ``Move.done`` or the ``doing``
# of an edit), so that each can be translated as a whole.
_NOT_OPEN = {
    "created": N_("Round '%(title)s' is in phase '%(phase)s', not open: applications can be created only "
                  "while it is open."),
    "submitted": N_("Round '%(title)s' is in phase '%(phase)s', not open: applications can be submitted "
                    "only while it is open."),
    "imported": N_("Round '%(title)s' is in phase '%(phase)s', not open: applications can be imported "
                   "only while it is open."),
    "withdrawn": N_("Round '%(title)s' is in phase '%(phase)s', not open: applications can be withdrawn "
                    "only while it is open."),
    "edited": N_("Round '%(title)s' is in phase '%(phase)s', not open: applications can be edited only "
                 "while it is open."),
    "given new materials": N_("Round '%(title)s' is in phase '%(phase)s', not open: applications can be "
                              "given new materials only while it is open."),
    "changed": N_("Round '%(title)s' is in phase '%(phase)s', not open: applications can be changed only "
                  "while it is open."),
}
_NOT_OPEN_ANY = N_("Round '%(title)s' is in phase '%(phase)s', not open: applications can be changed "
                   "only while it is open.")
_PAST_DEADLINE = {
    "created": N_("The submission deadline (%(deadline)s) has passed: applications can no longer be "
                  "created."),
    "submitted": N_("The submission deadline (%(deadline)s) has passed: applications can no longer be "
                    "submitted."),
    "imported": N_("The submission deadline (%(deadline)s) has passed: applications can no longer be "
                   "imported."),
    "withdrawn": N_("The submission deadline (%(deadline)s) has passed: applications can no longer be "
                    "withdrawn."),
    "edited": N_("The submission deadline (%(deadline)s) has passed: applications can no longer be "
                 "edited."),
    "given new materials": N_("The submission deadline (%(deadline)s) has passed: applications can no "
                              "longer be given new materials."),
    "changed": N_("The submission deadline (%(deadline)s) has passed: applications can no longer be "
                  "changed."),
}
_ONLY_DRAFT = {
    "edited": N_("Only a draft can be edited; this application is %(status)s."),
    "given new materials": N_("Only a draft can be given new materials; this application is %(status)s."),
    "changed": N_("Only a draft can be changed; this application is %(status)s."),
}
_WRONG_STATUS = {
    "submitted": N_("Only a %(wanted)s application can be submitted; this one is %(status)s."),
    "withdrawn": N_("Only a %(wanted)s application can be withdrawn; this one is %(status)s."),
}
_WRONG_STATUS_ANY = N_("Only a %(wanted)s application can be changed this way; this one is %(status)s.")


def lock(model: type[T], ident: int, *, shared: bool = False) -> T | None:
    """The row re-read from the database under a row lock (shared: others may read-lock it too).

    Held until the transaction ends; a row deleted meanwhile comes back as None. The lock is taken
    by its own statement and the row then reloaded, so an older copy in the session is refreshed
    rather than compared against (SQLAlchemy checks row versions on locking loads).
    """
    locked = select(model.id).where(model.id == ident).with_for_update(read=shared)
    if db.session.execute(locked).first() is None:
        return None
    return db.session.get(model, ident, populate_existing=True)


def lock_load(model: type[T], ident: int, *, shared: bool = False, options: tuple = ()) -> T | None:
    """Like ``lock``, in one statement: the row locked and loaded together, refreshing a copy in
    the session (no row-version comparison: a 2.0 ``select`` does not make one).

    ``options``: loader options, e.g. ``joinedload(Assignment.application)`` to bring a related row
    in the same statement. On PostgreSQL only ``model``'s row is locked (``FOR UPDATE OF``) and
    the related row is read as of the statement's start, before any wait for the lock: join only
    rows that the lock does not protect anyway (a plain read after the lock is no safer for them).
    """
    query = (select(model).where(model.id == ident).options(*options)
             .with_for_update(read=shared, of=model if options else None)
             .execution_options(populate_existing=True))
    return db.session.scalars(query).unique().first()


def etag_of(row: Application | Round) -> str:
    """The entity tag of a row's current version (quoted in the ETag header)."""
    return f"v{row.version}"


def check_version(row: Application | Round, expected: Collection[str] | None, what: str) -> None:
    """412 when the client's If-Match names none of the row's current version (None: no If-Match)."""
    if expected is not None and etag_of(row) not in expected:
        template = (N_("The round has changed since you read it (it is now version %(version)s); reload "
                       "it and try again.") if what == "round" else
                    N_("The application has changed since you read it (it is now version %(version)s); "
                       "reload it and try again."))
        raise ServiceError(412, msg(template, version=row.version),
                           {"If-Match": [msg('the current ETag is "%(etag)s"', etag=etag_of(row))]})


def lock_application(app: Application, expected: Collection[str] | None = None) -> Application:
    """The application locked for a change, with its round read-locked (no phase change meanwhile).

    ``expected`` holds the ETags of an If-Match header: a stale one is refused with 412.
    """
    # Round first, then application: the order every move takes (a region office's act locks the
    # round, then its applications), so that two of them never wait on each other.
    lock(Round, app.round_id, shared=True)
    fresh = lock(Application, app.id)
    if fresh is None:
        raise ServiceError(404, msg("No application %(id)s.", id=app.id))
    check_version(fresh, expected, "application")
    return fresh


def check_round_allows(move: Move, rnd: Round, doing: str) -> None:
    """409 unless the round's phase and deadline allow the move."""
    if rnd.phase not in move.phases:
        raise ServiceError(409, msg(_NOT_OPEN.get(doing, _NOT_OPEN_ANY), title=rnd.title, phase=rnd.phase))
    deadline = rnd.submission_deadline
    if move.before_deadline and deadline is not None and utcnow() >= as_aware(deadline):
        raise ServiceError(409, msg(_PAST_DEADLINE.get(doing, _PAST_DEADLINE["changed"]),
                                    deadline=as_aware(deadline).isoformat()))


def check_editable(app: Application, doing: str = "edited") -> None:
    """409 unless the application's figures and materials may change now (a draft, round open)."""
    check_round_allows(EDITABLE, app.round, doing)
    if app.status not in EDITABLE.sources:
        raise ServiceError(409, msg(_ONLY_DRAFT.get(doing, _ONLY_DRAFT["changed"]), status=app.status))


def check_move(action: str, app: Application | None, rnd: Round) -> Move:
    """The move, if the application's status and the round allow it; 409 otherwise."""
    move = MOVES[action]
    doing = move.done
    check_round_allows(move, rnd, doing)
    status = None if app is None else Status(app.status)
    if status not in move.sources:
        wanted = [s.value for s in move.sources if s is not None]
        raise ServiceError(409, msg(_WRONG_STATUS.get(doing, _WRONG_STATUS_ANY), wanted=wanted,
                                    status=str(status)))
    return move


def move_application(actor: User | None, app: Application, action: str,
                     at: datetime | None = None, **summary: Any) -> Application:
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
    audit.record(actor, f"application.{move.done}", "application", app.id,
                 {"status": {"before": before, "after": move.target.value}, **summary})
    return app


def move_round(actor: User, rnd: Round, to: str, reason: str | None = None,
               expected: Collection[str] | None = None) -> Round:
    """Move a round one phase forward, once the deadline that gates it has passed (flushes, audits)."""
    fresh = lock(Round, rnd.id)
    if fresh is None:
        raise ServiceError(404, msg("No round %(id)s.", id=rnd.id))
    rnd = fresh
    check_version(rnd, expected, "round")
    expected = next_phase(rnd.phase)
    if to != expected:
        raise ServiceError(409, msg("A round in '%(phase)s' can only move to '%(next)s'.", phase=rnd.phase,
                                    next=expected) if expected else msg("This round is final."))
    gate = PHASE_GATES.get(Phase(to))
    deadline = getattr(rnd, gate) if gate else None
    if deadline is not None and utcnow() < as_aware(deadline):
        template = (N_("'%(phase)s' opens after the review deadline (%(deadline)s).")
                    if gate == "review_deadline" else
                    N_("'%(phase)s' opens after the submission deadline (%(deadline)s)."))
        raise ServiceError(409, msg(template, phase=to, deadline=as_aware(deadline).isoformat()))
    if to == Phase.REVIEW:
        from evaluator.services.vetting_quota import enter_review  # the region steps' outcome

        enter_review(actor, rnd)
    before = rnd.phase
    rnd.phase = to
    db.session.flush()
    summary = {"from": before, "to": to} | ({"reason": reason} if reason else {})
    audit.record(actor, "round.transition", "round", rnd.id, summary)
    return rnd
