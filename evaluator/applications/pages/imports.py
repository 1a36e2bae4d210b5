"""Batch import pages: choose an open round, download its template, upload a filled-in XLSX or
CSV, read the check (the rows it would create, or every problem by row and column), then confirm.

The check and the import are ``applications.importer.run_import`` (dry run, then for real), as in the
API. Between the two the checked file is kept as ``import_pending`` describes; the import writes
every row or none.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from werkzeug.routing import BuildError

from evaluator.applications import importer, intake
from evaluator.applications.pages import import_pending
from evaluator.errors import ServiceError
from evaluator.i18n import localise
from evaluator.messages import msg
from evaluator.rounds.models import Round
from evaluator.rounds.service import find_round, open_rounds
from evaluator.validation import MAX_ID
from evaluator.web.blueprints import office as bp
from evaluator.web.downloads import export_response
from evaluator.web.pages import (
    FormErrors,
    arg_id,
    discard_writes,
    get_or_404,
    page_user,
    refused,
    render_form,
)

FORMATS = ("xlsx", "csv")
"""The import template's formats, as the page offers them."""
TEMPLATE = "applications/import.html"


def _limits() -> dict[str, int]:
    config = current_app.config
    return {
        "rows": min(int(config["IMPORT_MAX_ROWS"]), importer.MAX_ROWS),
        "mb": int(config["MAX_UPLOAD_MB"]),
        "columns": int(config["IMPORT_MAX_COLUMNS"]),
    }


def problem_rows(errors: Any) -> list[dict[str, Any]]:
    """A refusal's problems as table rows (row, column, message): the import's per-row list, or the
    problem with the file as a whole."""
    errors = errors or {}
    rows = [
        {"row": p.get("row"), "column": p.get("column"), "message": p.get("message")}
        for p in errors.get("rows", [])
        if isinstance(p, dict)
    ]
    for key, messages in errors.items():
        if key != "rows":
            for message in messages if isinstance(messages, list) else [messages]:
                rows.append({"row": None, "column": None, "message": message})
    return rows


def application_link(application_id: int | None) -> str | None:
    """The office's page of an application, once that page exists."""
    if application_id is None:
        return None
    try:
        return url_for("office.application", application_id=application_id)
    except BuildError:
        return None


def _round_from_form(errors: FormErrors) -> Round | None:
    raw = request.form.get("round_id", "").strip()
    ident = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 else 0
    rnd = find_round(ident) if 0 < ident <= MAX_ID else None
    if rnd is None:
        errors["round_id"] = [msg("Choose the round to import into.")]
    return rnd


def _page(errors: FormErrors | None = None, **context: Any):
    rounds = open_rounds()
    context.setdefault(
        "selected", request.values.get("round_id", type=int) or (rounds[0].id if len(rounds) == 1 else None)
    )
    return render_form(
        TEMPLATE,
        errors,
        rounds=rounds,
        limits=_limits(),
        formats=FORMATS,
        round_choices=[(r.id, r.title) for r in rounds],
        pending_minutes=import_pending.minutes(),
        application_link=application_link,
        **context,
    )


def _refused(exc: ServiceError, errors: FormErrors, **context: Any):
    refused(exc)
    errors.message = str(localise(exc.message))
    return _page(errors, problems=problem_rows(exc.errors), **context)


@bp.route("/import", methods=["GET"])
def imports():
    """The import page: rounds open for applications, their templates, the upload form."""
    page_user("application.import")
    return _page()


@bp.route("/import/template", methods=["GET"])
def import_template():
    """A round's import template to fill in (XLSX, or CSV with ``format=csv``)."""
    page_user("application.template")
    rnd = get_or_404(Round, arg_id("round_id"))
    fmt = request.args.get("format", "xlsx")
    return export_response(intake.template_export(rnd, fmt if fmt in FORMATS else "xlsx"))


@bp.route("/import", methods=["POST"])
def import_check():
    """Check an uploaded file against the round (a dry run): nothing is written yet."""
    actor = page_user("application.import")
    errors = FormErrors()
    rnd = _round_from_form(errors)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors["file"] = [msg("Choose the filled-in XLSX or CSV file.")]
    if errors:
        errors.message = str(
            localise(msg("Some entries need correcting: see the messages beside the fields."))
        )
        return _page(errors)
    data = upload.read()
    try:
        result = importer.run_import(actor, rnd, data, dry_run=True)
    except ServiceError as exc:
        import_pending.discard()
        return _refused(exc, errors, selected=rnd.id, filename=upload.filename)
    pending = import_pending.keep(actor, rnd, data, upload.filename)
    return _page(checked=result, rnd=rnd, pending=pending, filename=upload.filename, selected=rnd.id)


@bp.route("/import/confirm", methods=["POST"])
def import_confirm():
    """Import the file checked before, all rows or none."""
    actor = page_user("application.import")
    errors = FormErrors()
    rnd = _round_from_form(errors)
    if rnd is None:
        errors.message = str(localise(msg("Choose the round to import into.")))
        return _page(errors)
    kept = import_pending.pending(actor) or {}
    round_id = rnd.id  # read now: a refusal rolls back and expires the row
    try:
        data = import_pending.take(actor, rnd, request.form.get("pending", ""))
        result = importer.run_import(actor, rnd, data, dry_run=False)
    except ServiceError as exc:
        discard_writes()
        import_pending.discard()
        return _refused(exc, errors, selected=round_id)
    import_pending.discard()
    return _page(imported=result, rnd=rnd, filename=kept.get("filename"), selected=rnd.id)
