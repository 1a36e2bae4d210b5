"""The shapes of users and organisations, read and written by the API and the office's forms."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from evaluator.accounts.models import ROLES
from evaluator.accounts.service import (
    PASSWORD_LENGTH,
    REGION_CODE_PATTERN,
    USERNAME_PATTERN,
    check_region,
)
from evaluator.messages import N_
from evaluator.validation import Id, Pattern, Text
from evaluator.workflow import OrgKind


class OrganisationSchema(Schema):
    """An applicant organisation and its region."""

    id = fields.Integer(dump_only=True)
    name = Text(required=True, min_length=2, max_length=200)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in OrgKind]))
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
    username = Text(
        required=True,
        max_length=80,
        validate=Pattern(USERNAME_PATTERN, error=N_("3 to 80 letters, digits, '_', '.' or '-'")),
    )
    password = fields.String(required=True, load_only=True, validate=validate.Length(*PASSWORD_LENGTH))
    display_name = Text(required=True, min_length=1, max_length=120)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organisation_id = Id(load_default=None)
    affiliation = Text(load_default=None, max_length=200)
    home_region_code = Text(
        load_default=None,
        max_length=12,
        validate=Pattern(REGION_CODE_PATTERN, error=N_("a region code has 6, 9 or 12 digits")),
    )
    active = fields.Boolean(dump_only=True)
    must_change_password = fields.Boolean(
        dump_only=True,
        metadata={"description": "set by an office's password reset: change it (POST /users/me/password)"},
    )
