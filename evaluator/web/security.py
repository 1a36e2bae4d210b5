"""Passwords (argon2), bearer tokens (stored as SHA-256, with expiry and revocation), and who calls.

The two channels authenticate apart: the API (``/api/…``) by bearer token only, the web pages by
the session cookie, which names a server-side session (``accounts.sessions``) that sign-out revokes.
A session cookie never signs anyone in to the API, however validly signed.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Flask, Request, current_app, g, request, session
from flask_login import current_user
from sqlalchemy import select

from evaluator.accounts.models import ApiToken, User
from evaluator.accounts.service import check_password, hash_password
from evaluator.accounts.tokens import token_digest
from evaluator.core.db import as_aware, utcnow
from evaluator.errors import is_api_request
from evaluator.extensions import db, limiter, login

__all__ = [
    "SESSION_KEY",
    "bearer_token",
    "check_password",
    "hash_password",
    "issue_token",
    "register_security",
    "sign_in_limit",
    "signed_in_user",
    "token_digest",
    "user_for_token",
]

SESSION_KEY = "sid"
"""Where the session cookie keeps the token of its server-side session (``accounts.sessions``)."""

sign_in_limit = limiter.shared_limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], scope="sign-in")
"""The one budget of sign-in attempts per address, shared by the API's token endpoint and the page."""


def issue_token(user: User) -> tuple[str, ApiToken]:
    """A new bearer token for the user; only its digest is kept."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record = ApiToken(
        user_id=user.id,
        token_hash=token_digest(token),
        created_at=now,
        expires_at=now + timedelta(hours=int(current_app.config["TOKEN_TTL_HOURS"])),
    )
    db.session.add(record)
    db.session.flush()
    return token, record


def user_for_token(token: str) -> User | None:
    """The active user a live token belongs to, else None."""
    # The user and the token's dates in one statement (every API request asks).
    row = db.session.execute(
        select(User, ApiToken.revoked_at, ApiToken.expires_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_digest(token))
    ).first()
    if row is None:
        return None
    user, revoked_at, expires_at = row
    if revoked_at is not None:
        return None
    if as_aware(expires_at) <= utcnow() or not user.active:
        return None
    return user


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer …`` header."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def signed_in_user() -> User | None:
    """The user this request is signed in as, or None for an anonymous caller."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def register_security(app: Flask) -> None:
    """Authenticate each request by its channel: a bearer token for the API, the session for pages."""

    @app.before_request
    def _authenticate() -> None:
        # Each request authenticates anew, even when an app context outlives requests (tests,
        # commands that call views).
        g.pop("_login_user", None)
        if is_api_request(request):
            # Set here, so Flask-Login never reads the session cookie (or a remember cookie) for
            # the API: only the bearer token counts.
            token = bearer_token(request)
            user = user_for_token(token) if token else None
            g._login_user = user if user is not None else login.anonymous_user()

    @login.user_loader
    def _from_session(user_id: str) -> User | None:
        if is_api_request(request):
            return None  # the API takes bearer tokens only
        try:
            ident = int(user_id)
        except (TypeError, ValueError):
            return None
        if not 0 < ident < 2**31:
            return None
        token = session.get(SESSION_KEY)
        if not isinstance(token, str) or len(token) > 100:
            return None
        from evaluator.accounts.sessions import session_user

        return session_user(token, ident)
