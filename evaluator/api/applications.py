"""Applications: applicants fill in the round's form, submit and withdraw; the office imports batches.

The figures are checked against the round's frozen criteria ``fields`` (see docs/applications.md);
the schemas below describe their shape, the service checks their content.
"""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from evaluator.api import etag_header, get_or_404, guard, if_match, page_of
from evaluator.api.fields import UtcDateTime
from evaluator.api.parsing import Blueprint
from evaluator.api.rounds import get_round
from evaluator.api.users import OrganisationSchema
from evaluator.i18n import localise
from evaluator.models import Application
from evaluator.services import applications as service
from evaluator.services import exports, importer, intake
from evaluator.services.policy import authorize
from evaluator.services.rounds import round_criteria
from evaluator.web.downloads import XLSX, export_response, template_download
from evaluator.web.security import signed_in_user

PREFIX = ""
blp = Blueprint("applications", __name__,
                description="Applications: the round's form, submission, withdrawal and batch import.")

_FIGURES = {"description": "Field key → value, as the round's criteria `fields` define them (int/float: "
            "a JSON number within min..max; bool: true/false; enum: a choice value; multi: a list of "
            "choice values; text). Partial while a draft; null removes a figure."}
_SCORES = {"description": "Indicator id → self-assessed score, 0..the indicator's points; null removes it."}


class WarningSchema(Schema):
    """A figure that is legal but unusual: worth a second look, never a refusal."""

    field = fields.String()
    code = fields.String(metadata={"description": "outside_norm, ratio_above_100, ratio_zero_base, declined"})
    message = fields.String()


class ApplicationSchema(Schema):
    """An application as the API returns it."""

    id = fields.Integer()
    round_id = fields.Integer()
    organisation = fields.Nested(OrganisationSchema)
    status = fields.String(metadata={
        "description": "draft → submitted → endorsed → recommended → under_review; or withdrawn, declined"})
    figures = fields.Dict(metadata=_FIGURES)
    self_assessment = fields.Dict(metadata=_SCORES)
    warnings = fields.Method("_warnings", metadata={
        "type": "array", "items": {"$ref": "#/components/schemas/Warning"},
        "description": "Figures that are legal but unusual, in the reader's language."})
    missing_required = fields.Method("_missing", metadata={
        "description": "Required fields not filled in yet (submit refuses while any are missing)."})
    bonus_claims = fields.List(fields.String(), metadata={
        "description": "Ids of the criteria's bonus items (those without a condition) the applicant claims."})
    office_note = fields.String(allow_none=True, metadata={
        "description": "The region office's reason when it returned or declined the application."})
    city_rank = fields.Integer(allow_none=True, metadata={
        "description": "The city office's rank of a recommended application (1 first)."})
    submitted_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()

    def _missing(self, obj: Application) -> list[str]:
        return intake.missing_required(round_criteria(obj.round), obj.figures or {})

    def _warnings(self, obj: Application) -> list[dict]:
        # Made afresh from the figures (the stored copy is English text): cheap, and translatable.
        return localise(intake.intake_warnings(round_criteria(obj.round), obj.figures or {}))


class ApplicationCreateSchema(Schema):
    """A new draft: any figures so far, and optionally a self-assessment."""

    figures = fields.Dict(keys=fields.String(), load_default=dict, metadata=_FIGURES)
    self_assessment = fields.Dict(keys=fields.String(), load_default=dict, metadata=_SCORES)


class ApplicationPatchSchema(Schema):
    """Changes to a draft: keys given replace, null removes, keys left out stay as they are."""

    figures = fields.Dict(keys=fields.String(), metadata=_FIGURES)
    self_assessment = fields.Dict(keys=fields.String(), metadata=_SCORES)
    bonus_claims = fields.List(fields.String(validate=validate.Length(max=80)),
                               validate=validate.Length(max=200), metadata={
        "description": "The whole list of claimed bonus item ids (replaces the one before)."})


class ListArgsSchema(service.ListFilterSchema):
    """Filters and order of the application list: status, city_code, county_code, category, q, sort."""


class ExportArgsSchema(service.ListFilterSchema):
    """The export's format and the list's filters and order (all matching rows, no pages)."""

    format = fields.String(load_default="xlsx", validate=validate.OneOf(("xlsx", "csv")), metadata={
        "description": "xlsx (default) or csv (UTF-8 with BOM)."})


class ImportArgsSchema(Schema):
    """Import options (query string or form field)."""

    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "Check the file and report what would be created, writing nothing."})


class ImportFileSchema(Schema):
    """The spreadsheet: XLSX (first sheet) or CSV (UTF-8 or GB18030)."""

    file = Upload(required=True)


class ImportRowSchema(Schema):
    """One row of the file and what it creates."""

    row = fields.Integer()
    name = fields.String(metadata={"description": "The organisation"})
    organisation_id = fields.Function(lambda r: r.organisation.id if r.organisation else None)
    new_organisation = fields.Function(lambda r: r.organisation is None)
    application_id = fields.Integer(allow_none=True)
    warnings = fields.List(fields.Nested(WarningSchema))


class ImportResultSchema(Schema):
    """What an import created (or, in a dry run, would create)."""

    dry_run = fields.Boolean()
    status = fields.String(metadata={"description": "The status imported applications get."})
    applications = fields.Integer()
    organisations_created = fields.Integer()
    file_sha256 = fields.String()
    rows = fields.List(fields.Nested(ImportRowSchema))


