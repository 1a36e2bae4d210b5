"""An applicant's declared conflicts with reviewers of the roster, for their application's round (the
page is linked from the application's page); the office decides them on its assignment page."""

from __future__ import annotations

from flask import redirect, request, url_for
from marshmallow import Schema, fields, validate

from evaluator.accounts.service import find_user
from evaluator.applications.models import Application
from evaluator.assignments import declarations, declared
from evaluator.messages import N_
from evaluator.validation import MAX_ID, Text
from evaluator.web.blueprints import applicant
from evaluator.web.pages import (
    FormErrors,
    done,
    form_errors,
    get_or_404,
    load_form,
    page_user,
    render_form,
)


class ApplicantConflictForm(Schema):
    """An applicant's declaration: the reviewer and the reason."""

    reviewer_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    reason = Text(required=True, min_length=1, max_length=1000, multiline=True)


def _applicant_page(app: Application, errors: FormErrors | None = None):
    user = page_user("conflict.roster")
    rnd = app.round
    can_declare = (
        rnd.phase in declarations.DECLARE_PHASES and declarations.applicant_application(user, rnd) is not None
    )
    return render_form(
        "assignments/applicant_conflicts.html",
        errors,
        application=app,
        rnd=rnd,
        conflicts=declared.own_declarations(user, rnd),
        roster=declared.roster_for(user, rnd) if can_declare else [],
        limit=declarations.limit_of(rnd),
        form=request.form,
    )


@applicant.route("/applications/<int:application_id>/conflicts", methods=["GET", "POST"])
def application_conflicts(application_id: int):
    """The applicant's declared conflicts with reviewers for the application's round, and the form
    to declare one (a reviewer of the roster, named with their affiliation, and the reason)."""
    app = get_or_404(Application, application_id)
    user = page_user("application.edit", app)  # the applicant's own organisation's application
    if request.method == "GET":
        return _applicant_page(app)
    page_user("conflict.declare")
    with form_errors() as errors:
        data = load_form(ApplicantConflictForm())
        declarations.declare_by_applicant(user, app.round, find_user(data["reviewer_id"]), data["reason"])
    if errors:
        return _applicant_page(app, errors)
    done(N_("Your declaration was recorded; it applies once the office accepts it."))
    return redirect(url_for("applicant.application_conflicts", application_id=app.id), 303)
