"""The office's results pages: a round's results table (filters, order, compute, exports, the score
distribution), one application's breakdown with its radar chart, reviewer statistics and the list
of disagreements. Every figure comes from the round's newest snapshot (``results.service``)."""

from __future__ import annotations

import math

from flask import abort, redirect, request, url_for

from evaluator.applications.models import Application
from evaluator.applications.service import region_choices
from evaluator.cohort_runs import standings as cohort_standings
from evaluator.core.paging import page_rows
from evaluator.formatting import label
from evaluator.i18n import criteria_text, localise
from evaluator.messages import N_, msg
from evaluator.results import breakdown as breakdowns
from evaluator.results import exports as results_exports
from evaluator.results import service
from evaluator.results.pages.radar import radar_chart
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.web.blueprints import office as bp
from evaluator.web.charts import histogram_chart
from evaluator.web.downloads import export_response
from evaluator.web.pages import done, form_errors, get_or_404, load_form, page_number, page_user, render_form

PAGE_SIZE = 50
FILTERS = ("city_code", "grade", "status", "disagreement")


def _filters() -> tuple[dict, str]:
    """The query string's filters and order (a ServiceError(422) naming a bad one) and the sort key
    as the sortable headers write it (``total`` or ``-total``)."""
    raw = {k: v for k, v in request.args.items() if k in FILTERS and v != ""}
    sort = request.args.get("sort", "rank")
    raw["sort"], raw["descending"] = sort.removeprefix("-"), str(sort.startswith("-")).lower()
    return load_form(service.ResultFilterSchema(), raw), sort


def _histogram(snapshot, cs) -> object:
    """The distribution of totals, its bins under the grade bands (the snapshot's cut-offs, or for an
    older snapshot the criteria's), from the lowest to the highest bin holding a total."""
    hist = snapshot.summary.get("distribution") or {"edges": [], "counts": []}
    edges, counts = hist["edges"], hist["counts"]
    keep = [k for k, c in enumerate(counts) if c]
    if keep:
        edges, counts = edges[keep[0] : keep[-1] + 2], counts[keep[0] : keep[-1] + 1]
    else:
        edges, counts = [0.0], []
    grades = {g.code: g for g in cs.grades}
    cutoffs = hist.get("cutoffs") or [
        {"total": g.min_total, "grade": g.code} for g in cs.grades if g.min_total is not None
    ]
    bands: list[tuple[float | None, str]] = []
    for cut in cutoffs:
        grade = grades.get(cut["grade"])
        name = criteria_text(grade) if grade else cut["grade"]
        heading = msg("%(grade)s: %(total)s points and above", grade=name, total=f"{cut['total']:g}")
        bands.append((cut["total"], localise(heading)))
    lowest = [g for g in cs.grades if g.min_total is None]
    if lowest and cutoffs:
        name = criteria_text(lowest[-1])
        heading = msg("%(grade)s: below %(total)s points", grade=name, total=f"{cutoffs[-1]['total']:g}")
        bands.append((None, localise(heading)))
    return histogram_chart(
        edges, counts, bands, localise(msg("Distribution of the ranked applications' totals, by grade"))
    )


@bp.route("/rounds/<int:round_id>/results")
def results(round_id: int):
    """The newest snapshot's results table: filters, sortable columns, 50 a page, compute, exports."""
    page_user("results.view")  # before the lookup: ids are not probed
    rnd = get_or_404(Round, round_id)
    snapshot = service.latest(rnd)
    cs = round_criteria(rnd)
    rows, total, page, sort, info, chart = [], 0, page_number(), "rank", None, None
    with form_errors() as errors:
        if snapshot is not None:
            filters, sort = _filters()
            query = service.lines_query(snapshot, **filters)
            rows, total, page = page_rows(query, page, PAGE_SIZE, rows=True)
    if snapshot is not None:
        info, chart = breakdowns.snapshot_info(snapshot), _histogram(snapshot, cs)
    cities, _ = region_choices(rnd)
    return render_form(
        "results/table.html",
        errors,
        shown=service.shown,
        rnd=rnd,
        cs=cs,
        snapshot=snapshot,
        info=info,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PAGE_SIZE)),
        first=(page - 1) * PAGE_SIZE,
        sort=sort,
        chart=chart,
        can_compute=rnd.phase in service.COMPUTE_PHASES,
        cities=cities,
        grades=[(g.code, criteria_text(g)) for g in cs.grades],
        statuses=[(s, label("result", s)) for s in service.STATUS_CODES],
        grade_names={g.code: criteria_text(g) for g in cs.grades},
        standings=cohort_standings.standings(rnd) if snapshot is not None else {},
    )


