"""Sign-in: bearer tokens for the API."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from marshmallow import Schema, fields, validate

from evaluator.accounts.service import revoke_token, user_by_username
from evaluator.audit import service as audit
from evaluator.errors import ServiceError
from evaluator.messages import msg
from evaluator.validation import Text, UtcDateTime
from evaluator.web.parsing import Blueprint
from evaluator.web.security import bearer_token, check_password, issue_token, sign_in_limit

PREFIX = "/auth"
blp = Blueprint("auth", __name__, description="Sign in and out with bearer tokens.")


class LoginSchema(Schema):
    """Credentials."""

    username = Text(required=True, min_length=1, max_length=80)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    """A new bearer token (shown once)."""

    token = fields.String()
    expires_at = UtcDateTime()
    role = fields.String()


@blp.route("/token", methods=["POST"])
@sign_in_limit
@blp.arguments(LoginSchema)
@blp.response(201, TokenSchema)
def login(body):
    """Exchange a username and password for a bearer token."""
    user = user_by_username(body["username"])
    if not check_password(user, body["password"]) or not user.active:
        raise ServiceError(401, msg("Wrong username or password."))
    token, record = issue_token(user)
    audit.record(user, "auth.token_issued", "user", user.id, {"token_id": record.id})
    return {"token": token, "expires_at": record.expires_at, "role": user.role}


@blp.route("/token", methods=["DELETE"])
@blp.response(204)
def logout():
    """Revoke the token this request was made with."""
    token = bearer_token(request)
    if not current_user.is_authenticated or token is None:
        raise ServiceError(401, msg("Sign in first."))
    revoke_token(current_user, token)
