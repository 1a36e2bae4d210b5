"""Results: compute a snapshot with the engine, read it, export it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from evaluator.accounts.policy import authorize
from evaluator.applications.models import Application
from evaluator.cohort_runs import standings as cohort_standings
from evaluator.core.paging import count_rows
from evaluator.extensions import db
from evaluator.results import breakdown as breakdowns
from evaluator.results import exports as results_exports
from evaluator.results import service
from evaluator.rounds.models import Round
from evaluator.spreadsheets.export import XLSX
from evaluator.validation import UtcDateTime
from evaluator.web.api import get_or_404, guard
from evaluator.web.downloads import export_response
from evaluator.web.parsing import Blueprint
from evaluator.web.security import signed_in_user

PREFIX = ""
blp = Blueprint(
    "results", __name__, description="Results: compute a snapshot with the engine, read it, export it."
)


class SnapshotSchema(Schema):
    """A results snapshot: when and from what it was computed."""

    id = fields.Integer()
    round_id = fields.Integer()
    engine_version = fields.String()
    criteria_sha256 = fields.String()
    input_sha256 = fields.String(metadata={"description": "SHA-256 of the encoded inputs"})
    created_at = UtcDateTime()
    created_by = fields.String(allow_none=True)
    calibration = fields.String(allow_none=True, metadata={"description": "The criteria's calibration"})
    comparison = fields.String(allow_none=True, metadata={"description": "The calibration shown beside it"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    notes = fields.List(fields.String())


class ResultLineSchema(Schema):
    """One application's line in the newest snapshot."""

    application_id = fields.Integer()
    organisation = fields.String()
    city = fields.String()
    city_code = fields.String()
    county = fields.String()
    status = fields.String(metadata={"description": "ranked, vetoed or incomplete"})
    rank = fields.Integer(allow_none=True)
    total = fields.Float(allow_none=True)
    raw_total = fields.Float(allow_none=True, metadata={"description": "The total without calibration"})
    base = fields.Float(allow_none=True)
    bonus = fields.Float(allow_none=True)
    grade = fields.String(allow_none=True)
    recognised = fields.Boolean()
    n_reviews = fields.Integer()
    disagreement = fields.Boolean()
    sections = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))


class ResultArgsSchema(service.ResultFilterSchema):
    """Filters and order of the results table: city_code, grade, status, disagreement, sort, descending."""


class ExportArgsSchema(ResultArgsSchema):
    """The export's format and content."""

    format = fields.String(load_default="xlsx", validate=validate.OneOf(("xlsx", "csv")))
    detail = fields.String(
        load_default="summary",
        validate=validate.OneOf(("summary", "scores")),
        metadata={
            "description": "summary: the results table; scores: every score with its reviewer and indicator"
        },
    )


class IndicatorResultSchema(Schema):
    """An indicator's points in an application's result."""

    indicator_id = fields.String()
    name = fields.String()
    name_en = fields.String()
    section_id = fields.String()
    method = fields.String()
    max_points = fields.Float()
    points = fields.Float(allow_none=True)
    calibrated_points = fields.Float(allow_none=True, metadata={"description": "With z-score calibration"})
    raw_points = fields.Float(allow_none=True, metadata={"description": "Without calibration"})
    contribution = fields.Float(allow_none=True, metadata={"description": "Share of the total"})
    spread = fields.Float(allow_none=True, metadata={"description": "Highest minus lowest expert score"})
    disagreement = fields.Boolean()


class SectionResultSchema(Schema):
    """A level-1 section's points against the round's median."""

    section_id = fields.String()
    name = fields.String()
    name_en = fields.String()
    max_points = fields.Float()
    points = fields.Float(allow_none=True)
    calibrated_points = fields.Float(allow_none=True, metadata={"description": "With z-score calibration"})
    raw_points = fields.Float(allow_none=True, metadata={"description": "Without calibration"})
    share = fields.Float(allow_none=True)
    median_share = fields.Float(allow_none=True)


