"""Users and organisations (the provincial office creates them)."""

from __future__ import annotations

import re

from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema
from sqlalchemy import select

from evaluator.errors import ServiceError, refuse_nul
from evaluator.extensions import db
from evaluator.models import Organisation, User
from evaluator.models.accounts import ROLES
from evaluator.services import audit
from evaluator.services.policy import authorize
from evaluator.web.security import hash_password

PREFIX = ""
blp = Blueprint("users", __name__, description="Accounts and applicant organisations.")


def check_region(data: dict) -> dict[str, list[str]]:
    """Administrative codes: city and county 6 digits (GB/T 2260), subdistrict 9, community 12,
    each inside the level above it. Digits are ASCII 0-9 only (``\\d`` would take ５ or ٥)."""
    errors: dict[str, list[str]] = {}
    city, county = data.get("city_code", ""), data.get("county_code", "")
    sub, community = data.get("subdistrict_code"), data.get("community_code")
    if not re.fullmatch(r"[0-9]{2}(?!00)[0-9]{2}00", city):
        errors["city_code"] = ["a city code has 6 digits ending in 00 (not 0000), e.g. 510100"]
    if not re.fullmatch(r"[0-9]{6}", county) or county.endswith("00"):
        errors["county_code"] = ["a county code has 6 digits not ending in 00, e.g. 510104"]
    elif county[:4] != city[:4]:
        errors["county_code"] = [f"{county} is not inside city {city}"]
    if sub is not None:
        if not re.fullmatch(r"[0-9]{9}", sub):
            errors["subdistrict_code"] = ["a subdistrict code has 9 digits"]
        elif not sub.startswith(county):
            errors["subdistrict_code"] = [f"{sub} is not inside county {county}"]
    if community is not None:
        if not re.fullmatch(r"[0-9]{12}", community):
            errors["community_code"] = ["a community code has 12 digits"]
        elif sub is None or not community.startswith(sub):
            errors["community_code"] = ["a community code needs its subdistrict code as prefix"]
    return errors


class OrganisationSchema(Schema):
    """An applicant organisation and its region."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(("county", "subdistrict", "community")))
    city = fields.String(required=True, validate=validate.Length(min=2, max=100))
    city_code = fields.String(required=True)
    county = fields.String(required=True, validate=validate.Length(min=2, max=100))
    county_code = fields.String(required=True)
    subdistrict = fields.String(load_default=None, validate=validate.Length(min=2, max=100))
    subdistrict_code = fields.String(load_default=None)
    community_code = fields.String(load_default=None)

    @pre_load
    def _no_nul(self, data, **kwargs):
        return refuse_nul(data)

    @validates_schema
    def _region(self, data: dict, **kwargs) -> None:
        errors = check_region(data)
        if errors:
            raise ValidationError(errors)


class UserSchema(Schema):
    """An account."""

    id = fields.Integer(dump_only=True)
    username = fields.String(required=True, validate=validate.Regexp(
        r"[A-Za-z0-9_.-]{3,80}\Z", error="3 to 80 letters, digits, '_', '.' or '-'"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=200))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organisation_id = fields.Integer(load_default=None, strict=True,  # 1.5 is not organisation 1
                                     validate=validate.Range(min=1, max=2**31 - 1))
    affiliation = fields.String(load_default=None, validate=validate.Length(max=200))
    home_region_code = fields.String(load_default=None, validate=validate.Regexp(
        r"[0-9]{6}([0-9]{3}([0-9]{3})?)?\Z", error="a region code has 6, 9 or 12 digits"))
    active = fields.Boolean(dump_only=True)

    @pre_load
    def _no_nul(self, data, **kwargs):
        return refuse_nul(data)


def create_user(actor: User | None, data: dict) -> User:
    """Create an account (flushes)."""
    if db.session.scalar(select(User).where(User.username == data["username"])):
        raise ServiceError(409, "This username is taken.", {"username": ["already exists"]})
    if data["role"] == "applicant" and data.get("organisation_id") is None:
        raise ServiceError(422, "An applicant belongs to an organisation.",
                           {"organisation_id": ["required for applicants"]})
    if data.get("organisation_id") is not None and db.session.get(
            Organisation, data["organisation_id"]) is None:
        raise ServiceError(422, "No such organisation.", {"organisation_id": ["unknown"]})
    password = data.pop("password")
    user = User(**data, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", "user", user.id,
                 {"username": user.username, "role": user.role})
    return user


@blp.route("/users", methods=["POST"])
@blp.arguments(UserSchema)
@blp.response(201, UserSchema)
def post_user(body):
    """Create an account (admin)."""
    return create_user(authorize("user.create"), body)


@blp.route("/users/me", methods=["GET"])
@blp.response(200, UserSchema)
def me():
    """The signed-in account."""
    return authorize("round.view")


@blp.route("/organisations", methods=["POST"])
@blp.arguments(OrganisationSchema)
@blp.response(201, OrganisationSchema)
def post_organisation(body):
    """Create an applicant organisation (admin)."""
    actor = authorize("organisation.create")
    if db.session.scalar(select(Organisation).where(Organisation.name == body["name"])):
        raise ServiceError(409, "An organisation of this name exists.", {"name": ["already exists"]})
    org = Organisation(**body)
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "organisation.created", "organisation", org.id, {"name": org.name})
    return org


@blp.route("/organisations", methods=["GET"])
@blp.response(200, OrganisationSchema(many=True))
def list_organisations():
    """All organisations (admin)."""
    authorize("user.list")
    return db.session.scalars(select(Organisation).order_by(Organisation.id)).all()
