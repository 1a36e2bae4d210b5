"""The applicant's start page: the organisation, the rounds it may apply to, its applications."""

from __future__ import annotations

from flask import redirect, url_for

from evaluator.applications import service
from evaluator.messages import N_
from evaluator.rounds.models import Round
from evaluator.web.blueprints import applicant as bp
from evaluator.web.pages import done, form_errors, get_or_404, page_user, render_form


def _home(errors=None):
    user = page_user("application.create")
    org = user.organisation
    mine = service.organisation_applications(org.id)
    by_round = {a.round_id: a for a in mine}
    return render_form(
        "applications/home.html",
        errors,
        organisation=org,
        open_rounds=service.open_rounds_for(org),
        by_round=by_round,
        applications=mine,
    )


@bp.route("/")
def home():
    """The organisation, the open rounds of its kind with their deadlines, and its applications."""
    return _home()


@bp.route("/rounds/<int:round_id>/start", methods=["POST"])
def start(round_id: int):
    """Start the organisation's (empty) draft application in an open round."""
    user = page_user("application.create")
    rnd = get_or_404(Round, round_id)
    with form_errors() as errors:
        app = service.create_application(user, rnd, {}, {})
        done(N_("Your application has been started: fill in the form and save it as often as you like."))
        return redirect(url_for("applicant.application", application_id=app.id), 303)
    return _home(errors)
