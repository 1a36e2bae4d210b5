"""Submitting an application: a summary of what is still missing first, then the submission;
and withdrawing a submitted application while its round is open."""

from __future__ import annotations

from flask import redirect, url_for

from evaluator.applications import display as forms
from evaluator.applications import service
from evaluator.applications.models import Application
from evaluator.applications.pages.applicant import load, view_page
from evaluator.messages import N_
from evaluator.vetting import progress
from evaluator.web.blueprints import applicant as bp
from evaluator.web.pages import FormErrors, done, form_errors, render_form


def submission_page(app: Application, errors: FormErrors | None = None):
    """The summary before submitting: missing required figures and evidence, the submit button."""
    return render_form(
        "applications/submit.html",
        errors,
        application=app,
        rnd=app.round,
        ready=service.readiness(app),
        editable=forms.editable(app),
    )


@bp.route("/applications/<int:application_id>/submit")
def submission(application_id: int):
    """What is still missing, and the button to submit once nothing required is."""
    _, app = load(application_id, "application.view")
    return submission_page(app)


@bp.route("/applications/<int:application_id>/submit", methods=["POST"])
def submit(application_id: int):
    """Submit the draft (the service refuses an incomplete form, after the deadline, ...)."""
    user, app = load(application_id, "application.submit")
    with form_errors() as errors:
        service.submit(user, app)
        done(progress.submitted_message(app))  # who deals with it next: its county or city office
        return redirect(url_for("applicant.application", application_id=app.id), 303)
    return submission_page(app, errors)


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
def withdraw(application_id: int):
    """Withdraw a submitted application (final in this round)."""
    user, app = load(application_id, "application.withdraw")
    with form_errors() as errors:
        service.withdraw(user, app)
        done(N_("The application has been withdrawn."))
        return redirect(url_for("applicant.application", application_id=app.id), 303)
    return view_page(app, errors)
