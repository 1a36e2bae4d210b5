"""Applications: applicants fill in the round's form, submit and withdraw; the office imports batches.

The figures are checked against the round's frozen criteria ``fields`` (see docs/applications.md);
the schemas below describe their shape, the service checks their content.
"""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from evaluator.accounts.policy import authorize
from evaluator.applications import exports, importer, intake, service
from evaluator.applications.models import Application
from evaluator.applications.schemas import FIGURES_DOC, SCORES_DOC, ApplicationSchema, WarningSchema
from evaluator.rounds.models import Round
from evaluator.spreadsheets.export import XLSX
from evaluator.web.api import etag_header, get_or_404, guard, if_match, page_of
from evaluator.web.downloads import export_response
from evaluator.web.parsing import Blueprint
from evaluator.web.security import signed_in_user

PREFIX = ""
blp = Blueprint(
    "applications",
    __name__,
    description="Applications: the round's form, submission, withdrawal and batch import.",
)


class ApplicationCreateSchema(Schema):
    """A new draft: any figures so far, and optionally a self-assessment."""

    figures = fields.Dict(keys=fields.String(), load_default=dict, metadata=FIGURES_DOC)
    self_assessment = fields.Dict(keys=fields.String(), load_default=dict, metadata=SCORES_DOC)


class ApplicationPatchSchema(Schema):
    """Changes to a draft: keys given replace, null removes, keys left out stay as they are."""

    figures = fields.Dict(keys=fields.String(), metadata=FIGURES_DOC)
    self_assessment = fields.Dict(keys=fields.String(), metadata=SCORES_DOC)
    bonus_claims = fields.List(
        fields.String(validate=validate.Length(max=80)),
        validate=validate.Length(max=200),
        metadata={"description": "The whole list of claimed bonus item ids (replaces the one before)."},
    )


class ListArgsSchema(service.ListFilterSchema):
    """Filters and order of the application list: status, city_code, county_code, category, q, sort."""


class ExportArgsSchema(service.ListFilterSchema):
    """The export's format and the list's filters and order (all matching rows, no pages)."""

    format = fields.String(
        load_default="xlsx",
        validate=validate.OneOf(("xlsx", "csv")),
        metadata={"description": "xlsx (default) or csv (UTF-8 with BOM)."},
    )


class ImportArgsSchema(Schema):
    """Import options (query string or form field)."""

    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "Check the file and report what would be created, writing nothing."},
    )


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
    return service.create_application(
        actor, get_or_404(Round, round_id, "round"), body["figures"], body["self_assessment"]
    )


@blp.route("/rounds/<int:round_id>/applications", methods=["GET"])
@guard("application.list")
@blp.arguments(ListArgsSchema, location="query")
@blp.response(200, ApplicationSchema(many=True))
@blp.paginate()
def list_applications(args, round_id: int, pagination_parameters):
    """The round's applications: all for admins, an applicant's own organisation's otherwise."""
    actor = authorize(signed_in_user(), "application.list")
    query = service.list_query(actor, get_or_404(Round, round_id, "round"), **args)
    return page_of(query, pagination_parameters)


@blp.route("/rounds/<int:round_id>/applications/export", methods=["GET"])
@guard("application.export")
@blp.arguments(ExportArgsSchema, location="query")
@blp.response(200, content_type=XLSX, description="The filtered list (XLSX, or CSV with ?format=csv)")
@blp.doc(
    responses={
        "200": {
            "description": "The filtered list (XLSX, or CSV with ?format=csv)",
            "content": {
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    }
)
def export_applications(args, round_id: int):
    """The round's application list as a spreadsheet (admin): the list's filters and order, every row.

    Chinese headers: 序号, 单位名称, 所属市州, 区县, 街道, 状态, 提交时间 (Beijing time), then one
    column per criteria field (its label and unit). Text that could be read as a formula is made inert.
    """
    actor = authorize(signed_in_user(), "application.export")
    rnd = get_or_404(Round, round_id, "round")
    return export_response(exports.export(actor, rnd, args.pop("format"), **args))


@blp.route("/applications/<int:application_id>", methods=["GET"])
@guard("application.view", Application)
@blp.response(200, ApplicationSchema)
def get(application_id: int):
    """One application (its organisation and admins)."""
    app = get_application(application_id)
    authorize(signed_in_user(), "application.view", app)
    return app, 200, etag_header(app)


@blp.route("/applications/<int:application_id>", methods=["PATCH"])
@guard("application.edit", Application)
@blp.arguments(ApplicationPatchSchema)
@blp.response(200, ApplicationSchema)
def patch(body, application_id: int):
    """Change a draft's figures or self-assessment (while the round is open)."""
    app = get_application(application_id)
    actor = authorize(signed_in_user(), "application.edit", app)
    app = service.update_application(
        actor,
        app,
        body.get("figures"),
        body.get("self_assessment"),
        if_match(),
        bonus_claims=body.get("bonus_claims"),
    )
    return app, 200, etag_header(app)


@blp.route("/applications/<int:application_id>/submit", methods=["POST"])
@guard("application.submit", Application)
@blp.response(200, ApplicationSchema)
def submit(application_id: int):
    """Submit a draft: every required figure present and the whole form valid, before the deadline."""
    app = get_application(application_id)
    app = service.submit(authorize(signed_in_user(), "application.submit", app), app, if_match())
    return app, 200, etag_header(app)


@blp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@guard("application.withdraw", Application)
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
    rnd = get_or_404(Round, round_id, "round")
    dry_run = bool(query.get("dry_run") or form.get("dry_run"))
    result = importer.run_import(actor, rnd, files["file"].read(), dry_run)
    return result, 200 if dry_run else 201


@blp.route("/rounds/<int:round_id>/applications/template", methods=["GET"])
@guard("application.template")
@blp.arguments(TemplateArgsSchema, location="query")
@blp.response(200, content_type=XLSX, description="The import template (XLSX, or CSV with ?format=csv)")
@blp.doc(
    responses={
        "200": {
            "description": "The import template (XLSX, or CSV with ?format=csv)",
            "content": {
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    }
)
def get_template(args, round_id: int):
    """The import template for this round: Chinese headers, an explanation row, drop-down lists."""
    authorize(signed_in_user(), "application.template")
    rnd = get_or_404(Round, round_id, "round")
    return export_response(intake.template_export(rnd, args["format"]))
