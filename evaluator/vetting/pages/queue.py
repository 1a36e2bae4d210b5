"""The region office's queue: its region's applications of a round at its step, filtered by status,
with the count in each status (and, for a city office, its quota)."""

from __future__ import annotations

import math

from flask import request
from flask_babel import gettext

from evaluator.core.paging import page_rows
from evaluator.formatting import label
from evaluator.rounds.models import Round
from evaluator.rounds.service import rounds_newest_first
from evaluator.vetting import service as vetting
from evaluator.vetting.quota import quota_status
from evaluator.web.blueprints import region as bp
from evaluator.web.pages import arg_id, arg_text, form_errors, get_or_404, page_number, page_user, render_form
from evaluator.workflow import RETURNED, RETURNED_LABEL, Phase, RegionLevel, Status

PAGE_SIZE = 50
QUEUE_STATUSES = (
    Status.SUBMITTED,
    RETURNED,
    Status.ENDORSED,
    Status.RECOMMENDED,
    Status.DECLINED,
    Status.NOT_RECOMMENDED,
    Status.UNDER_REVIEW,
)
"""The queue's filters, with their counts: the statuses an office sees, and the drafts it returned."""


def queue_label(state: str) -> str:
    """A queue filter's name for people: a status's label, or "returned" for the returned drafts."""
    return gettext(RETURNED_LABEL) if state == RETURNED else label("status", state)


def region_rounds() -> list[Round]:
    """The rounds an office may work in (past preparation), the newest first."""
    return rounds_newest_first(past_preparation=True)


def chosen_round(rounds: list[Round]) -> Round | None:
    """The round named by ``?round=``, else the newest open one, else the newest (None: no rounds)."""
    wanted = arg_id("round")
    if wanted is not None:
        rnd = get_or_404(Round, wanted)
        return rnd if rnd.phase != Phase.DRAFT else None
    return next((r for r in rounds if r.phase == Phase.OPEN), rounds[0] if rounds else None)


@bp.route("/")
def queue():
    """The office's queue in the chosen round: 50 a page, a status filter, counts per status."""
    actor = page_user("vetting.list")
    rounds = region_rounds()
    rnd = chosen_round(rounds)
    rows, total, counts, quota = [], 0, {}, None
    page = page_number()
    status = request.args.get("status") or None
    if status not in QUEUE_STATUSES:
        status = None
    with form_errors() as errors:
        q = arg_text("q")
        if rnd is not None:
            query = vetting.queue_query(actor, rnd, status=status, q=q)
            rows, total, page = page_rows(query, page, PAGE_SIZE)
            counts = vetting.status_counts(actor, rnd)
            if actor.region_level == RegionLevel.CITY:
                quota = quota_status(actor, rnd)
    return render_form(
        "vetting/queue.html",
        errors,
        rounds=rounds,
        rnd=rnd,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PAGE_SIZE)),
        counts=counts,
        quota=quota,
        status=status or "",
        q=request.args.get("q", ""),
        level=actor.region_level,
        statuses=[(str(s), queue_label(s)) for s in QUEUE_STATUSES],
        returned_label=queue_label(RETURNED),
    )
