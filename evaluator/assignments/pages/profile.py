"""A reviewer's profile page: expertise by section for the open and reviewing rounds' criteria, the
affiliation (kept by the office), and the conflicts of interest the reviewer declared."""

from __future__ import annotations

from flask import redirect, request, url_for
from marshmallow import Schema, fields, validate

from evaluator.applications.service import find_application
from evaluator.assignments import profile
from evaluator.errors import ServiceError
from evaluator.messages import N_, msg
from evaluator.validation import MAX_ID, Text
from evaluator.web.blueprints import reviewer as bp
from evaluator.web.pages import FormErrors, done, form_errors, load_form, page_user, render_form


class ConflictForm(Schema):
    """A declared conflict."""

    application_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    reason = Text(required=True, min_length=1, max_length=1000)


def _page(user, errors: FormErrors | None = None):
    rounds = profile.profile_rounds()
    choices = {r.id: profile.conflict_choices(r, user) for r in rounds}
    return render_form(
        "assignments/profile.html",
        errors,
        user=user,
        sections=profile.round_sections(rounds),
        chosen=set(user.expertise or []),
        conflicts=profile.declared_conflicts(user),
        declarable=choices,
        rounds=rounds,
        form=request.form,
    )


@bp.route("/profile")
def profile_page():
    """The reviewer's expertise, affiliation and declared conflicts."""
    user = page_user("reviewer.profile")
    page_user("conflict.declare")
    return _page(user)


@bp.route("/profile/expertise", methods=["POST"])
def profile_expertise():
    """Save the sections the reviewer is expert in."""
    user = page_user("conflict.declare")
    page_user("reviewer.profile", user)
    with form_errors() as errors:
        profile.set_profile(user, user, request.form.getlist("expertise"))
    if errors:
        return _page(user, errors)
    done(N_("Your expertise was saved."))
    return redirect(url_for("reviewer.profile_page"))


@bp.route("/profile/conflicts", methods=["POST"])
def profile_conflict():
    """Declare a conflict of interest with an application."""
    user = page_user("conflict.declare")
    with form_errors() as errors:
        data = load_form(ConflictForm())
        application = find_application(data["application_id"])
        if application is None:
            raise ServiceError(422, msg("Choose an application."), {"application_id": [msg("unknown")]})
        profile.declare_conflict(user, application, data["reason"])
    if errors:
        return _page(user, errors)
    done(N_("Your conflict of interest was recorded: you will not be assigned to this application."))
    return redirect(url_for("reviewer.profile_page"))
