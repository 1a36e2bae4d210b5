"""The recusal form: a reviewer steps down from an assignment with a reason; a replacement is sought."""

from __future__ import annotations

from flask import redirect, request, url_for
from marshmallow import Schema

from evaluator.assignments import manual
from evaluator.assignments.models import Assignment
from evaluator.messages import N_
from evaluator.validation import Text
from evaluator.web.blueprints import reviewer as bp
from evaluator.web.pages import FormErrors, done, form_errors, get_or_404, load_form, page_user, render_form


class RecuseForm(Schema):
    """Why the reviewer recuses."""

    reason = Text(required=True, min_length=1, max_length=1000)


def _page(row: Assignment, errors: FormErrors | None = None):
    return render_form("assignments/recuse.html", errors, row=row, form=request.form)


@bp.route("/assignments/<int:assignment_id>/recuse", methods=["GET", "POST"])
def recuse(assignment_id: int):
    """Show the recusal form; on POST recuse with the reason."""
    row = get_or_404(Assignment, assignment_id)
    user = page_user("assignment.recuse", row)
    if request.method == "GET":
        return _page(row)
    with form_errors() as errors:
        data = load_form(RecuseForm())
        outcome = manual.recuse(user, row, data["reason"])
    if errors:
        return _page(row, errors)
    if outcome["replacement"] is None:
        done(N_("You recused from this assignment."))
    else:
        done(N_("You recused from this assignment; another reviewer takes it."))
    target = "reviewer.queue" if "reviewer.queue" in _endpoints() else "reviewer.profile_page"
    return redirect(url_for(target))


def _endpoints() -> set[str]:
    from flask import current_app

    return set(current_app.view_functions)
