"""Row locks for read-modify-write: one module, one order.

A change re-reads its rows under a lock held until the request commits — ``SELECT … FOR UPDATE``
(``FOR SHARE`` when shared) on PostgreSQL; on SQLite every writing request holds the database's write
lock from its first statement (``BEGIN IMMEDIATE``, see ``evaluator.extensions``) — so every check is
made on the state that is committed.

**The order.** Every transaction takes its row locks in one global order, so that no two of them ever
wait on each other (a deadlock, which PostgreSQL breaks by failing one of them)::

    round → application → material → assignment → review

- The round first, always: a change of one of its applications or assignments read-locks it
  (``shared``: no phase change meanwhile, while other such changes go on), a change of the round
  itself or of its assignments (automatic or manual) locks it for update, so these take turns.
- Then the application (its materials after it), or the assignment. A review has no lock of its
  own: it is read and written under its assignment's lock, which every save of it takes first.
- A row the transaction holds may be locked again (no wait); a read-locked row is never locked for
  update later (two holders would wait on each other): lock it for update first.
- Users and tokens are locked alone, by the account changes, outside the order.
- The audit log's lock comes last: it is taken when the transaction's events are written
  (``evaluator.audit.service``).

The helpers below are the only way to take a row lock. Each checks the order against the locks the
transaction holds already and raises ``LockOrderError`` on a breach, so a wrong order fails in the
tests rather than deadlocking now and then in production. Should PostgreSQL still fail a transaction
for a deadlock or a serialization failure, the request is retried once (``evaluator.web.retry``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from evaluator.extensions import db

if TYPE_CHECKING:  # the core knows the features' models by their tables only
    from evaluator.accounts.models import ApiToken, User
    from evaluator.applications.models import Application, Material
    from evaluator.assignments.models import Assignment
    from evaluator.rounds.models import Round

ORDER = ("round", "application", "material", "assignment")
"""The tables whose rows are locked, in the order every transaction takes them (reviews: under their
assignment's lock)."""

_HELD = "evaluator.locking.held"  # {(table, id): shared} of the transaction's row locks


class LockOrderError(RuntimeError):
    """A row lock asked for against the global order: a bug that can deadlock on PostgreSQL."""


def lock_round(ident: int, *, shared: bool = False) -> Round | None:
    """The round, locked for update (``shared``: read-locked; others may read-lock it too); None if
    there is no such round. Taken before any other lock of the transaction."""
    return _lock("round", ident, shared=shared)


def lock_application(ident: int) -> Application | None:
    """The application, locked for update, after its round (``applications.transitions``'
    ``lock_application`` takes both and checks the version)."""
    return _lock("application", ident)


def lock_material(ident: int) -> Material | None:
    """The material, locked for update, after its application; None if it was deleted."""
    return _lock("material", ident)


def lock_assignment(ident: int, *, options: tuple = ()) -> Assignment | None:
    """The assignment, locked for update, after its round; its review is then read and written
    under this lock.

    ``options``: loader options, e.g. ``joinedload(Assignment.application)`` to bring a related row
    in the same statement. On PostgreSQL only the assignment's row is locked (``FOR UPDATE OF``) and
    the related row is read as of the statement's start, before any wait for the lock: join only
    rows that the lock does not protect anyway (a plain read after the lock is no safer for them).
    """
    return _lock("assignment", ident, options=options)


def lock_user(ident: int) -> User | None:
    """The user's row, locked for update (account changes; outside the order)."""
    return _lock("user_account", ident)


def lock_token(ident: int) -> ApiToken | None:
    """The bearer token's row, locked for update (revocation; outside the order)."""
    return _lock("api_token", ident)


def _lock(table: str, ident: int, *, shared: bool = False, options: tuple = ()) -> Any:
    """The row of ``table`` locked and loaded in one statement, refreshing a copy in the session.

    Held until the transaction ends; a row deleted meanwhile comes back as None. No row-version
    comparison is made (a 2.0 ``select`` does not make one, unlike ``Session.get`` with a lock): an
    older copy in the session is simply replaced by the committed row.
    """
    _check_order(table, ident, shared)
    model = next(m.class_ for m in db.Model.registry.mappers if m.local_table.name == table)
    query = (
        select(model)
        .where(model.id == ident)
        .options(*options)
        .with_for_update(read=shared, of=model)
        .execution_options(populate_existing=True)
    )
    return db.session.scalars(query).unique().first()


def _check_order(table: str, ident: int, shared: bool) -> None:
    """Note a lock of the transaction, after checking it against those it holds (see the order)."""
    held: dict[tuple[str, int], bool] = db.session.info.setdefault(_HELD, {})
    if (table, ident) in held:
        if held[table, ident] and not shared:
            raise LockOrderError(f"{table} {ident} is read-locked already: lock it for update first")
        return
    if table in ORDER:
        after = [t for t, _ in held if t in ORDER and ORDER.index(t) > ORDER.index(table)]
        if after:
            raise LockOrderError(
                f"{table} {ident} locked after a row of {after[0]}: the order is "
                f"{' → '.join(ORDER)} (evaluator.core.locking)"
            )
    held[table, ident] = shared


def restart_order() -> None:
    """Forget the order of the locks taken so far in this transaction; they stay held until it ends.

    Only for a command that writes alone and builds one round after another in one transaction (the
    demo loader): each round's steps then keep the order among themselves. Never for a request."""
    db.session.info.pop(_HELD, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_ended(session: Session, transaction: SessionTransaction) -> None:
    """A transaction's locks end with it."""
    if transaction.parent is None:
        session.info.pop(_HELD, None)
