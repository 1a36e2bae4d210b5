"""Row locks for read-modify-write: one place, one order.

Concurrency: a change re-reads its rows under a lock held until the request commits — ``SELECT … FOR
UPDATE`` on PostgreSQL; on SQLite every writing request holds the database's write lock from its
first statement (``BEGIN IMMEDIATE``, see ``evaluator.extensions``) — so every check is made on the
state that is committed.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select

from evaluator.extensions import db

T = TypeVar("T")


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
