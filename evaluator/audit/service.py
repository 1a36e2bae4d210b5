"""Append-only audit events, each carrying the SHA-256 of the one before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Select, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from evaluator.accounts.models import User
from evaluator.audit.models import AuditEvent
from evaluator.core.db import utcnow
from evaluator.extensions import db
from evaluator.messages import msg

GENESIS = "0" * 64

# What verify_chain reads: plain rows, never ORM objects, so an event changed in the database
# behind the session's back is read as it is now, not as the session remembers it.
_CHAIN_COLUMNS = (
    AuditEvent.id,
    AuditEvent.at,
    AuditEvent.actor_id,
    AuditEvent.action,
    AuditEvent.object_type,
    AuditEvent.object_id,
    AuditEvent.summary,
    AuditEvent.prev_hash,
    AuditEvent.hash,
)


def _naive_utc(at: datetime) -> datetime:
    """The time as naive UTC: SQLite returns naive UTC, PostgreSQL an aware time in the session's zone."""
    return at if at.tzinfo is None else at.astimezone(UTC).replace(tzinfo=None)


def event_hash(prev_hash: str, event: Any) -> str:
    """SHA-256 over the previous hash and the event's fields in canonical JSON.

    ``event`` is an AuditEvent or any row with the same attributes.
    """
    at = _naive_utc(event.at).isoformat(timespec="microseconds")
    body = json.dumps(
        [prev_hash, at, event.actor_id, event.action, event.object_type, event.object_id, event.summary],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(
    actor: User | None, action: str, object_type: str, object_id: Any, summary: dict[str, Any] | None = None
) -> AuditEvent:
    """Append an event for a state change (flushes the caller's changes; the caller commits).

    The event is written at the transaction's next statement through the session, or at its
    commit: only then is the log locked, its head read and the transaction's pending events
    chained onto it in the order they were recorded. A request whose last change is audited (a
    review save) thus holds the lock that serialises every writer only for the write and the
    commit, not while its reply is made. Until it is written the event has no id and no hash; its
    time is the time it is written (so the times follow the chain's order).
    """
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        summary=summary or {},
        prev_hash="",
        hash="",
    )
    session = db.session()
    session.flush()
    session.connection()  # in a transaction, so that a rollback drops the event
    session.info.setdefault(_PENDING, []).append((event, session.get_nested_transaction()))
    return event


_HEAD = "evaluator.audit.head"  # the hash of the last event written, while the log is locked
_PENDING = "evaluator.audit.pending"  # [(event, savepoint it was recorded in)], not yet written
_IN_SAVEPOINT = "evaluator.audit.in-savepoint"  # [(event, recorded in, written in)]


def _chain(session: Session) -> None:
    """Write the transaction's pending events: lock the log (first time in the transaction), read
    its head, link each event to the one before and flush them, in the order recorded."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    try:
        connection = session.connection()
        prev = session.info.get(_HEAD)
        if prev is None:
            head = _lock_and_read_head(connection)
            prev = head if head is not None else GENESIS
        at = utcnow()
        for event, _ in pending:
            event.at = at
            event.prev_hash = prev
            event.hash = prev = event_hash(prev, event)
            session.add(event)
        session.flush()
    except BaseException:
        session.info[_PENDING] = pending + session.info.get(_PENDING, [])
        raise
    session.info[_HEAD] = prev
    savepoint = session.get_nested_transaction()
    if savepoint is not None:
        # Written inside a savepoint: if it is rolled back, the events recorded before it began
        # must be written again.
        session.info.setdefault(_IN_SAVEPOINT, []).extend(
            (event, recorded, savepoint) for event, recorded in pending
        )


_HEAD_QUERY = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)


def _lock_and_read_head(connection: Connection) -> str | None:
    """Lock the log for the rest of the transaction and read the hash of its last event.

    PostgreSQL: the advisory lock serialises appends, so two transactions never chain onto the same
    event. Lock and read go in one round trip, as two statements of one simple query: each
    statement takes its own snapshot (read committed), so the read sees every event committed
    before the lock was granted. SQLite: the request holds the database's write lock already.
    """
    if connection.dialect.name != "postgresql":
        return connection.scalar(_HEAD_QUERY)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(7301); SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1"
        )
        cursor.nextset()
        row = cursor.fetchone()
    finally:
        cursor.close()
    return None if row is None else row[0]


@sa_event.listens_for(Session, "before_commit")
def _chain_at_commit(session: Session) -> None:
    """Chain the pending events right before COMMIT (or a savepoint's release)."""
    if session.info.get(_PENDING):
        session.flush()  # the transaction's own changes first, outside the log's lock
        _chain(session)


@sa_event.listens_for(Session, "do_orm_execute")
def _chain_before_the_next_statement(state: ORMExecuteState) -> None:
    """Whatever the transaction runs next through the session sees the events it recorded (a
    statement may read the log in ways no inspection of it would reveal: a count, a subquery,
    text)."""
    if state.session.info.get(_PENDING):
        _chain(state.session)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, transaction: SessionTransaction) -> None:
    """Events recorded in what was rolled back are dropped; those recorded before a rolled-back
    savepoint but written inside it are pending again; the head read is stale."""
    session.info.pop(_HEAD, None)
    boundary = transaction
    while boundary.parent is not None and not boundary.nested:
        boundary = boundary.parent  # a failed flush rolls back to the savepoint or the root
    if boundary.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_IN_SAVEPOINT, None)
        return
    again, kept = [], []
    for event, recorded, written in session.info.pop(_IN_SAVEPOINT, []):
        if not _within(written, boundary):
            kept.append((event, recorded, written))
        elif not _within(recorded, boundary):
            again.append((_unwritten(event), recorded))
    pending = again + [
        (event, recorded)
        for event, recorded in session.info.get(_PENDING, [])
        if not _within(recorded, boundary)
    ]
    session.info[_PENDING] = pending
    session.info[_IN_SAVEPOINT] = kept


