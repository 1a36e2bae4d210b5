"""A reviewer's profile page: expertise by section for the open and reviewing rounds' criteria, the
affiliation (kept by the office), and the conflicts of interest the reviewer declared — against
organisations they name themselves, so that the page shows nothing of who applied."""

from __future__ import annotations

from flask import redirect, request, url_for
from marshmallow import Schema, fields, validate

from evaluator.assignments import declarations, declared, profile
from evaluator.errors import ServiceError
from evaluator.messages import N_, msg
from evaluator.rounds.service import find_round
from evaluator.validation import MAX_ID, Text
from evaluator.web.blueprints import reviewer as bp
from evaluator.web.pages import FormErrors, done, form_errors, load_form, page_user, render_form


class ConflictForm(Schema):
    """A declared conflict: the round, the organisation as the reviewer knows it, the reason."""

    round_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    organisation = Text(required=True, min_length=1, max_length=200)
    reason = Text(required=True, min_length=1, max_length=1000, multiline=True)


def _page(user, errors: FormErrors | None = None):
    rounds = profile.profile_rounds()
    open_rounds = declarations.declaring_rounds()
    return render_form(
        "assignments/profile.html",
        errors,
        user=user,
        sections=profile.round_sections(rounds),
        chosen=set(user.expertise or []),
        conflicts=declared.own_declarations(user),
        rounds=open_rounds,
        limits={r.id: declarations.limit_of(r) for r in open_rounds},
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
    """Declare a conflict of interest with an organisation, for a round."""
    user = page_user("conflict.declare")
    page_user("reviewer.profile", user)
    with form_errors() as errors:
        data = load_form(ConflictForm())
        rnd = find_round(data["round_id"])
        if rnd is None:
            raise ServiceError(422, msg("Choose a round."), {"round_id": [msg("unknown")]})
        declarations.declare_by_reviewer(user, rnd, data["organisation"], data["reason"])
    if errors:
        return _page(user, errors)
    done(N_("Your declaration was recorded; it applies once the office accepts it."))
    return redirect(url_for("reviewer.profile_page"))