class CohortStandingSchema(Schema):
    """An application's cohort (the newest run, the office's moves applied) and its place there."""

    number = fields.Integer(metadata={"description": "The cohort's number in the round (from 1)"})
    label_zh = fields.String(metadata={"description": "The cohort's profile in Chinese"})
    label_en = fields.String(metadata={"description": "The cohort's profile in English"})
    rank = fields.Integer(
        allow_none=True, metadata={"description": "1 + the cohort's ranked applications above it"}
    )
    of = fields.Integer(metadata={"description": "The cohort's ranked applications"})
    percentile = fields.Float(
        allow_none=True, metadata={"description": "The share of the others in the cohort it ranks above"}
    )
    section_medians = fields.List(
        fields.Float(allow_none=True),
        allow_none=True,
        metadata={"description": "Per level-1 section, the cohort's median share of its points"},
    )


class BreakdownSchema(Schema):
    """An application's full result."""

    application_id = fields.Integer()
    snapshot = fields.Nested(SnapshotSchema)
    status = fields.String()
    total = fields.Float(allow_none=True)
    base = fields.Float(allow_none=True)
    bonus = fields.Float(allow_none=True)
    calibrated_total = fields.Float(
        allow_none=True, metadata={"description": "The total with z-score calibration"}
    )
    raw_total = fields.Float(allow_none=True, metadata={"description": "The total without calibration"})
    grade = fields.Dict(allow_none=True)
    recognised = fields.Boolean()
    rank = fields.Integer(allow_none=True)
    percentile = fields.Float(allow_none=True)
    stability = fields.Dict(
        allow_none=True,
        metadata={"description": "rank_min, rank_p5, rank_p95, rank_max under ±10 % weight perturbation"},
    )
    n_reviews = fields.Integer()
    reviews_counted = fields.Integer()
    disagreement = fields.Boolean()
    disagreement_line = fields.Float(
        metadata={"description": "Share of an indicator's points its spread must exceed to be disagreement"}
    )
    sections = fields.List(fields.Nested(SectionResultSchema))
    indicators = fields.List(fields.Nested(IndicatorResultSchema))
    vetoes = fields.List(fields.Dict())
    bonus_items = fields.List(fields.Dict())
    bonus_cap = fields.Float()
    cohort = fields.Nested(
        CohortStandingSchema,
        allow_none=True,
        metadata={
            "description": "Its cohort and its place there; null before the round's cohorts are formed"
        },
    )


class ReviewerStatsSchema(Schema):
    """A reviewer's scoring against the panel (shares of the indicators' points)."""

    reviewer_id = fields.Integer()
    name = fields.String()
    applications = fields.Integer()
    scores = fields.Integer()
    mean_share = fields.Float(allow_none=True)
    sd_share = fields.Float(allow_none=True)
    panel_mean_share = fields.Float(allow_none=True)
    bias = fields.Float(allow_none=True, metadata={"description": "Mean difference to the rest of the panel"})
    bias_sd = fields.Float(allow_none=True)
    calibration_shift = fields.Float(allow_none=True)
    lean = fields.String(metadata={"description": "lenient, harsh or typical"})


class ScoreSchema(Schema):
    """One anonymised score."""

    expert = fields.String(metadata={"description": "A, B, C … per application"})
    score = fields.Float()


class DisagreementSchema(Schema):
    """An indicator on which an application's reviewers disagree."""

    application_id = fields.Integer()
    organisation = fields.String()
    indicator_id = fields.String()
    indicator_name = fields.String()
    points = fields.Float()
    spread = fields.Float()
    line = fields.Float(
        metadata={"description": "The spread (points) beyond which the round's reviewers disagree"}
    )
    scores = fields.List(fields.Nested(ScoreSchema))


def _line(row) -> dict:
    line, _app, org = row
    return {
        "application_id": line.application_id,
        "organisation": org.name,
        "city": org.city,
        "city_code": org.city_code,
        "county": org.county,
        "status": line.status,
        "rank": line.rank,
        "total": line.total,
        "raw_total": line.raw_total,
        "base": line.base,
        "bonus": line.bonus,
        "grade": line.grade,
        "recognised": line.recognised,
        "n_reviews": line.n_reviews,
        "disagreement": line.disagreement,
        "sections": line.sections,
    }


