"""The region offices' checks: county endorsement, city recommendation within a quota."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from evaluator.accounts.policy import authorize
from evaluator.applications.models import Application
from evaluator.applications.schemas import ApplicationSchema
from evaluator.extensions import db
from evaluator.rounds.models import Round
from evaluator.validation import Id, Pattern, Text, UtcDateTime
from evaluator.vetting import quota, service
from evaluator.web.api import etag_header, get_or_404, guard, page_of
from evaluator.web.parsing import Blueprint
from evaluator.web.security import signed_in_user
from evaluator.workflow import RETURNED, RegionAct, RegionLevel, Status

PREFIX = ""
blp = Blueprint(
    "vetting",
    __name__,
    description="The region offices (县级申报、市级把关): the county "
    "office endorses, returns or declines; the city office checks, ranks and recommends "
    "within its quota. See docs/vetting.md.",
)

_NOTE = {"max_length": service.MAX_NOTE, "multiline": True}


class QueueArgsSchema(Schema):
    """Filters of an office's queue."""

    status = fields.String(
        validate=validate.OneOf([*(s.value for s in Status), RETURNED]),
        metadata={
            "description": "A status, or `returned`: the drafts the office returned to their "
            "applicants, listed until they are submitted again."
        },
    )
    county_code = fields.String(validate=Pattern(r"^[0-9]{6}$", error="Must be a 6-digit county code."))
    q = Text(min_length=1, max_length=100, metadata={"description": "Part of the organisation's name."})


class NoteSchema(Schema):
    """An endorsement's optional note."""

    note = Text(load_default=None, allow_none=True, **_NOTE)


class ReasonSchema(Schema):
    """Why the application is returned or declined: the applicant reads it."""

    reason = Text(required=True, min_length=1, **_NOTE)


class CheckBodySchema(Schema):
    """The city's check: passed or not, with a note (required when it did not pass)."""

    passed = fields.Boolean(required=True)
    note = Text(load_default=None, allow_none=True, **_NOTE)


class RegionCheckSchema(Schema):
    """One act of a region office on an application."""

    id = fields.Integer()
    application_id = fields.Integer()
    level = fields.String(metadata={"description": " or ".join(RegionLevel)})
    action = fields.String(metadata={"description": ", ".join(RegionAct)})
    passed = fields.Boolean(allow_none=True)
    note = fields.String(allow_none=True)
    checked_by = fields.Integer()
    created_at = UtcDateTime()


class RankingSchema(Schema):
    """The city's whole ranking, rank 1 first; it replaces the one before."""

    application_ids = fields.List(Id(), required=True, validate=validate.Length(max=quota.MAX_RANKING))


class QuotaUsageSchema(Schema):
    """A city's quota in a round and how much of it is used."""

    round_id = fields.Integer()
    city_code = fields.String()
    kind = fields.String(metadata={"description": "number or share"})
    value = fields.Float()
    applications = fields.Integer(metadata={"description": "The city's applications that reached the city"})
    limit = fields.Integer(metadata={"description": "How many it may recommend"})
    used = fields.Integer()
    remaining = fields.Integer()
    county_step = fields.Boolean()
    city_step = fields.Boolean()


def _actor():
    return authorize(signed_in_user(), "vetting.list")


@blp.route("/rounds/<int:round_id>/vetting", methods=["GET"])
@guard("vetting.list")
@blp.arguments(QueueArgsSchema, location="query")
@blp.response(200, ApplicationSchema(many=True))
@blp.paginate()
def queue(args, round_id: int, pagination_parameters):
    """The office's queue: its region's applications at its step (a city's by rank, then id), and
    the drafts it returned until their applicants submit them again (status `draft`)."""
    actor = _actor()
    rnd = get_or_404(Round, round_id, "round")
    return page_of(service.queue_query(actor, rnd, **args), pagination_parameters)


@blp.route("/rounds/<int:round_id>/quota", methods=["GET"])
@guard("vetting.list")
@blp.response(200, QuotaUsageSchema)
def get_quota(round_id: int):
    """The quota of the office's city: the rule, the applications that reached the city, the limit
    and how many are recommended."""
    return quota.quota_status(_actor(), get_or_404(Round, round_id, "round"))


@blp.route("/rounds/<int:round_id>/recommendations", methods=["GET"])
@guard("vetting.list")
@blp.response(200, ApplicationSchema(many=True))
def get_ranking(round_id: int):
    """The city's recommended applications, rank 1 first."""
    actor = _actor()
    query = service.queue_query(actor, get_or_404(Round, round_id, "round"), status=Status.RECOMMENDED.value)
    return list(db.session.scalars(query.limit(quota.MAX_RANKING)))


@blp.route("/rounds/<int:round_id>/recommendations", methods=["PUT"])
@guard("vetting.list")
@blp.arguments(RankingSchema)
@blp.response(200, ApplicationSchema(many=True))
def put_ranking(body, round_id: int):
    """Recommend the listed applications in this order (city office; within the quota). Applications
    recommended before and not listed go back to endorsed; an empty list withdraws every one."""
    actor = _actor()
    rnd = get_or_404(Round, round_id, "round")
    return quota.recommend(actor, rnd, quota.city_of(actor), body["application_ids"])


def _application(application_id: int):
    return service.find(_actor(), application_id)


@blp.route("/applications/<int:application_id>/checks", methods=["GET"])
@guard("vetting.act", Application)
@blp.response(200, RegionCheckSchema(many=True))
def list_checks(application_id: int):
    """The region offices' acts on an application, oldest first."""
    return service.checks_of(_application(application_id))


@blp.route("/applications/<int:application_id>/endorse", methods=["POST"])
@guard("vetting.act", Application)
@blp.arguments(NoteSchema)
@blp.response(200, ApplicationSchema)
def post_endorse(body, application_id: int):
    """The county office passes a submitted application on to its city."""
    app = service.endorse(_actor(), _application(application_id), body["note"])
    return app, 200, etag_header(app)


@blp.route("/applications/<int:application_id>/return", methods=["POST"])
@guard("vetting.act", Application)
@blp.arguments(ReasonSchema)
@blp.response(200, ApplicationSchema)
def post_return(body, application_id: int):
    """Send the application back to the applicant as a draft, with the reason it reads."""
    app = service.return_application(_actor(), _application(application_id), body["reason"])
    return app, 200, etag_header(app)


@blp.route("/applications/<int:application_id>/decline", methods=["POST"])
@guard("vetting.act", Application)
@blp.arguments(ReasonSchema)
@blp.response(200, ApplicationSchema)
def post_decline(body, application_id: int):
    """Do not pass the application on (final in this round), with the reason the applicant reads."""
    app = service.decline(_actor(), _application(application_id), body["reason"])
    return app, 200, etag_header(app)


@blp.route("/applications/<int:application_id>/check", methods=["POST"])
@guard("vetting.act", Application)
@blp.arguments(CheckBodySchema)
@blp.response(201, RegionCheckSchema)
def post_check(body, application_id: int):
    """The city office records its check of an application that reached it."""
    return service.check(_actor(), _application(application_id), body["passed"], body["note"])


@blp.route("/applications/<int:application_id>/recommendation", methods=["DELETE"])
@guard("vetting.act", Application)
@blp.response(200, ApplicationSchema)
def delete_recommendation(application_id: int):
    """Take the application off the city's ranking (back to endorsed; the ranks after it move up)."""
    app = quota.unrecommend(_actor(), _application(application_id))
    return app, 200, etag_header(app)
