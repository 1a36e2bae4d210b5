"""Criteria sets: list, show with effective weights, validate a draft."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from evaluator.criteria import CriteriaError, CriteriaSet, build_criteria, list_criteria, load_criteria
from evaluator.criteria.catalog import criteria_dir
from evaluator.criteria.loader import parse_yaml
from evaluator.errors import ServiceError
from evaluator.services.policy import authorize

PREFIX = "/criteria"
blp = Blueprint("criteria", __name__, description="Criteria sets (files in criteria/).")


def _folder():
    from pathlib import Path

    return Path(current_app.config.get("CRITERIA_DIR") or criteria_dir())


def summary(cs: CriteriaSet) -> dict:
    """Identity of a criteria set."""
    return {"id": cs.id, "version": cs.version, "title": cs.title, "title_en": cs.title_en,
            "zone_type": cs.zone_type, "scale": cs.scale, "sha256": cs.sha256}


def tree(cs: CriteriaSet) -> list[dict]:
    """Every node with its effective points, share of the scale and AHP consistency."""
    return [{"id": n.id, "name": n.name, "name_en": n.name_en, "level": n.level,
             "parent": n.parent, "points": round(n.points, 9), "weight": round(n.points / cs.scale, 9),
             "allocation": n.allocation, "method": n.method, "check": list(n.check),
             "evidence": list(n.evidence),
             "ahp": None if n.ahp is None else {"weights": list(n.ahp.weights), "cr": n.ahp.cr,
                                                "lambda_max": n.ahp.lambda_max}}
            for n in cs.walk()]


class ValidateSchema(Schema):
    """A draft criteria set as YAML text."""

    yaml = fields.String(required=True)


@blp.route("", methods=["GET"])
def list_sets():
    """The available criteria sets."""
    authorize("round.view")
    try:
        return [summary(cs) for cs in list_criteria(_folder())]
    except CriteriaError as exc:
        raise ServiceError(500, "A criteria file is invalid.", exc.errors) from None


@blp.route("/<string:set_id>", methods=["GET"])
def show(set_id: str):
    """One criteria set: identity, form fields, tree with effective weights, rules."""
    authorize("round.view")
    try:
        cs = load_criteria(set_id, _folder())
    except CriteriaError:
        raise ServiceError(404, f"No criteria set '{set_id}'.") from None
    return {**summary(cs), "fields": cs.source.get("fields", []), "tree": tree(cs),
            "source": cs.source}


@blp.route("/validate", methods=["POST"])
@blp.arguments(ValidateSchema)
def validate_draft(body):
    """Validate a draft; every problem is listed with its path."""
    authorize("round.view")
    try:
        cs = build_criteria(parse_yaml(body["yaml"]), "draft")
    except CriteriaError as exc:
        return {"valid": False, "errors": exc.errors}
    return {"valid": True, "errors": {}, **summary(cs)}