class TemplateArgsSchema(Schema):
    """Template format."""

    format = fields.String(load_default="xlsx", validate=validate.OneOf(("xlsx", "csv")))


def get_application(application_id: int) -> Application:
    """An application by id: 401 for anonymous callers, then 404 if there is none."""
    return get_or_404(Application, application_id, "application")


@blp.route("/rounds/<int:round_id>/applications", methods=["POST"])
@guard("application.create")
@blp.arguments(ApplicationCreateSchema)
@blp.response(201, ApplicationSchema)
def post_application(body, round_id: int):
    """Start the signed-in applicant organisation's application (one per round, while open)."""
    actor = authorize(signed_in_user(), "application.create")
    return service.create_application(actor, get_round(round_id), body["figures"], body["self_assessment"])


@blp.route("/rounds/<int:round_id>/applications", methods=["GET"])
@guard("application.list")
@blp.arguments(ListArgsSchema, location="query")
@blp.response(200, ApplicationSchema(many=True))
@blp.paginate()
def list_applications(args, round_id: int, pagination_parameters):
    """The round's applications: all for admins, an applicant's own organisation's otherwise."""
    actor = authorize(signed_in_user(), "application.list")
    query = service.list_query(actor, get_round(round_id), **args)
    return page_of(query, pagination_parameters)


@blp.route("/rounds/<int:round_id>/applications/export", methods=["GET"])
@guard("application.export")
@blp.arguments(ExportArgsSchema, location="query")
@blp.response(200, content_type=XLSX, description="The filtered list (XLSX, or CSV with ?format=csv)")
@blp.doc(responses={"200": {"description": "The filtered list (XLSX, or CSV with ?format=csv)", "content": {
    XLSX: {"schema": {"type": "string", "format": "binary"}},
    "text/csv": {"schema": {"type": "string"}}}}})
def export_applications(args, round_id: int):
    """The round's application list as a spreadsheet (admin): the list's filters and order, every row.

    Chinese headers: 序号, 单位名称, 所属市州, 区县, 街道, 状态, 提交时间 (Beijing time), then one
    column per criteria field (its label and unit). Text that could be read as a formula is made inert.
    """
    actor = authorize(signed_in_user(), "application.export")
    rnd = get_round(round_id)
    return export_response(exports.export(actor, rnd, args.pop("format"), **args))


@blp.route("/applications/<int:application_id>", methods=["GET"])
@blp.response(200, ApplicationSchema)
def get(application_id: int):
    """One application (its organisation and admins)."""
    app = get_application(application_id)
    authorize(signed_in_user(), "application.view", app)
    return app, 200, etag_header(app)


@blp.route("/applications/<int:application_id>", methods=["PATCH"])
@guard("application.edit")
@blp.arguments(ApplicationPatchSchema)
@blp.response(200, ApplicationSchema)
def patch(body, application_id: int):
    """Change a draft's figures or self-assessment (while the round is open)."""
    app = get_application(application_id)
    actor = authorize(signed_in_user(), "application.edit", app)
    app = service.update_application(actor, app, body.get("figures"), body.get("self_assessment"),
                                     if_match(), bonus_claims=body.get("bonus_claims"))
    return app, 200, etag_header(app)


@blp.route("/applications/<int:application_id>/submit", methods=["POST"])
@blp.response(200, ApplicationSchema)
def submit(application_id: int):
    """Submit a draft: every required figure present and the whole form valid, before the deadline."""
    app = get_application(application_id)
    app = service.submit(authorize(signed_in_user(), "application.submit", app), app, if_match())
    return app, 200, etag_header(app)


@blp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@blp.response(200, ApplicationSchema)
def withdraw(application_id: int):
    """Withdraw a submitted application (while the round is open; it cannot be resubmitted)."""
    app = get_application(application_id)
    app = service.withdraw(authorize(signed_in_user(), "application.withdraw", app), app, if_match())
    return app, 200, etag_header(app)


@blp.route("/rounds/<int:round_id>/applications/import", methods=["POST"])
@guard("application.import")
@blp.arguments(ImportArgsSchema, location="query", arg_name="query")
@blp.arguments(ImportArgsSchema, location="form", arg_name="form")
@blp.arguments(ImportFileSchema, location="files", arg_name="files")
@blp.response(200, ImportResultSchema)
@blp.alt_response(201, schema=ImportResultSchema, description="Applications created")
def post_import(query, form, files, round_id: int):
    """Import applications from XLSX or CSV (admin): all rows or none; ``dry_run`` only checks."""
    actor = authorize(signed_in_user(), "application.import")
    rnd = get_round(round_id)
    dry_run = bool(query.get("dry_run") or form.get("dry_run"))
    result = importer.run_import(actor, rnd, files["file"].read(), dry_run)
    return result, 200 if dry_run else 201


@blp.route("/rounds/<int:round_id>/applications/template", methods=["GET"])
@guard("application.template")
@blp.arguments(TemplateArgsSchema, location="query")
@blp.response(200, content_type=XLSX, description="The import template (XLSX, or CSV with ?format=csv)")
@blp.doc(responses={"200": {"description": "The import template (XLSX, or CSV with ?format=csv)", "content": {
    XLSX: {"schema": {"type": "string", "format": "binary"}},
    "text/csv": {"schema": {"type": "string"}}}}})
def get_template(args, round_id: int):
    """The import template for this round: Chinese headers, an explanation row, drop-down lists."""
    authorize(signed_in_user(), "application.template")
    rnd = get_round(round_id)
    return template_download(rnd, args["format"])
