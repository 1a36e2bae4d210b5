"""Append-only audit events, each carrying the SHA-256 of the one before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text

from evaluator.extensions import db
from evaluator.models import AuditEvent, User
from evaluator.models.base import utcnow

GENESIS = "0" * 64


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    """SHA-256 over the previous hash and the event's fields in canonical JSON."""
    at = event.at.replace(tzinfo=None).isoformat(timespec="microseconds")
    body = json.dumps(
        [prev_hash, at, event.actor_id, event.action, event.object_type, event.object_id,
         event.summary],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(actor: User | None, action: str, object_type: str, object_id: Any,
           summary: dict[str, Any] | None = None) -> AuditEvent:
    """Append an event for a state change (flushes; the caller commits)."""
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
    return event


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking the chain: where it first breaks, if it does."""

    ok: bool
    events: int
    broken_at: int | None = None
    reason: str | None = None


def verify_chain() -> ChainReport:
    """Walk every event in order, recomputing hashes and links."""
    prev = GENESIS
    count = 0
    for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        count += 1
        if event.prev_hash != prev:
            return ChainReport(False, count, event.id,
                               "link broken: the event before it was changed or deleted")
        if event_hash(prev, event) != event.hash:
            return ChainReport(False, count, event.id, "content changed after it was written")
        prev = event.hash
    return ChainReport(True, count)