@blp.route("/rounds/<int:round_id>/results/compute", methods=["POST"])
@guard("results.compute")
@blp.response(201, SnapshotSchema)
def post_compute(round_id: int):
    """Run the engine on the round's data and store a results snapshot (admin; review or scoring_closed)."""
    actor = authorize(signed_in_user(), "results.compute")
    snapshot = service.compute(actor, get_or_404(Round, round_id, "round"))
    return breakdowns.snapshot_info(snapshot)


@blp.route("/rounds/<int:round_id>/results", methods=["GET"])
@guard("results.view")
@blp.arguments(ResultArgsSchema, location="query")
@blp.response(200, ResultLineSchema(many=True))
@blp.paginate()
def list_results(args, round_id: int, pagination_parameters):
    """The newest snapshot's lines: ranked first by rank, then vetoed, then incomplete (admin)."""
    authorize(signed_in_user(), "results.view")
    snapshot = service.latest_or_404(get_or_404(Round, round_id, "round"))
    query = service.lines_query(snapshot, **args)
    pagination_parameters.item_count = count_rows(query)
    rows = db.session.execute(
        query.offset(pagination_parameters.first_item).limit(pagination_parameters.page_size)
    ).all()
    return [_line(r) for r in rows]


@blp.route("/rounds/<int:round_id>/results/snapshot", methods=["GET"])
@guard("results.view")
@blp.response(200, SnapshotSchema)
def get_snapshot(round_id: int):
    """The newest snapshot: when, by whom, the hashes (admin)."""
    authorize(signed_in_user(), "results.view")
    return breakdowns.snapshot_info(service.latest_or_404(get_or_404(Round, round_id, "round")))


@blp.route("/applications/<int:application_id>/result", methods=["GET"])
@guard("results.view")
@blp.response(200, BreakdownSchema)
def get_result(application_id: int):
    """An application's full result in its round's newest snapshot (admin)."""
    authorize(signed_in_user(), "results.view")
    app = get_or_404(Application, application_id, "application")
    result = breakdowns.breakdown(app)
    rnd = db.session.get(Round, app.round_id)
    standing = cohort_standings.standings(rnd).get(app.id)
    result["cohort"] = (
        None
        if standing is None
        else {
            "number": standing.cohort.number,
            "label_zh": standing.cohort.label_zh,
            "label_en": standing.cohort.label_en,
            "rank": standing.rank,
            "of": standing.of,
            "percentile": standing.percentile,
            "section_medians": cohort_standings.cohort_section_medians(rnd, app.id),
        }
    )
    return result


@blp.route("/rounds/<int:round_id>/results/reviewers", methods=["GET"])
@guard("results.view")
@blp.response(200, ReviewerStatsSchema(many=True))
def list_reviewers(round_id: int):
    """Each reviewer's mean and spread against the panel, and the calibration's effect (admin)."""
    authorize(signed_in_user(), "results.view")
    return breakdowns.reviewers(service.latest_or_404(get_or_404(Round, round_id, "round")))


@blp.route("/rounds/<int:round_id>/results/disagreements", methods=["GET"])
@guard("results.view")
@blp.response(200, DisagreementSchema(many=True))
def list_disagreements(round_id: int):
    """Indicators whose reviewers disagree beyond the round's spread, scores anonymised (admin)."""
    authorize(signed_in_user(), "results.view")
    return breakdowns.disagreements(service.latest_or_404(get_or_404(Round, round_id, "round")))


@blp.route("/rounds/<int:round_id>/results/export", methods=["GET"])
@guard("results.export")
@blp.arguments(ExportArgsSchema, location="query")
@blp.response(200, content_type=XLSX, description="The results (XLSX, or CSV with ?format=csv)")
@blp.doc(
    responses={
        "200": {
            "description": "The results (XLSX, or CSV with ?format=csv)",
            "content": {
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    }
)
def export_results(args, round_id: int):
    """The results table or every score with its reviewer and indicator, as a spreadsheet (admin)."""
    authorize(signed_in_user(), "results.export")
    rnd = get_or_404(Round, round_id, "round")
    fmt, detail = args.pop("format"), args.pop("detail")
    return export_response(results_exports.export(rnd, fmt, detail, **args))
