"""The office's applications pages: the table of a round's applications with its filters, order,
pages and exports, one application's page and the download of its materials.

The table, the exports and the API list share one query (``applications.service.list_query``) and
one schema of filters (``ListFilterSchema``), so what the office sees is what it exports.
"""

from __future__ import annotations

import math

from flask import abort, request

from evaluator.applications import exports, service
from evaluator.applications.models import Material
from evaluator.core.paging import page_rows
from evaluator.formatting import label
from evaluator.i18n import criteria_text
from evaluator.rounds.models import Round
from evaluator.rounds.service import rounds_newest_first
from evaluator.web.blueprints import office as bp
from evaluator.web.downloads import export_response, material_response
from evaluator.web.pages import (
    arg_id,
    form_errors,
    get_or_404,
    load_form,
    page_number,
    page_user,
    render_form,
)
from evaluator.workflow import Phase, Status

PAGE_SIZE = 50
FILTERS = ("status", "city_code", "county_code", "category", "q", "sort")


def chosen_round(rounds: list[Round]) -> Round | None:
    """The round named by ``?round=``, else the newest open one, else the newest (None: no rounds)."""
    wanted = arg_id("round")
    if wanted is not None:
        return get_or_404(Round, wanted)
    return next((r for r in rounds if r.phase == Phase.OPEN), rounds[0] if rounds else None)


def read_filters() -> dict:
    """The query string's filters through the list's schema (a ServiceError(422) naming bad ones)."""
    return load_form(service.ListFilterSchema(), {k: v for k, v in request.args.items() if k in FILTERS})


@bp.route("/applications")
def applications():
    """The round's applications: filters, order, 50 a page, and exports of the filtered table."""
    page_user("dashboard.view")
    actor = page_user("application.list")
    rounds = rounds_newest_first()
    rnd = chosen_round(rounds)
    rows, total, filters, counts = [], 0, {}, {}
    page = page_number()
    with form_errors() as errors:
        if rnd is not None:
            filters = read_filters()
            rows, total, page = page_rows(service.list_query(actor, rnd, **filters), page, PAGE_SIZE)
            counts = service.material_counts([a.id for a in rows])
    cities, counties = service.region_choices(rnd) if rnd is not None else ([], [])
    category = service.category_field(rnd) if rnd is not None else None
    choices = category.choices if category is not None else ()
    return render_form(
        "applications/list.html",
        errors,
        rounds=rounds,
        rnd=rnd,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PAGE_SIZE)),
        first=(page - 1) * PAGE_SIZE,
        counts=counts,
        cities=cities,
        counties=counties,
        status_choices=[(s.value, label("status", s.value)) for s in Status],
        category=category,
        category_choices=[(c.value, criteria_text(c)) for c in choices],
        category_names={c.value: criteria_text(c) for c in choices},
        sort=filters.get("sort") or "",
    )


@bp.route("/applications/export")
def applications_export():
    """The filtered table of a round (every page) as CSV or XLSX (``?format=``), like the API's export."""
    page_user("dashboard.view")
    actor = page_user("application.export")
    rnd = chosen_round(rounds_newest_first())
    if rnd is None:
        abort(404)
    fmt = request.args.get("format", "xlsx")
    if fmt not in exports.FORMATS:
        abort(404)
    # Bad filters: the service's refusal (422) is the error page with its message.
    return export_response(exports.export(actor, rnd, fmt, **read_filters()))


@bp.route("/materials/<int:material_id>")
def material_download(material_id: int):
    """Download a material (the same rule and response as the API's download)."""
    page_user("dashboard.view")  # an office page: the office's, before any id is looked up
    material = get_or_404(Material, material_id)
    page_user("material.download", material)
    return material_response(material)


from evaluator.applications.pages import detail as application_page  # noqa: E402, F401 (register the application's page)
