"""Criteria sets: list, show with effective weights, validate a draft."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from evaluator.accounts.policy import authorize
from evaluator.criteria import CriteriaError, build_criteria, list_criteria
from evaluator.criteria.catalog import find_criteria
from evaluator.criteria.loader import MAX_YAML_BYTES, parse_yaml
from evaluator.criteria.overview import summary, tree
from evaluator.errors import ServiceError
from evaluator.i18n import localise
from evaluator.messages import msg
from evaluator.rounds.service import criteria_folder
from evaluator.web.api import guard
from evaluator.web.parsing import Blueprint
from evaluator.web.security import signed_in_user

PREFIX = "/criteria"
blp = Blueprint("criteria", __name__, description="Criteria sets (files in criteria/).")


class ValidateSchema(Schema):
    """A draft criteria set as YAML text."""

    yaml = fields.String(
        required=True,
        validate=validate.Length(max=MAX_YAML_BYTES),
        metadata={
            "description": f"The criteria file's text (at most {MAX_YAML_BYTES} characters; see "
            "docs/criteria-format.md for its parsing limits)."
        },
    )


class CriteriaSummarySchema(Schema):
    """Identity of a criteria set."""

    id = fields.String(required=True)
    version = fields.String(required=True)
    title = fields.String(required=True)
    title_en = fields.String(required=True)
    zone_type = fields.String(required=True)
    scale = fields.Float(required=True, metadata={"description": "Points of the base score."})
    sha256 = fields.String(required=True, metadata={"description": "Hash of the set's content."})


class AhpSchema(Schema):
    """The AHP weights of a node's children and their consistency."""

    weights = fields.List(fields.Float())
    cr = fields.Float(metadata={"description": "Consistency ratio."})
    lambda_max = fields.Float()


class TreeNodeSchema(Schema):
    """An indicator with its effective points and share of the scale."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(required=True)
    level = fields.Integer(required=True)
    parent = fields.String(allow_none=True)
    points = fields.Float(required=True)
    weight = fields.Float(required=True, metadata={"description": "Share of the scale, 0 to 1."})
    allocation = fields.String()
    method = fields.String(allow_none=True, metadata={"description": "Leaves only."})
    check = fields.List(fields.String())
    evidence = fields.List(fields.String())
    ahp = fields.Nested(AhpSchema, allow_none=True)


class CriteriaDetailSchema(CriteriaSummarySchema):
    """A criteria set: identity, form fields, the tree with effective weights, the source."""

    form_fields = fields.List(
        fields.Dict(),
        data_key="fields",
        metadata={"description": "The application form's fields, as in the file."},
    )
    tree = fields.List(fields.Nested(TreeNodeSchema))
    source = fields.Dict(metadata={"description": "The whole set as in the file."})


class ValidationResultSchema(Schema):
    """Whether a draft is valid; every problem by its path; the identity when valid."""

    valid = fields.Boolean(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "Path (or line) → problems; empty when valid."},
    )
    id = fields.String()
    version = fields.String()
    title = fields.String()
    title_en = fields.String()
    zone_type = fields.String()
    scale = fields.Float()
    sha256 = fields.String()


@blp.route("", methods=["GET"])
@blp.response(200, CriteriaSummarySchema(many=True))
def list_sets():
    """The available criteria sets."""
    authorize(signed_in_user(), "criteria.view")
    try:
        return [summary(cs) for cs in list_criteria(criteria_folder())]
    except CriteriaError as exc:
        raise ServiceError(500, msg("A criteria file is invalid."), exc.errors) from None


@blp.route("/<string:set_id>", methods=["GET"])
@blp.response(200, CriteriaDetailSchema)
def show(set_id: str):
    """One criteria set: identity, form fields, tree with effective weights, rules."""
    authorize(signed_in_user(), "criteria.view")
    try:
        cs = find_criteria(set_id, criteria_folder())
    except CriteriaError:
        raise ServiceError(404, msg("No criteria set '%(id)s'.", id=set_id[:80])) from None
    return {**summary(cs), "form_fields": cs.source.get("fields", []), "tree": tree(cs), "source": cs.source}


@blp.route("/validate", methods=["POST"])
@guard("criteria.validate")
@blp.arguments(ValidateSchema)
@blp.response(200, ValidationResultSchema)
def validate_draft(body):
    """Validate a draft; every problem is listed with its path."""
    authorize(signed_in_user(), "criteria.validate")
    try:
        cs = build_criteria(parse_yaml(body["yaml"]), "draft")
    except CriteriaError as exc:
        return {"valid": False, "errors": localise(exc.errors)}
    return {"valid": True, "errors": {}, **summary(cs)}
