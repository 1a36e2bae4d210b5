"""The application form: the round's figures, grouped, saved as a draft as often as needed; after
submission (or once the round no longer takes changes) the same address shows the application
read-only."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for

from evaluator.applications import display as forms
from evaluator.applications import intake, service
from evaluator.applications.models import Application
from evaluator.cohort_runs import service as cohorts
from evaluator.dossiers import service as dossiers
from evaluator.messages import N_
from evaluator.rounds.service import round_criteria
from evaluator.shortlists import service as shortlists
from evaluator.vetting import progress
from evaluator.web.blueprints import applicant as bp
from evaluator.web.pages import (
    FormErrors,
    done,
    form_errors,
    get_or_404,
    page_user,
    posted_version,
    render_form,
)
from evaluator.workflow import Phase, Status


def load(application_id: int, action: str) -> tuple[Any, Application]:
    """The application by id (404) and the signed-in user allowed the action on it (403)."""
    app = get_or_404(Application, application_id)
    return page_user(action, app), app


def form_page(app: Application, errors: FormErrors | None = None, values: dict | None = None):
    """The form (values: the posted ones after a refusal, else the stored figures)."""
    cs = round_criteria(app.round)
    return render_form(
        "applications/form.html",
        errors,
        application=app,
        rnd=app.round,
        cs=cs,
        groups=forms.field_groups(cs),
        control=forms.control,
        values=values if values is not None else forms.form_values(cs, app.figures or {}),
        warnings=forms.warnings_by_field(cs, app.figures or {}),
        missing=intake.missing_required(cs, app.figures or {}),
    )


def view_page(app: Application, errors: FormErrors | None = None):
    """The application read-only: where it stands (``vetting.progress``), status, figures with labels
    and units, self-assessment with the bonus items claimed, materials."""
    cs = round_criteria(app.round)
    materials = sorted(app.materials, key=lambda m: m.id)
    bonus = cs.bonus_map
    return render_form(
        "applications/view.html",
        errors,
        application=app,
        rnd=app.round,
        cs=cs,
        groups=forms.field_groups(cs),
        figure_text=forms.figure_text,
        materials=materials,
        warnings=forms.warnings_by_field(cs, app.figures or {}),
        can_withdraw=app.status == Status.SUBMITTED and app.round.phase == Phase.OPEN,
        stages=progress.progress(app) if app.status != Status.DRAFT else [],
        outcome=shortlists.outcome_of(app.id, app.round_id),
        dossier=dossiers.standing(app.id) if app.status == Status.RECOGNISED else None,
        claims=[bonus[b] for b in (app.bonus_claims or []) if b in bonus],
        cohort=cohorts.current_cohorts(app.round_id).get(app.id) if app.status != Status.DRAFT else None,
    )


@bp.route("/applications/<int:application_id>")
def application(application_id: int):
    """The form while the application is an editable draft, else the read-only view."""
    _, app = load(application_id, "application.view")
    return form_page(app) if forms.editable(app) else view_page(app)


@bp.route("/applications/<int:application_id>", methods=["POST"])
def save(application_id: int):
    """Save the draft's figures (partial is fine; a blank entry removes the figure)."""
    user, app = load(application_id, "application.edit")
    cs = round_criteria(app.round)
    with form_errors() as errors:
        service.update_application(
            user, app, intake.figures_from_form(cs, request.form), None, posted_version()
        )
        done(N_("The draft has been saved."))
        target = "applicant.submission" if request.form.get("next") == "submit" else "applicant.application"
        return redirect(url_for(target, application_id=app.id), 303)
    return form_page(app, errors, forms.posted_values(cs, request.form))
