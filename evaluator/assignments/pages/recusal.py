"""The recusal form: a reviewer steps down from an assignment with a reason and a ticked
confirmation; a replacement is sought. The page names the application as the scoring sheet does
(in a blind round: its number and city only) and leads back to the sheet."""

from __future__ import annotations

from flask import current_app, redirect, request, url_for
from marshmallow import Schema, fields

from evaluator.assignments import manual
from evaluator.assignments.models import Assignment
from evaluator.messages import N_
from evaluator.reviews import sheet
from evaluator.validation import Text
from evaluator.web.blueprints import reviewer as bp
from evaluator.web.pages import FormErrors, done, form_errors, get_or_404, load_form, page_user, render_form

CONFIRM_REQUIRED = N_("Tick the box to confirm your recusal.")


class RecuseForm(Schema):
    """Why the reviewer recuses, and the confirmation."""

    reason = Text(required=True, min_length=1, max_length=1000)
    confirm = fields.Boolean(
        required=True,
        truthy={"1", "on", "yes"},
        falsy=set(),
        error_messages={"required": CONFIRM_REQUIRED, "invalid": CONFIRM_REQUIRED},
    )


def _page(row: Assignment, user, errors: FormErrors | None = None):
    app = row.application
    return render_form(
        "assignments/recuse.html",
        errors,
        row=row,
        form=request.form,
        applicant=sheet.identity(user, app),
        rnd=app.round,
        endpoints=_endpoints(),
    )


@bp.route("/assignments/<int:assignment_id>/recuse", methods=["GET", "POST"])
def recuse(assignment_id: int):
    """Show the recusal form; on POST recuse with the reason (and the confirmation ticked)."""
    row = get_or_404(Assignment, assignment_id)
    user = page_user("assignment.recuse", row)
    if request.method == "GET":
        return _page(row, user)
    with form_errors() as errors:
        data = load_form(RecuseForm())
        outcome = manual.recuse(user, row, data["reason"])
    if errors:
        return _page(row, user, errors)
    if outcome["replacement"] is None:
        done(N_("You recused from this assignment."))
    else:
        done(N_("You recused from this assignment; another reviewer takes it."))
    target = "reviewer.queue" if "reviewer.queue" in _endpoints() else "reviewer.profile_page"
    return redirect(url_for(target))


def _endpoints() -> set[str]:
    return set(current_app.view_functions)
