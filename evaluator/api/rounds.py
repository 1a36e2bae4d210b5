"""Rounds: created by the provincial office, moved forward phase by phase."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from evaluator.api import get_or_404
from evaluator.criteria import CriteriaError, load_criteria
from evaluator.criteria.catalog import criteria_dir
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.models import Round
from evaluator.models.rounds import PHASES
from evaluator.services import rounds as service
from evaluator.services.policy import authorize

PREFIX = "/rounds"
blp = Blueprint("rounds", __name__, description="Evaluation rounds and their phases.")


class RoundSchema(Schema):
    """A round."""

    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    criteria_id = fields.String(required=True)
    zone_type = fields.String(dump_only=True)
    criteria_version = fields.String(dump_only=True)
    criteria_sha256 = fields.String(dump_only=True)
    phase = fields.String(dump_only=True)
    opens_at = fields.AwareDateTime(load_default=None)
    submission_deadline = fields.AwareDateTime(load_default=None)
    review_deadline = fields.AwareDateTime(load_default=None)
    notice_days = fields.Integer(load_default=7, strict=True, validate=validate.Range(min=1, max=60))
    created_at = fields.DateTime(dump_only=True)


class TransitionSchema(Schema):
    """The phase to move to."""

    to = fields.String(required=True, validate=validate.OneOf(PHASES))


def get_round(round_id: int) -> Round:
    """A round by id: 401 for anonymous callers, then 404 if there is none."""
    return get_or_404(Round, round_id, "round")


@blp.route("", methods=["POST"])
@blp.arguments(RoundSchema)
@blp.response(201, RoundSchema)
def post_round(body):
    """Create a round; its criteria set is frozen into it (admin)."""
    actor = authorize("round.create")
    from pathlib import Path

    folder = Path(current_app.config.get("CRITERIA_DIR") or criteria_dir())
    try:
        cs = load_criteria(body.pop("criteria_id"), folder)
    except CriteriaError as exc:
        raise ServiceError(422, "Unknown or invalid criteria set.",
                           {"criteria_id": [m for msgs in exc.errors.values() for m in msgs]}) from None
    return service.create_round(actor, body.pop("title"), cs, **body)


@blp.route("", methods=["GET"])
@blp.response(200, RoundSchema(many=True))
def list_rounds():
    """All rounds, newest first."""
    authorize("round.view")
    return db.session.scalars(select(Round).order_by(Round.id.desc())).all()


@blp.route("/<int:round_id>", methods=["GET"])
@blp.response(200, RoundSchema)
def get(round_id: int):
    """One round."""
    authorize("round.view")
    return get_round(round_id)


@blp.route("/<int:round_id>/transition", methods=["POST"])
@blp.arguments(TransitionSchema)
@blp.response(200, RoundSchema)
def post_transition(body, round_id: int):
    """Move the round to the next phase (admin; forward only; deadlines respected)."""
    actor = authorize("round.transition")
    return service.transition(actor, get_round(round_id), body["to"])
