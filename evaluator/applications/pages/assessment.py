"""The self-assessment: for each scored indicator its description, effective points and how it is
checked, and the applicant's own score (0 to the points), saved with the draft."""

from __future__ import annotations

from flask import redirect, request, url_for

from evaluator.applications import display as forms
from evaluator.applications import intake, service
from evaluator.applications.models import Application
from evaluator.applications.pages.applicant import load
from evaluator.formatting import show_number
from evaluator.messages import N_
from evaluator.rounds.service import round_criteria
from evaluator.web.blueprints import applicant as bp
from evaluator.web.pages import FormErrors, done, form_errors, posted_version, render_form


def assessment_page(
    app: Application, errors: FormErrors | None = None, values: dict | None = None, claims: list | None = None
):
    """The self-assessment form (values: the posted ones after a refusal, else the stored scores),
    with the bonus items the applicant may claim (those without a condition on the figures)."""
    cs = round_criteria(app.round)
    stored = {k: forms.plain(v) for k, v in (app.self_assessment or {}).items() if v is not None}
    sections = [(section, [n for n in section.walk() if n.is_leaf]) for section in cs.indicators]
    return render_form(
        "applications/assessment.html",
        errors,
        application=app,
        rnd=app.round,
        cs=cs,
        sections=sections,
        values=values if values is not None else stored,
        editable=forms.editable(app),
        how_checked=forms.how_checked,
        method_label=forms.method_label,
        materials={m.key: m for m in cs.materials},
        points=show_number,
        plain=forms.plain,
        claimable=intake.claimable_bonus(cs),
        claims=claims if claims is not None else list(app.bonus_claims or []),
    )


@bp.route("/applications/<int:application_id>/self-assessment")
def assessment(application_id: int):
    """Each indicator with its points and how it is checked, and the applicant's own score."""
    _, app = load(application_id, "application.view")
    return assessment_page(app)


@bp.route("/applications/<int:application_id>/self-assessment", methods=["POST"])
def save_assessment(application_id: int):
    """Save the self-assessed scores (a blank clears one)."""
    user, app = load(application_id, "application.edit")
    cs = round_criteria(app.round)
    with form_errors() as errors:
        claims = request.form.getlist("bonus_claims") if request.form.get("bonus_claims_shown") else None
        service.update_application(
            user,
            app,
            None,
            intake.self_assessment_from_form(cs, request.form),
            posted_version(),
            bonus_claims=claims,
        )
        done(N_("The self-assessment has been saved."))
        return redirect(url_for("applicant.assessment", application_id=app.id), 303)
    posted = {leaf.id: request.form.get(f"self_assessment.{leaf.id}") for leaf in cs.leaves}
    return assessment_page(app, errors, posted, request.form.getlist("bonus_claims"))
