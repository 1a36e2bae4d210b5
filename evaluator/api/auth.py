"""Sign-in: bearer tokens for the API."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, pre_load, validate
from sqlalchemy import select

from evaluator.errors import ServiceError, refuse_nul
from evaluator.extensions import db, limiter
from evaluator.models import ApiToken, User
from evaluator.models.base import utcnow
from evaluator.services import audit
from evaluator.web.security import bearer_token, check_password, issue_token, token_digest

PREFIX = "/auth"
blp = Blueprint("auth", __name__, description="Sign in and out with bearer tokens.")


class LoginSchema(Schema):
    """Credentials."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))

    @pre_load
    def _no_nul(self, data, **kwargs):
        return refuse_nul(data)


class TokenSchema(Schema):
    """A new bearer token (shown once)."""

    token = fields.String()
    expires_at = fields.DateTime()
    role = fields.String()


@blp.route("/token", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@blp.arguments(LoginSchema)
@blp.response(201, TokenSchema)
def login(body):
    """Exchange a username and password for a bearer token."""
    user = db.session.scalar(select(User).where(User.username == body["username"]))
    if not check_password(user, body["password"]) or not user.active:
        raise ServiceError(401, "Wrong username or password.")
    token, record = issue_token(user)
    audit.record(user, "auth.token_issued", "user", user.id, {"token_id": record.id})
    return {"token": token, "expires_at": record.expires_at, "role": user.role}


@blp.route("/token", methods=["DELETE"])
@blp.response(204)
def logout():
    """Revoke the token this request was made with."""
    token = bearer_token(request)
    if not current_user.is_authenticated or token is None:
        raise ServiceError(401, "Sign in first.")
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if record is None or record.user_id != current_user.id or record.revoked_at is not None:
        # Signed in by a session cookie while sending some other, unknown or dead, token.
        raise ServiceError(401, "This token is not valid.")
    record.revoked_at = utcnow()
    audit.record(current_user, "auth.token_revoked", "user", current_user.id, {"token_id": record.id})
