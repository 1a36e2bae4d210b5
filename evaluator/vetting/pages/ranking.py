"""The city office's ranking: the applications that reached it, a rank number beside each, and the
quota used. Saving the form makes the numbered ones the city's ranking in number order (blank: not
recommended) — the same call as the API's ``PUT /rounds/{id}/recommendations``. Works without JS.
A rank box is offered where ``vetting.allowed_acts`` allows recommending (the city's check passed)
and beside every recommended application (so it can be taken off)."""

from __future__ import annotations

from flask import abort, redirect, request, url_for

from evaluator.errors import ServiceError
from evaluator.messages import N_, msg
from evaluator.rounds.models import Round
from evaluator.rounds.settings import settings_of
from evaluator.vetting import service as vetting
from evaluator.vetting.pages.queue import chosen_round, region_rounds
from evaluator.vetting.quota import city_of, quota_status, rankable, recommend
from evaluator.web.blueprints import region as bp
from evaluator.web.pages import FormErrors, arg_id, done, form_errors, get_or_404, page_user, render_form
from evaluator.workflow import RegionAct, RegionLevel, Status

MAX_ROWS = 2000


def candidates(actor, rnd: Round) -> list:
    """The city's applications that may be ranked (``vetting.quota.rankable``): recommended (by rank)
    first, then the others."""
    return rankable(actor, rnd, MAX_ROWS)


def posted_ranking(rows: list) -> list[int]:
    """The ids in the order of their rank numbers (``rank.<id>``; blank: not ranked); 422 naming the
    field of a number that is not a whole number from 1 or is given twice."""
    numbered: dict[int, int] = {}
    errors: dict[str, list[str]] = {}
    for app in rows:
        name = f"rank.{app.id}"
        raw = (request.form.get(name) or "").strip()
        if not raw:
            continue
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 5) or int(raw) < 1:
            errors[name] = [msg("A rank is a whole number from 1.")]
        elif int(raw) in numbered.values():
            errors[name] = [msg("Rank %(rank)s is given twice.", rank=int(raw))]
        else:
            numbered[app.id] = int(raw)
    if errors:
        raise ServiceError(422, msg("Some ranks need correcting: see the messages beside them."), errors)
    return sorted(numbered, key=numbered.get)


def _render(actor, rounds, rnd, errors: FormErrors | None = None):
    rows = candidates(actor, rnd) if rnd is not None else []
    checks = vetting.latest_checks([a.id for a in rows])
    settings = settings_of(rnd) if rnd is not None else None
    acts = {a.id: vetting.allowed_acts(actor, a, settings, checks.get(a.id)) for a in rows}
    return render_form(
        "vetting/ranking.html",
        errors,
        rounds=rounds,
        rnd=rnd,
        rows=rows,
        checks=checks,
        may_rank={a.id for a in rows if RegionAct.RECOMMEND in acts[a.id] or a.status == Status.RECOMMENDED},
        quota=quota_status(actor, rnd) if rnd is not None else None,
        values=request.form if errors else {},
    )


@bp.route("/ranking", methods=["GET", "POST"])
def ranking():
    """The city's ranking and quota in the chosen round; the form saves the ranking."""
    actor = page_user("vetting.list")
    if actor.region_level != RegionLevel.CITY:
        abort(403)
    rounds = region_rounds()
    rnd = chosen_round(rounds)
    if request.method == "POST":
        rnd = get_or_404(Round, arg_id("round", request.form))
        with form_errors() as errors:
            ids = posted_ranking(candidates(actor, rnd))
            recommend(actor, rnd, city_of(actor), ids)
            done(N_("The ranking was saved: %(n)s applications recommended."), n=len(ids))
            return redirect(url_for("region.ranking", round=rnd.id))
        return _render(actor, rounds, rnd, errors)  # the refusal rolled back: the rows are read again
    return _render(actor, rounds, rnd)
