"""Users and organisations (the provincial office creates them)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from evaluator.api import guard
from evaluator.api.parsing import Blueprint
from evaluator.extensions import db
from evaluator.messages import N_
from evaluator.models import Organisation
from evaluator.models.accounts import ROLES
from evaluator.services.accounts import (
    PASSWORD_LENGTH,
    REGION_CODE_PATTERN,
    USERNAME_PATTERN,
    check_region,
    create_organisation,
    create_user,
)
from evaluator.services.policy import authorize
from evaluator.validation import Id, Pattern, Text
from evaluator.web.security import signed_in_user

PREFIX = ""
blp = Blueprint("users", __name__, description="Accounts and applicant organisations.")


class OrganisationSchema(Schema):
    """An applicant organisation and its region."""

    id = fields.Integer(dump_only=True)
    name = Text(required=True, min_length=2, max_length=200)
    kind = fields.String(required=True, validate=validate.OneOf(("county", "subdistrict", "community")))
    city = Text(required=True, min_length=2, max_length=100)
    city_code = Text(required=True, max_length=6)
    county = Text(required=True, min_length=2, max_length=100)
    county_code = Text(required=True, max_length=6)
    subdistrict = Text(load_default=None, min_length=2, max_length=100)
    subdistrict_code = Text(load_default=None, max_length=9)
    community_code = Text(load_default=None, max_length=12)

    @validates_schema
    def _region(self, data: dict, **kwargs) -> None:
        errors = check_region(data)
        if errors:
            raise ValidationError(errors)


class UserSchema(Schema):
    """An account."""

    id = fields.Integer(dump_only=True)
    username = Text(required=True, max_length=80, validate=Pattern(
        USERNAME_PATTERN, error=N_("3 to 80 letters, digits, '_', '.' or '-'")))
    password = fields.String(required=True, load_only=True, validate=validate.Length(*PASSWORD_LENGTH))
    display_name = Text(required=True, min_length=1, max_length=120)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organisation_id = Id(load_default=None)
    affiliation = Text(load_default=None, max_length=200)
    home_region_code = Text(load_default=None, max_length=12, validate=Pattern(
        REGION_CODE_PATTERN, error=N_("a region code has 6, 9 or 12 digits")))
    active = fields.Boolean(dump_only=True)


@blp.route("/users", methods=["POST"])
@guard("user.create")
@blp.arguments(UserSchema)
@blp.response(201, UserSchema)
def post_user(body):
    """Create an account (admin)."""
    return create_user(authorize(signed_in_user(), "user.create"), body)


@blp.route("/users/me", methods=["GET"])
@blp.response(200, UserSchema)
def me():
    """The signed-in account."""
    return authorize(signed_in_user(), "account.view_self")


@blp.route("/organisations", methods=["POST"])
@guard("organisation.create")
@blp.arguments(OrganisationSchema)
@blp.response(201, OrganisationSchema)
def post_organisation(body):
    """Create an applicant organisation (admin)."""
    return create_organisation(authorize(signed_in_user(), "organisation.create"), body)


@blp.route("/organisations", methods=["GET"])
@blp.response(200, OrganisationSchema(many=True))
def list_organisations():
    """All organisations (admin)."""
    authorize(signed_in_user(), "organisation.list")
    return db.session.scalars(select(Organisation).order_by(Organisation.id)).all()
