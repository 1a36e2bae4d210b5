"""Rounds: created by the provincial office, moved forward phase by phase."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from evaluator.accounts.policy import authorize
from evaluator.criteria.catalog import MAX_ID_LENGTH
from evaluator.criteria.loader import MAX_YAML_BYTES
from evaluator.criteria.schema import ID_RE
from evaluator.rounds import service
from evaluator.rounds import settings as round_settings
from evaluator.rounds.models import Round
from evaluator.rounds.phases import move_round
from evaluator.validation import Pattern, Text, UtcDateTime
from evaluator.web.api import etag_header, get_or_404, guard, if_match
from evaluator.web.parsing import Blueprint
from evaluator.web.security import signed_in_user
from evaluator.workflow import Phase

PREFIX = "/rounds"
blp = Blueprint("rounds", __name__, description="Evaluation rounds and their phases.")


class RoundSchema(Schema):
    """A round."""

    id = fields.Integer(dump_only=True)
    title = Text(required=True, **service.TITLE_LENGTH)
    criteria_id = fields.String(
        load_default=None,
        validate=[validate.Length(max=MAX_ID_LENGTH), Pattern(ID_RE)],
        metadata={"description": "A bundled criteria set by its id (GET /criteria); or give criteria_yaml."},
    )
    criteria_yaml = fields.String(
        load_only=True,
        load_default=None,
        validate=validate.Length(max=MAX_YAML_BYTES),
        metadata={
            "description": "A criteria file's text, validated with the "
            "limits of docs/criteria-format.md; or give criteria_id."
        },
    )
    zone_type = fields.String(dump_only=True)
    criteria_version = fields.String(dump_only=True)
    criteria_sha256 = fields.String(dump_only=True)
    phase = fields.String(dump_only=True)
    opens_at = UtcDateTime(load_default=None)
    submission_deadline = UtcDateTime(load_default=None)
    review_deadline = UtcDateTime(load_default=None)
    notice_days = fields.Integer(load_default=7, strict=True, validate=validate.Range(**service.NOTICE_DAYS))
    created_at = UtcDateTime(dump_only=True)

    @validates_schema
    def _check_choice_and_order(self, data: dict, **kwargs: object) -> None:
        """Exactly one source of criteria; opening, submission and review deadlines in order."""
        errors = service.new_round_errors(data)
        if errors:
            raise ValidationError(errors)


class RoundPatchSchema(Schema):
    """Changes to a round in preparation: keys given replace, a deadline given as null is removed,
    keys left out stay as they are."""

    title = Text(min_length=service.TITLE_LENGTH["min_length"], max_length=service.TITLE_LENGTH["max_length"])
    criteria_id = fields.String(
        validate=[validate.Length(max=MAX_ID_LENGTH), Pattern(ID_RE)],
        metadata={"description": "Another bundled criteria set by its id; or give criteria_yaml."},
    )
    criteria_yaml = fields.String(
        validate=validate.Length(max=MAX_YAML_BYTES),
        metadata={"description": "Another criteria file's text; or give criteria_id."},
    )
    opens_at = UtcDateTime(allow_none=True)
    submission_deadline = UtcDateTime(allow_none=True)
    review_deadline = UtcDateTime(allow_none=True)
    notice_days = fields.Integer(strict=True, validate=validate.Range(**service.NOTICE_DAYS))

    @validates_schema
    def _check_choice(self, data: dict, **kwargs: object) -> None:
        """At most one new source of criteria."""
        errors = service.criteria_source_errors(
            data.get("criteria_id"), data.get("criteria_yaml"), required=False
        )
        if errors:
            raise ValidationError(errors)


class TransitionSchema(Schema):
    """The phase to move to."""

    to = fields.String(required=True, validate=validate.OneOf([p.value for p in Phase]))
    reason = Text(
        load_default=None, max_length=500, metadata={"description": "Why, recorded in the audit log."}
    )


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
    cs = service.round_criteria_of(body.pop("criteria_id"), body.pop("criteria_yaml"))
    return service.create_round(actor, body.pop("title"), cs, **body)


@blp.route("", methods=["GET"])
@blp.response(200, RoundSchema(many=True))
def list_rounds():
    """All rounds, newest first."""
    authorize(signed_in_user(), "round.view")
    return service.rounds_newest_first()


@blp.route("/<int:round_id>", methods=["GET"])
@blp.response(200, RoundSchema)
def get(round_id: int):
    """One round."""
    authorize(signed_in_user(), "round.view")
    rnd = get_round(round_id)
    return rnd, 200, etag_header(rnd)


@blp.route("/<int:round_id>", methods=["PATCH"])
@guard("round.edit")
@blp.arguments(RoundPatchSchema)
@blp.response(200, RoundSchema)
def patch(body, round_id: int):
    """Change a round in preparation (admin; phase draft only; If-Match honoured)."""
    rnd = get_round(round_id)
    actor = authorize(signed_in_user(), "round.edit", rnd)
    set_id, text = body.pop("criteria_id", None), body.pop("criteria_yaml", None)
    if set_id is not None or text is not None:
        body["criteria"] = service.round_criteria_of(set_id, text)
    rnd = service.update_round(actor, rnd, body, if_match())
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


class RoundSettingsSchema(round_settings.ReviewSettingsSchema):
    """A round's review settings: region steps and quotas, panels, conflict rules, blind mode,
    disagreement spread (docs/vetting.md). A PATCH merges the keys given; GET shows every default."""


@blp.route("/<int:round_id>/settings", methods=["GET"])
@guard("round.settings")
@blp.response(200, RoundSettingsSchema)
def get_settings(round_id: int):
    """The round's review settings with every default filled in (admin); the ETag is the round's."""
    authorize(signed_in_user(), "round.settings")
    rnd = get_round(round_id)
    return round_settings.settings_of(rnd).as_dict(), 200, etag_header(rnd)


@blp.route("/<int:round_id>/settings", methods=["PATCH"])
@guard("round.settings")
@blp.arguments(RoundSettingsSchema)
@blp.response(200, RoundSettingsSchema)
def patch_settings(body, round_id: int):
    """Change the round's review settings before the review begins (admin; If-Match honoured; audited)."""
    actor = authorize(signed_in_user(), "round.settings")
    rnd = round_settings.update_settings(actor, get_round(round_id), body, if_match())
    return round_settings.settings_of(rnd).as_dict(), 200, etag_header(rnd)
