"""The office's round pages: the list, a round with its criteria set, creating a round, editing
it while in preparation, and moving it to its next phase."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from flask_babel import gettext

from evaluator.criteria.overview import tree
from evaluator.formatting import parenthesised
from evaluator.i18n import criteria_text
from evaluator.messages import N_
from evaluator.rounds import service
from evaluator.rounds.models import Round
from evaluator.rounds.pages.forms import AdvanceForm, RoundForm, form_with_upload, local_input
from evaluator.rounds.phases import move_round
from evaluator.web.blueprints import office as bp
from evaluator.web.pages import (
    FormErrors,
    done,
    form_errors,
    get_or_404,
    load_form,
    page_user,
    posted_version,
    render_form,
)
from evaluator.workflow import PHASE_GATES, PHASE_LABELS, Phase, next_phase

# What entering each phase means, for the reader deciding to move a round on.
PHASE_MEANING = {
    Phase.OPEN: N_(
        "Applicants can create, fill in and submit their applications until the submission deadline."
    ),
    Phase.REVIEW: N_("Submissions close; expert reviewers score the submitted applications."),
    Phase.SCORING_CLOSED: N_("Reviewers can no longer change their scores; the results are computed."),
    Phase.NOTICE: N_("The ranked shortlist is published for public notice for the round's notice days."),
    Phase.FINAL: N_("The results become final; the round can no longer change."),
}


def _bundled_choices() -> list[tuple[str, str]]:
    return [(cs.id, set_name(cs)) for cs in service.bundled_sets()]


def set_name(cs: Any) -> str:
    """A criteria set as the office knows it: its title in the reader's language and its version."""
    return criteria_text(cs) + parenthesised(gettext("version %(version)s", version=cs.version))


def _round_values(rnd: Round) -> dict[str, Any]:
    return {
        "title": rnd.title,
        "criteria_id": rnd.criteria_id,
        "notice_days": rnd.notice_days,
        "version": rnd.version,
        **{k: local_input(getattr(rnd, k)) for k in service.DEADLINES},
    }


@bp.route("/rounds")
def rounds():
    """Every round, newest first."""
    page_user("round.edit")
    listed = service.rounds_newest_first()
    sets = {rnd.id: set_name(service.round_criteria(rnd)) for rnd in listed}
    return render_form("rounds/list.html", rounds=listed, sets=sets)


def _round_page(rnd: Round, errors: FormErrors | None = None, values: dict | None = None):
    to = next_phase(rnd.phase)
    return render_form(
        "rounds/show.html",
        errors,
        rnd=rnd,
        cs=service.round_criteria(rnd),
        nodes=tree(service.round_criteria(rnd)),
        to=to,
        gate=PHASE_GATES.get(to) if to else None,
        meaning=PHASE_MEANING.get(to) if to else None,
        values=values or {},
    )


@bp.route("/rounds/<int:round_id>", endpoint="round")
def show_round(round_id: int):
    """One round: its facts, its frozen criteria set, and the move to its next phase."""
    page_user("round.edit")
    return _round_page(get_or_404(Round, round_id))


@bp.route("/rounds/new", methods=["GET", "POST"])
def round_new():
    """Create a round from a bundled criteria set or an uploaded criteria file."""
    actor = page_user("round.create")
    values: dict[str, Any] = {"notice_days": 7}
    errors = FormErrors()
    if request.method == "POST":
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        with form_errors() as errors:
            data = load_form(RoundForm(), form_with_upload())
            cs = service.round_criteria_of(data.pop("criteria_id"), data.pop("criteria_yaml"))
            data.pop("version")
            rnd = service.create_round(actor, data.pop("title"), cs, **data)
            done(N_("Round '%(title)s' created in preparation."), title=rnd.title)
            return redirect(url_for("office.round", round_id=rnd.id), 303)
    return render_form("rounds/form.html", errors, values=values, rnd=None, choices=_bundled_choices())


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
def round_edit(round_id: int):
    """Change a round while it is in preparation; a stale form is refused, not applied."""
    rnd = get_or_404(Round, round_id)
    actor = page_user("round.edit", rnd)
    values = _round_values(rnd)
    errors = FormErrors()
    if request.method == "POST":
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        with form_errors() as errors:
            data = load_form(RoundForm(editing=True), form_with_upload())
            set_id, text = data.pop("criteria_id"), data.pop("criteria_yaml")
            if text is not None or (set_id is not None and set_id != rnd.criteria_id):
                data["criteria"] = service.round_criteria_of(set_id, text)
            data.pop("version")
            rnd = service.update_round(actor, rnd, data, posted_version())
            done(N_("Round '%(title)s' saved."), title=rnd.title)
            return redirect(url_for("office.round", round_id=rnd.id), 303)
    return render_form("rounds/form.html", errors, values=values, rnd=rnd, choices=_bundled_choices())


@bp.route("/rounds/<int:round_id>/advance", methods=["POST"])
def round_advance(round_id: int):
    """Move the round to its next phase, with a reason and a confirmation."""
    rnd = get_or_404(Round, round_id)
    actor = page_user("round.transition", rnd)
    with form_errors() as errors:
        data = load_form(AdvanceForm())
        rnd = move_round(actor, rnd, data["to"], data["reason"], posted_version())
        done(N_("The round is now in phase '%(phase)s'."), phase=PHASE_LABELS[Phase(rnd.phase)])
        return redirect(url_for("office.round", round_id=rnd.id), 303)
    # The refusal rolled back: the round is read again.
    return _round_page(rnd, errors, {k: v for k, v in request.form.items() if k != "csrf_token"})