def _within(savepoint: SessionTransaction | None, boundary: SessionTransaction) -> bool:
    """Whether a savepoint (None: none, the transaction itself) lies in ``boundary``."""
    while savepoint is not None:
        if savepoint is boundary:
            return True
        savepoint = savepoint.parent
    return False


def _unwritten(event: AuditEvent) -> AuditEvent:
    """An event whose writing was rolled back (the rollback made it transient), to write again."""
    event.id = None  # type: ignore[assignment]
    event.prev_hash = event.hash = ""
    return event


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_ended(session: Session, transaction: SessionTransaction) -> None:
    """Nothing of a transaction that ended carries over to the next one."""
    if transaction.parent is None:
        for key in (_HEAD, _PENDING, _IN_SAVEPOINT):
            session.info.pop(key, None)


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking the chain: where it first breaks, if it does.

    ``head_id``/``head_hash`` name the last event of an intact chain: kept somewhere the database's
    administrators cannot write, they are an anchor that a later ``verify_chain(anchor=…)`` checks,
    which detects events deleted from the end and a chain recomputed after an edit.
    """

    ok: bool
    events: int
    broken_at: int | None = None
    reason: str | None = None
    head_id: int | None = None
    head_hash: str | None = None


def verify_chain(anchor: tuple[int, str] | None = None) -> ChainReport:
    """Walk every event in order, recomputing hashes and links; optionally check an anchor.

    The anchor ``(event id, hash)`` is a head reported by an earlier verification: that event
    must still be there with the same hash.
    """
    prev = GENESIS
    count = 0
    head: Any = None
    anchor_seen = False
    rows = db.session.execute(
        select(*_CHAIN_COLUMNS).order_by(AuditEvent.id).execution_options(yield_per=1000)
    )
    try:
        for event in rows:
            count += 1
            if event.prev_hash != prev:
                return ChainReport(
                    False, count, event.id, msg("link broken: the event before it was changed or deleted")
                )
            if event_hash(prev, event) != event.hash:
                return ChainReport(False, count, event.id, msg("content changed after it was written"))
            if anchor is not None and event.id == anchor[0]:
                if event.hash != anchor[1].lower():
                    return ChainReport(
                        False,
                        count,
                        event.id,
                        msg("anchor mismatch: the chain up to this event was rewritten"),
                    )
                anchor_seen = True
            prev = event.hash
            head = event
    finally:
        rows.close()
    if anchor is not None and not anchor_seen:
        return ChainReport(
            False,
            count,
            anchor[0],
            msg("anchor missing: the log was truncated (events deleted from its end)"),
        )
    return ChainReport(
        True,
        count,
        head_id=head.id if head is not None else None,
        head_hash=head.hash if head is not None else None,
    )


def events_query(
    action: str | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """Audit events matching the filters, newest first (the API's list and the pages' log)."""
    query = select(AuditEvent)
    for name, value in (("action", action), ("object_type", object_type), ("actor_id", actor_id)):
        if value is not None:
            query = query.where(getattr(AuditEvent, name) == value)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == str(object_id))
    # In UTC: SQLite stores naive UTC and would compare a +08:00 time by its wall clock.
    if since is not None:
        query = query.where(AuditEvent.at >= since.astimezone(UTC))
    if until is not None:
        query = query.where(AuditEvent.at < until.astimezone(UTC))
    return query.order_by(AuditEvent.id.desc())
