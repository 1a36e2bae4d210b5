"""The office's dashboard: every round with its deadlines and applications counted by status, and
the applications per city as a table and a chart."""

from __future__ import annotations

from flask_babel import gettext

from evaluator.dashboard import service
from evaluator.formatting import colon
from evaluator.web.blueprints import office as bp
from evaluator.web.charts import bar_chart
from evaluator.web.pages import arg_id, page_user, render_form
from evaluator.workflow import Status

ALWAYS_SHOWN = (Status.DRAFT, Status.SUBMITTED, Status.WITHDRAWN)


@bp.route("/")
def dashboard():
    """The office's start page; ``?round=<id>`` limits the applications per city to one round."""
    page_user("dashboard.view")
    data = service.overview()
    wanted = arg_id("round")
    chosen = next((item["round"] for item in data["rounds"] if item["round"].id == wanted), None)
    cities = service.city_counts(chosen.id) if chosen else data["cities"]
    title = (
        gettext("Applications per city in the round %(title)s", title=chosen.title)
        if chosen
        else gettext("Applications per city, all rounds")
    )
    chart = bar_chart(
        [c["city"] for c in cities],
        [c["total"] for c in cities],
        title,
        empty=gettext("No applications yet."),
        colon=colon(),
    )
    shown = [s for s in data["statuses"] if data["totals"][s] or s in ALWAYS_SHOWN]
    return render_form(
        "dashboard/index.html",
        data=data,
        cities=cities,
        chart=chart,
        chart_title=title,
        chosen=chosen,
        shown=shown,
    )
