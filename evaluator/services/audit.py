"""Append-only audit events, each carrying the SHA-256 of the one before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.models import AuditEvent, User
from evaluator.models.base import utcnow

GENESIS = "0" * 64

# What verify_chain reads: plain rows, never ORM objects, so an event changed in the database
# behind the session's back is read as it is now, not as the session remembers it.
_CHAIN_COLUMNS = (AuditEvent.id, AuditEvent.at, AuditEvent.actor_id, AuditEvent.action,
                  AuditEvent.object_type, AuditEvent.object_id, AuditEvent.summary,
                  AuditEvent.prev_hash, AuditEvent.hash)


def _naive_utc(at: datetime) -> datetime:
    """The time as naive UTC: SQLite returns naive UTC, PostgreSQL an aware time in the session's zone."""
    return at if at.tzinfo is None else at.astimezone(UTC).replace(tzinfo=None)


def event_hash(prev_hash: str, event: Any) -> str:
    """SHA-256 over the previous hash and the event's fields in canonical JSON.

    ``event`` is an AuditEvent or any row with the same attributes.
    """
    at = _naive_utc(event.at).isoformat(timespec="microseconds")
    body = json.dumps(
        [prev_hash, at, event.actor_id, event.action, event.object_type, event.object_id,
         event.summary],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(actor: User | None, action: str, object_type: str, object_id: Any,
           summary: dict[str, Any] | None = None) -> AuditEvent:
    """Append an event for a state change (flushes; the caller commits).

    The first event of a transaction takes the log's lock and reads its head; later events of the
    same transaction chain onto the one before without asking again (a batch import writes
    thousands).
    """
    prev = db.session.info.get(_HEAD)
    if prev is None:
        if db.engine.dialect.name == "postgresql":
            # Serialise appends so two transactions never chain onto the same event.
            db.session.execute(text("SELECT pg_advisory_xact_lock(7301)"))
        last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        prev = last.hash if last is not None else GENESIS
    event = AuditEvent(at=utcnow(), actor_id=actor.id if actor is not None else None,
                       action=action, object_type=object_type,
                       object_id=None if object_id is None else str(object_id),
                       summary=summary or {}, prev_hash=prev, hash="")
    event.hash = event_hash(prev, event)
    db.session.add(event)
    db.session.flush()
    db.session.info[_HEAD] = event.hash
    return event


_HEAD = "evaluator.audit.head"


@sa_event.listens_for(Session, "after_commit")
@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_head(session: Session, *args: Any) -> None:
    """A head read in a transaction that ended, or whose events were rolled back, is stale."""
    session.info.pop(_HEAD, None)


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
        select(*_CHAIN_COLUMNS).order_by(AuditEvent.id).execution_options(yield_per=1000))
    try:
        for event in rows:
            count += 1
            if event.prev_hash != prev:
                return ChainReport(False, count, event.id,
                                   msg("link broken: the event before it was changed or deleted"))
            if event_hash(prev, event) != event.hash:
                return ChainReport(False, count, event.id,
                                   msg("content changed after it was written"))
            if anchor is not None and event.id == anchor[0]:
                if event.hash != anchor[1].lower():
                    return ChainReport(False, count, event.id,
                                       msg("anchor mismatch: the chain up to this event was "
                                           "rewritten"))
                anchor_seen = True
            prev = event.hash
            head = event
    finally:
        rows.close()
    if anchor is not None and not anchor_seen:
        return ChainReport(False, count, anchor[0],
                           msg("anchor missing: the log was truncated (events deleted from its end)"))
    return ChainReport(True, count, head_id=head.id if head is not None else None,
                       head_hash=head.hash if head is not None else None)


def events_query(action: str | None = None, object_type: str | None = None, object_id: Any = None,
                 actor_id: int | None = None, since: datetime | None = None,
                 until: datetime | None = None) -> Select:
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