@bp.route("/rounds/<int:round_id>/results/compute", methods=["POST"])
def results_compute(round_id: int):
    """Compute the round's results now (a snapshot), then show the table."""
    actor = page_user("results.compute")  # before the lookup: ids are not probed
    rnd = get_or_404(Round, round_id)
    with form_errors() as errors:
        snapshot = service.compute(actor, rnd)
        done(N_("Results computed: snapshot %(id)s."), id=snapshot.id)
        return redirect(url_for("office.results", round_id=rnd.id), 303)
    return render_form(  # the refusal rolled back: the round is read again
        "results/table.html",
        errors,
        shown=service.shown,
        rnd=rnd,
        cs=round_criteria(rnd),
        snapshot=None,
        info=None,
        rows=[],
        total=0,
        page=1,
        pages=1,
        first=0,
        sort="rank",
        chart=None,
        can_compute=True,
        cities=[],
        grades=[],
        statuses=[],
        grade_names={},
        standings={},
    )


@bp.route("/rounds/<int:round_id>/results/applications/<int:application_id>")
def result_breakdown(round_id: int, application_id: int):
    """One application's breakdown: indicators raw and calibrated, sections on a radar chart."""
    page_user("results.view")  # before the lookup: ids are not probed
    rnd = get_or_404(Round, round_id)
    app = get_or_404(Application, application_id)
    if app.round_id != rnd.id:
        abort(404)
    detail = breakdowns.breakdown(app)
    sections = detail["sections"]
    standing = cohort_standings.standings(rnd).get(app.id)
    cohort_medians = cohort_standings.cohort_section_medians(rnd, app.id)
    cohort_name = str(localise(msg("Median of cohort %(n)s", n=standing.cohort.number))) if standing else None
    chart = radar_chart(
        [criteria_text(s) for s in sections],
        [s["share"] for s in sections],
        [s["median_share"] for s in sections],
        str(localise(msg("Sections as a share of their points, against the round's median"))),
        series=(app.organisation.name, str(localise(msg("Round median")))),
        cohort=(cohort_medians, cohort_name) if cohort_medians is not None and cohort_name else None,
    )
    names = {s.id: criteria_text(s) for s in round_criteria(rnd).indicators}
    return render_form(
        "results/breakdown.html",
        None,
        shown=service.shown,
        rnd=rnd,
        app=app,
        detail=detail,
        chart=chart,
        section_names=names,
        status_name=label("result", detail["status"]),
        standing=standing,
        cohort_medians=cohort_medians,
    )


@bp.route("/rounds/<int:round_id>/results/reviewers")
def result_reviewers(round_id: int):
    """Each reviewer's scoring against the panel and what calibration did to it."""
    page_user("results.view")  # before the lookup: ids are not probed
    rnd = get_or_404(Round, round_id)
    snapshot = service.latest_or_404(rnd)
    return render_form(
        "results/reviewers.html",
        None,
        shown=service.shown,
        rnd=rnd,
        info=breakdowns.snapshot_info(snapshot),
        stats=breakdowns.reviewers(snapshot),
    )


@bp.route("/rounds/<int:round_id>/results/disagreements")
def result_disagreements(round_id: int):
    """The indicators whose reviewers disagree beyond the round's spread, scores side by side."""
    page_user("results.view")  # before the lookup: ids are not probed
    rnd = get_or_404(Round, round_id)
    snapshot = service.latest_or_404(rnd)
    items = breakdowns.disagreements(snapshot)
    page = page_number()
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    page = min(page, pages)
    return render_form(
        "results/disagreements.html",
        None,
        shown=service.shown,
        rnd=rnd,
        info=breakdowns.snapshot_info(snapshot),
        items=items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(items),
        page=page,
        pages=pages,
        listed=snapshot.summary.get("disagreement_count", len(items)),
        nodes=round_criteria(rnd).node_map,
        rule=service.disagreement_rule(snapshot),
    )


@bp.route("/rounds/<int:round_id>/results/export")
def results_export(round_id: int):
    """The results table (``detail=summary``) or every score (``detail=scores``) as XLSX or CSV."""
    page_user("results.export")  # before the lookup: ids are not probed
    rnd = get_or_404(Round, round_id)
    fmt = request.args.get("format", "xlsx")
    detail = request.args.get("detail", "summary")
    if fmt not in ("xlsx", "csv") or detail not in ("summary", "scores"):
        abort(404)
    filters, _ = _filters()
    return export_response(results_exports.export(rnd, fmt, detail, **filters))
