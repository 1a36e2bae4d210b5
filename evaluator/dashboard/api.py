"""The office's dashboard as data: rounds with their applications counted, applications per city."""

from __future__ import annotations

from marshmallow import Schema, fields

from evaluator.accounts.policy import authorize
from evaluator.dashboard import service
from evaluator.validation import QueryId, UtcDateTime
from evaluator.web.api import guard
from evaluator.web.parsing import Blueprint
from evaluator.web.security import signed_in_user

PREFIX = "/dashboard"
blp = Blueprint("dashboard", __name__, description="The provincial office's overview.")

_COUNTS = {"description": "Applications by status (every status, zero included)."}


class DashboardArgsSchema(Schema):
    """Which applications the city counts cover."""

    round_id = QueryId(metadata={"description": "Only this round's applications per city (default: all)."})


class RoundCountsSchema(Schema):
    """A round with its applications counted by status."""

    id = fields.Function(lambda item: item["round"].id)
    title = fields.Function(lambda item: item["round"].title)
    zone_type = fields.Function(lambda item: item["round"].zone_type)
    phase = fields.Function(lambda item: item["round"].phase)
    opens_at = UtcDateTime(attribute="round.opens_at", allow_none=True)
    submission_deadline = UtcDateTime(attribute="round.submission_deadline", allow_none=True)
    review_deadline = UtcDateTime(attribute="round.review_deadline", allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata=_COUNTS)
    total = fields.Integer()


class CityCountsSchema(Schema):
    """Applications of one city's organisations counted by status."""

    city = fields.String()
    city_code = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata=_COUNTS)
    total = fields.Integer()


class DashboardSchema(Schema):
    """Every round with its applications counted; applications per city; the totals."""

    rounds = fields.List(fields.Nested(RoundCountsSchema))
    cities = fields.List(fields.Nested(CityCountsSchema))
    totals = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata=_COUNTS)
    total = fields.Integer()
    statuses = fields.List(fields.String(), metadata={"description": "The statuses, in workflow order."})


@blp.route("", methods=["GET"])
@guard("dashboard.view")
@blp.arguments(DashboardArgsSchema, location="query")
@blp.response(200, DashboardSchema)
def get(args):
    """The office's overview (admin)."""
    authorize(signed_in_user(), "dashboard.view")
    return service.overview(args.get("round_id"))
