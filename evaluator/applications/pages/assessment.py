"""The self-assessment: for each scored indicator its description, effective points and how it is
checked; the applicant's own score (0 to the points) for those the experts score, saved with the
draft; for those calculated from the form's figures the rule and the points the figures earn now
(nothing to type). A running total adds both (``static/js/app.js`` keeps it as the scores are
typed; the page shows it without JavaScript too)."""

from __future__ import annotations

from flask import redirect, request, url_for

from evaluator.applications import autoscore, intake, service
from evaluator.applications import display as forms
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
    shown = values if values is not None else stored
    auto = autoscore.auto_scores(cs, app.figures or {})
    calculated = autoscore.auto_total(auto)
    own = sum(_score(shown.get(leaf.id), leaf.points) for leaf in cs.expert_leaves)
    bonus = {b.id: b.points for b in intake.claimable_bonus(cs)}
    chosen = claims if claims is not None else list(app.bonus_claims or [])
    return render_form(
        "applications/assessment.html",
        errors,
        application=app,
        rnd=app.round,
        cs=cs,
        sections=sections,
        values=shown,
        auto=auto,
        calculated=calculated,
        own=own,
        scale=cs.scale,
        claimed_bonus=min(sum(bonus.get(b, 0.0) for b in chosen), cs.bonus_cap),
        bonus_cap=cs.bonus_cap,
        editable=forms.editable(app),
        how_checked=forms.how_checked,
        method_label=forms.method_label,
        materials={m.key: m for m in cs.materials},
        points=show_number,
        plain=forms.plain,
        claimable=intake.claimable_bonus(cs),
        claims=chosen,
    )


def _score(value, points: float) -> float:
    """A self-score as the running total counts it: a number from 0 to the points, else nothing."""
    try:
        number = float(str(value).replace(",", "")) if value not in (None, "") else 0.0
    except ValueError:
        return 0.0
    return number if 0 <= number <= points else 0.0


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
            expert_scores(cs, intake.self_assessment_from_form(cs, request.form)),
            posted_version(),
            bonus_claims=claims,
        )
        done(N_("The self-assessment has been saved."))
        return redirect(url_for("applicant.assessment", application_id=app.id), 303)
    posted = {leaf.id: request.form.get(f"self_assessment.{leaf.id}") for leaf in cs.expert_leaves}
    return assessment_page(app, errors, posted, request.form.getlist("bonus_claims"))


def expert_scores(cs, scores: dict) -> dict:
    """The self-scores of the indicators the experts score: the others are calculated from the
    figures, and the page asks no score for them."""
    expert = {leaf.id for leaf in cs.expert_leaves}
    return {k: v for k, v in scores.items() if k in expert}
