"""Signed-in browsers: the one place a web session starts, is checked, ends and is revoked.

The session cookie (signed by Flask) carries a random token; only its SHA-256 is stored, with an
expiry and a revocation time. So signing out ends the session for every copy of the cookie, and a
password change or reset ends all of a user's sessions at once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from evaluator.accounts.models import User, WebSession
from evaluator.accounts.tokens import token_digest
from evaluator.audit import service as audit
from evaluator.core.db import as_aware, utcnow
from evaluator.extensions import db


def start_session(user: User, hours: int) -> str:
    """A new session for the user, valid ``hours``; returns the token for the cookie (flushes)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record = WebSession(
        user_id=user.id,
        token_hash=token_digest(token),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    db.session.add(record)
    db.session.flush()
    audit.record(user, "auth.signed_in", "user", user.id, {"session_id": record.id})
    return token


def session_user(token: str, user_id: int) -> User | None:
    """The active user a live session token belongs to, if it is ``user_id``'s; else None."""
    record = db.session.scalar(select(WebSession).where(WebSession.token_hash == token_digest(token)))
    if record is None or record.revoked_at is not None or record.user_id != user_id:
        return None
    if as_aware(record.expires_at) <= utcnow() or not record.user.active:
        return None
    return record.user


def end_session(token: str) -> None:
    """Revoke the session of this token, if it is live (signing out; flushes)."""
    record = db.session.scalar(
        select(WebSession).where(
            WebSession.token_hash == token_digest(token), WebSession.revoked_at.is_(None)
        )
    )
    if record is not None:
        record.revoked_at = utcnow()
        db.session.flush()
        audit.record(record.user, "auth.signed_out", "user", record.user_id, {"session_id": record.id})


def revoke_sessions(user: User) -> int:
    """Revoke every live session of the user (after a password change or reset, a deactivation);
    returns how many were live."""
    result = db.session.execute(
        update(WebSession)
        .where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0
