"""Rounds: created by the provincial office, moved forward phase by phase."""

from __future__ import annotations

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from evaluator.api import etag_header, get_or_404, guard, if_match
from evaluator.api.fields import UtcDateTime
from evaluator.api.parsing import Blueprint
from evaluator.criteria import CriteriaError, CriteriaSet, build_criteria
from evaluator.criteria.catalog import MAX_ID_LENGTH, criteria_dir, find_criteria
from evaluator.criteria.loader import MAX_YAML_BYTES, parse_yaml
from evaluator.criteria.schema import ID_RE
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.models import Round
from evaluator.services import rounds as service
from evaluator.services.policy import authorize
from evaluator.services.workflow import move_round
from evaluator.validation import Pattern, Text
from evaluator.web.security import signed_in_user
from evaluator.workflow import Phase

PREFIX = "/rounds"
blp = Blueprint("rounds", __name__, description="Evaluation rounds and their phases.")


class RoundSchema(Schema):
    """A round."""

    id = fields.Integer(dump_only=True)
    title = Text(required=True, min_length=2, max_length=200)
    criteria_id = fields.String(load_default=None, validate=[
        validate.Length(max=MAX_ID_LENGTH), Pattern(ID_RE)], metadata={
        "description": "A bundled criteria set by its id (GET /criteria); or give criteria_yaml."})
    criteria_yaml = fields.String(load_only=True, load_default=None, validate=validate.Length(
        max=MAX_YAML_BYTES), metadata={"description": "A criteria file's text, validated with the "
                                       "limits of docs/criteria-format.md; or give criteria_id."})
    zone_type = fields.String(dump_only=True)
    criteria_version = fields.String(dump_only=True)
    criteria_sha256 = fields.String(dump_only=True)
    phase = fields.String(dump_only=True)
    opens_at = UtcDateTime(load_default=None)
    submission_deadline = UtcDateTime(load_default=None)
    review_deadline = UtcDateTime(load_default=None)
    notice_days = fields.Integer(load_default=7, strict=True, validate=validate.Range(min=1, max=60))
    created_at = UtcDateTime(dump_only=True)

    @validates_schema
    def _check_choice_and_order(self, data: dict, **kwargs: object) -> None:
        """Exactly one source of criteria; opening, submission and review deadlines in order."""
        errors: dict[str, list[str]] = {}
        if (data.get("criteria_id") is None) == (data.get("criteria_yaml") is None):
            both = msg("Give exactly one of criteria_id (a bundled set) and criteria_yaml (a criteria file).")
            errors["criteria_id"] = errors["criteria_yaml"] = [both]
        opens, submission, review = (data.get(k) for k in ("opens_at", "submission_deadline",
                                                           "review_deadline"))
        if submission and review and review < submission:
            errors["review_deadline"] = [msg("The review deadline must not be before the submission "
                                             "deadline.")]
        if opens and submission and opens > submission:
            errors["opens_at"] = [msg("The round must open before its submission deadline.")]
        elif opens and review and opens > review:
            errors["opens_at"] = [msg("The round must open before its review deadline.")]
        if errors:
            raise ValidationError(errors)


def round_criteria_of(set_id: str | None, text: str | None) -> CriteriaSet:
    """The criteria set a new round freezes in: a bundled set by id, or an uploaded file's text.

    An uploaded set may not take the id of a bundled set with other content: the id must keep
    meaning one set across rounds.
    """
    from pathlib import Path

    folder = Path(current_app.config.get("CRITERIA_DIR") or criteria_dir())
    if set_id is not None:
        try:
            return find_criteria(set_id, folder)
        except CriteriaError as exc:
            raise ServiceError(422, msg("Unknown or invalid criteria set."),
                               {"criteria_id": [m for msgs in exc.errors.values() for m in msgs]}) from None
    try:
        cs = build_criteria(parse_yaml(text or "", "criteria_yaml"), "criteria_yaml")
    except CriteriaError as exc:
        raise ServiceError(422, msg("The uploaded criteria set is invalid; every problem is listed."),
                           {"criteria_yaml": exc.errors}) from None
    try:
        bundled = find_criteria(cs.id, folder)
    except CriteriaError:
        return cs
    if bundled.sha256 != cs.sha256:
        message = msg("The id '%(id)s' belongs to a bundled criteria set with different content: give the "
                      "uploaded set its own id.", id=cs.id)
        raise ServiceError(422, message, {"criteria_yaml": {"id": [message]}})
    return cs


class TransitionSchema(Schema):
    """The phase to move to."""

    to = fields.String(required=True, validate=validate.OneOf([p.value for p in Phase]))
    reason = Text(load_default=None, max_length=500,
                  metadata={"description": "Why, recorded in the audit log."})


def get_round(round_id: int) -> Round:
    """A round by id: 401 for anonymous callers, then 404 if there is none."""
    return get_or_404(Round, round_id, "round")


@blp.route("", methods=["POST"])
@guard("round.create")
@blp.arguments(RoundSchema)
@blp.response(201, RoundSchema)
def post_round(body):
    """Create a round; its criteria set is frozen into it (admin)."""
    actor = authorize(signed_in_user(), "round.create")
    cs = round_criteria_of(body.pop("criteria_id"), body.pop("criteria_yaml"))
    return service.create_round(actor, body.pop("title"), cs, **body)


@blp.route("", methods=["GET"])
@blp.response(200, RoundSchema(many=True))
def list_rounds():
    """All rounds, newest first."""
    authorize(signed_in_user(), "round.view")
    return db.session.scalars(select(Round).order_by(Round.id.desc())).all()


@blp.route("/<int:round_id>", methods=["GET"])
@blp.response(200, RoundSchema)
def get(round_id: int):
    """One round."""
    authorize(signed_in_user(), "round.view")
    rnd = get_round(round_id)
    return rnd, 200, etag_header(rnd)


@blp.route("/<int:round_id>/transition", methods=["POST"])
@guard("round.transition")
@blp.arguments(TransitionSchema)
@blp.response(200, RoundSchema)
def post_transition(body, round_id: int):
    """Move the round to the next phase (admin; forward only; deadlines respected)."""
    actor = authorize(signed_in_user(), "round.transition")
    rnd = move_round(actor, get_round(round_id), body["to"], body["reason"], if_match())
    return rnd, 200, etag_header(rnd)
