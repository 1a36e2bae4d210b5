"""Passwords (argon2), bearer tokens (stored as SHA-256, with expiry and revocation)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, Request, current_app, g
from sqlalchemy import select

from evaluator.extensions import db, login
from evaluator.models import ApiToken, User
from evaluator.models.base import as_aware, utcnow

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Whether the password is the user's; a missing user costs the same time."""
    if user is None:
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    """A new bearer token for the user; only its digest is kept."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record = ApiToken(user_id=user.id, token_hash=token_digest(token), created_at=now,
                      expires_at=now + timedelta(hours=int(current_app.config["TOKEN_TTL_HOURS"])))
    db.session.add(record)
    db.session.flush()
    return token, record


def user_for_token(token: str) -> User | None:
    """The active user a live token belongs to, else None."""
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if record is None or record.revoked_at is not None:
        return None
    if as_aware(record.expires_at) <= utcnow() or not record.user.active:
        return None
    return record.user


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer …`` header."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def register_security(app: Flask) -> None:
    """Load the current user from a bearer token (API) or the session (web pages)."""

    @app.before_request
    def _fresh_user() -> None:
        # Each request authenticates anew, even when an app context outlives requests (tests,
        # commands that call views).
        g.pop("_login_user", None)

    @login.request_loader
    def _from_request(request: Request) -> User | None:
        token = bearer_token(request)
        return user_for_token(token) if token else None

    @login.user_loader
    def _from_session(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None
