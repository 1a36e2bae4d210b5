"""Users and organisations (the provincial office creates them)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from evaluator.accounts import service as accounts
from evaluator.accounts.models import ROLES, User
from evaluator.accounts.policy import authorize
from evaluator.accounts.schemas import OrganisationSchema, UserSchema
from evaluator.accounts.service import (
    PASSWORD_LENGTH,
    create_organisation,
    create_user,
)
from evaluator.validation import Text
from evaluator.web.api import get_or_404, guard, page_of
from evaluator.web.parsing import Blueprint
from evaluator.web.security import signed_in_user

PREFIX = ""
blp = Blueprint("users", __name__, description="Accounts and applicant organisations.")


class UserListArgsSchema(Schema):
    """Filters of the account list."""

    role = fields.String(validate=validate.OneOf(ROLES))
    active = fields.Boolean()
    q = Text(
        min_length=1,
        max_length=100,
        metadata={"description": "part of the username, display name or affiliation"},
    )


class OrganisationListArgsSchema(Schema):
    """Filters of the organisation list."""

    q = Text(min_length=1, max_length=100, metadata={"description": "part of the name"})


class UserPatchSchema(Schema):
    """What the office changes of an account: whether it may sign in."""

    active = fields.Boolean(required=True)


class PasswordResetSchema(Schema):
    """A new password set by the office, shown once."""

    password = fields.String(metadata={"description": "hand it over; it is not stored in clear"})
    must_change_password = fields.Boolean()


class PasswordChangeSchema(Schema):
    """The signed-in user's new password."""

    current_password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=PASSWORD_LENGTH[1])
    )
    new_password = fields.String(
        required=True, load_only=True, validate=validate.Length(max=PASSWORD_LENGTH[1])
    )


@blp.route("/users", methods=["POST"])
@guard("user.create")
@blp.arguments(UserSchema)
@blp.response(201, UserSchema)
def post_user(body):
    """Create an account (admin)."""
    return create_user(authorize(signed_in_user(), "user.create"), body)


@blp.route("/users", methods=["GET"])
@guard("user.list")
@blp.arguments(UserListArgsSchema, location="query")
@blp.response(200, UserSchema(many=True))
@blp.paginate(page_size=50, max_page_size=500)
def list_users(args, pagination_parameters):
    """Accounts, by username, filtered by role, active and a search text (admin)."""
    authorize(signed_in_user(), "user.list")
    query = accounts.users_query(**args)
    return page_of(query, pagination_parameters)


@blp.route("/users/me", methods=["GET"])
@blp.response(200, UserSchema)
def me():
    """The signed-in account."""
    return authorize(signed_in_user(), "account.view_self")


@blp.route("/users/me/password", methods=["POST"])
@guard("account.view_self")
@blp.arguments(PasswordChangeSchema)
@blp.response(200, UserSchema)
def change_own_password(body):
    """Change one's own password (also after an office's reset). Every session and token of the
    account is revoked, this token too: ask for a new one with the new password."""
    user = authorize(signed_in_user(), "account.view_self")
    return accounts.change_password(user, body["current_password"], body["new_password"])


@blp.route("/users/<int:user_id>", methods=["GET"])
@guard("user.list")
@blp.response(200, UserSchema)
def get_user(user_id: int):
    """One account (admin)."""
    authorize(signed_in_user(), "user.list")
    return get_or_404(User, user_id, "user")


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@guard("user.update")
@blp.arguments(UserPatchSchema)
@blp.response(200, UserSchema)
def patch_user(body, user_id: int):
    """Activate or deactivate an account (admin); deactivating ends its sessions and tokens."""
    actor = authorize(signed_in_user(), "user.update")
    return accounts.set_active(actor, get_or_404(User, user_id, "user"), body["active"])


@blp.route("/users/<int:user_id>/password-reset", methods=["POST"])
@guard("user.reset_password")
@blp.response(200, PasswordResetSchema)
def reset_password(user_id: int):
    """Give an account a new random password, returned once (admin). The user must change it at
    the next sign-in; their sessions and tokens end."""
    actor = authorize(signed_in_user(), "user.reset_password")
    password = accounts.reset_password(actor, get_or_404(User, user_id, "user"))
    return {"password": password, "must_change_password": True}, 200, {"Cache-Control": "no-store"}


@blp.route("/organisations", methods=["POST"])
@guard("organisation.create")
@blp.arguments(OrganisationSchema)
@blp.response(201, OrganisationSchema)
def post_organisation(body):
    """Create an applicant organisation (admin)."""
    return create_organisation(authorize(signed_in_user(), "organisation.create"), body)


@blp.route("/organisations", methods=["GET"])
@guard("organisation.list")
@blp.arguments(OrganisationListArgsSchema, location="query")
@blp.response(200, OrganisationSchema(many=True))
@blp.paginate(page_size=100, max_page_size=1000)
def list_organisations(args, pagination_parameters):
    """Organisations in id order, filtered by part of the name (admin); 100 a page by default."""
    authorize(signed_in_user(), "organisation.list")
    query = accounts.organisations_query(**args)
    return page_of(query, pagination_parameters)
