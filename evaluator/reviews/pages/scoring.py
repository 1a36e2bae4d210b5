"""The scoring page of one assignment: the indicators of the scope grouped by section with bounds
and guidance, the application's figures and materials (PDF and images shown inline) beside them,
comments, veto flags with reasons, bonus verification, save as draft and submit.

Without JavaScript it is a plain form (POST, then a redirect). With it, ``static/js/review.js``
saves drafts automatically through ``…/autosave`` (the same service, the same version check: a
stale version is a 412 and the reviewer's input stays in the page).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from evaluator.accounts.policy import allowed
from evaluator.applications.display import figure_text
from evaluator.applications.models import Material
from evaluator.assignments.models import Assignment
from evaluator.core.versions import version_of
from evaluator.errors import ServiceError, envelope
from evaluator.i18n import criteria_text, language, localise
from evaluator.messages import N_, msg
from evaluator.reviews import service
from evaluator.reviews import sheet as reviews_sheet
from evaluator.web.blueprints import reviewer as bp
from evaluator.web.downloads import material_response
from evaluator.web.pages import (
    FormErrors,
    discard_writes,
    done,
    flatten,
    form_errors,
    get_or_404,
    page_user,
    posted_version,
    render_form,
)
from evaluator.workflow import ReviewStatus

CHECKS = {
    "materials": N_("materials"),
    "on_site": N_("on site"),
    "data": N_("the figures"),
    "survey": N_("survey"),
}


CONFIRM_SUBMIT = N_("Tick the box to confirm that you submit the review.")


def check_label(check: str) -> str:
    """How an indicator is checked, in words."""
    return gettext(CHECKS[check]) if check in CHECKS else check


def _assignment(assignment_id: int, action: str = "review.view") -> tuple[Any, Assignment]:
    page_user("assignment.list")
    assignment = get_or_404(Assignment, assignment_id)
    return page_user(action, assignment), assignment


def form_data(form: MultiDict, scope: service.Scope, status: str) -> dict[str, Any]:
    """The posted form as the service's review: blank scores are not scored; text that is not a
    number is passed on for the service to refuse by name."""
    scores: dict[str, Any] = {}
    comments: dict[str, str] = {"": form.get("overall_comment", "")}
    for leaf in scope.leaves:
        raw = form.get(f"scores.{leaf.id}", "").strip().replace("，", ".")
        if raw:
            try:
                scores[leaf.id] = float(raw)
            except ValueError:
                scores[leaf.id] = raw
        comments[leaf.id] = form.get(f"comments.{leaf.id}", "")
    vetoes = [
        {"flag": flag, "reason": form.get(f"veto_reason.{flag}", "")}
        for flag in scope.flags
        if form.get(f"veto.{flag}")
    ]
    bonus = {
        item: form.get(f"bonus.{item}") == "yes"
        for item in scope.claimed
        if form.get(f"bonus.{item}") in ("yes", "no")
    }
    return {
        "scores": scores,
        "comments": comments,
        "vetoes": vetoes,
        "bonus_verified": bonus,
        "status": status,
    }


def field_errors(errors: dict[str, Any], data: dict[str, Any]) -> dict[str, list]:
    """The service's errors under the form's field names."""
    flat = flatten(errors)
    out: dict[str, list] = {}
    for key, messages in flat.items():
        if key.startswith("vetoes."):
            _, index, _ = (key + "..").split(".", 2)
            vetoes = data.get("vetoes") or []
            if index.isascii() and index.isdigit() and len(index) <= 9 and int(index) < len(vetoes):
                key = f"veto_reason.{vetoes[int(index)]['flag']}"
        elif key == "comments.":
            key = "overall_comment"
        elif key.startswith("bonus_verified."):
            key = "bonus." + key.partition(".")[2]
        out.setdefault(key, []).extend(messages)
    return out


def entry_name(field: str, scope: service.Scope) -> str:
    """What a form field holds, in words: the indicator's score or comment, a veto's reason, a bonus
    item's verification, the overall comment."""
    kind, _, key = field.partition(".")
    leaves = {leaf.id: leaf for leaf in scope.leaves}
    vetoes = {v.flag: v for v in scope.criteria.vetoes if v.flag}
    bonus = scope.criteria.bonus_map
    if kind == "scores" and key in leaves:
        return gettext("%(name)s (score)", name=criteria_text(leaves[key]))
    if kind == "comments" and key in leaves:
        return gettext("%(name)s (comment)", name=criteria_text(leaves[key]))
    if kind == "veto_reason" and key in vetoes:
        veto = vetoes[key]
        reason = veto.reason_en if language() == "en" and veto.reason_en else veto.reason
        return gettext("Veto: %(reason)s", reason=reason)
    if kind == "bonus" and key in bonus:
        return gettext("%(name)s (verification)", name=criteria_text(bonus[key]))
    if field == "overall_comment":
        return gettext("Overall comment")
    return gettext("another entry")


def not_saved_message(fields: Mapping[str, Any], scope: service.Scope) -> str:
    """What a partial save of the draft left out, in a sentence naming each entry."""
    return str(
        localise(
            msg(
                "Draft saved, except: %(entries)s. Correct the marked entries; until then their "
                "last saved values are kept.",
                entries=[entry_name(f, scope) for f in fields],
            )
        )
    )


def check_confirmed(was_submitted: bool) -> None:
    """422 unless the reviewer ticked the confirmation (a review submitted before needs none)."""
    if not was_submitted and request.form.get("confirm") not in ("1", "on", "yes"):
        raise ServiceError(422, msg(CONFIRM_SUBMIT), {"confirm": [msg(CONFIRM_SUBMIT)]})


def values_of(review: Any, scope: service.Scope) -> dict[str, Any]:
    """The form's values from the stored review."""
    scores = service.scores_by_id(review, scope.criteria)
    comments = {} if review is None else review.comments or {}
    values: dict[str, Any] = {"overall_comment": comments.get("", "")}
    for leaf in scope.leaves:
        score = scores.get(leaf.id)
        values[f"scores.{leaf.id}"] = "" if score is None else f"{score:g}"
        values[f"comments.{leaf.id}"] = comments.get(leaf.id, "")
    for veto in [] if review is None else review.vetoes or []:
        values[f"veto.{veto['flag']}"] = True
        values[f"veto_reason.{veto['flag']}"] = veto["reason"]
    for item, ok in ({} if review is None else review.bonus_verified or {}).items():
        values[f"bonus.{item}"] = "yes" if ok else "no"
    return values


def _render(
    actor,
    assignment: Assignment,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    version: str | None = None,
):
    review = service.review_of(assignment)
    scope = service.scope_of(assignment)
    sheet = reviews_sheet.sheet(actor, assignment)
    rnd = assignment.application.round
    sections: list[tuple[str, list[dict[str, Any]]]] = []
    for row in sheet["indicators"]:
        if not sections or sections[-1][0] != row["section"]:
            sections.append((row["section"], []))
        sections[-1][1].append(row)
    scored, total = service.progress(review, scope)
    editable = allowed(actor, "review.save", assignment) and service.closed_reason(assignment, rnd) is None
    submitted = review is not None and review.status == ReviewStatus.SUBMITTED
    # A submitted review is not recused: the office removes the assignment (the service's rule).
    recuse = "reviewer.recuse" in current_app.view_functions and editable and not submitted
    fields_ = scope.criteria.field_map

    def figure_value(row: dict[str, Any]) -> str:
        found = fields_.get(row["key"])
        return figure_text(found, row["value"]) if found is not None else str(row["value"])

    return render_form(
        "reviews/score.html",
        errors,
        assignment=assignment,
        sheet=sheet,
        review=review,
        sections=sections,
        values=values if values is not None else values_of(review, scope),
        version=version if version is not None else version_of(review),
        scored=scored,
        total=total,
        editable=editable,
        recuse=recuse,
        submitted=submitted,
        check_label=check_label,
        figure_value=figure_value,
    )


@bp.route("/assignments/<int:assignment_id>")
def score(assignment_id: int):
    """The scoring page (the reviewer's own assignment; the office may look, read-only)."""
    actor, assignment = _assignment(assignment_id)
    return _render(actor, assignment)


@bp.route("/assignments/<int:assignment_id>", methods=["POST"])
def score_post(assignment_id: int):
    """Save the form: as a draft (entry by entry: what is valid is saved, the rest is shown with its
    problems), or submitted (``action=submit``, with the confirmation ticked: whole or nothing)."""
    actor, assignment = _assignment(assignment_id, "review.save")
    scope = service.scope_of(assignment)
    submit = request.form.get("action") == "submit"
    status = ReviewStatus.SUBMITTED.value if submit else ReviewStatus.DRAFT.value
    data = form_data(request.form, scope, status)
    posted = {
        k: v for k, v in request.form.items() if k not in ("csrf_token", "version", "action", "confirm")
    }
    posted.setdefault("overall_comment", "")
    with form_errors() as errors:
        if not submit:
            review, _, rejected = service.save_review_partial(actor, assignment, data, posted_version())
            if rejected:
                shown = FormErrors(field_errors(rejected, data))
                shown.message = not_saved_message(shown, scope)
                body, _ = _render(actor, assignment, shown, posted, version_of(review))
                return body, 200  # the valid part is saved: the request commits
            done(N_("Draft saved."))
            return redirect(url_for("reviewer.score", assignment_id=assignment.id))
        current = service.review_of(assignment)
        was_submitted = current is not None and current.status == ReviewStatus.SUBMITTED
        service.save_review(actor, assignment, data, posted_version())
        # Checked after the save, so that the refusal also names every gap of the review.
        check_confirmed(was_submitted)
        done(N_("Review submitted."))
        return redirect(url_for("reviewer.score", assignment_id=assignment.id))
    fields_ = field_errors(dict(errors), data)
    errors.clear()
    errors.update(fields_)
    # The refusal rolled back: the assignment and its review are read again.
    return _render(actor, assignment, errors, posted, request.form.get("version", ""))


@bp.route("/assignments/<int:assignment_id>/autosave", methods=["POST"])
def autosave(assignment_id: int):
    """Save the form as it is (JSON answer): the review keeps its status; a draft is saved entry by
    entry, and the entries not saved are named by field with their problems; 412 on a stale version."""
    try:
        actor, assignment = _assignment(assignment_id, "review.save")
        scope = service.scope_of(assignment)
        current = service.review_of(assignment)
        status = current.status if current is not None else ReviewStatus.DRAFT.value
        data = form_data(request.form, scope, status)
        try:
            review, _, rejected = service.save_review_partial(actor, assignment, data, posted_version())
        except ServiceError as exc:
            exc.errors = field_errors(exc.errors or {}, data) if exc.errors else exc.errors
            raise
        scored, total = service.progress(review, scope)
        saved = review.updated_at.isoformat() if review.updated_at else None
        not_saved = field_errors(rejected, data)
        answer = {
            "version": review.version,
            "status": review.status,
            "scored": scored,
            "total": total,
            "saved_at": saved,
            "not_saved": localise(not_saved),
        }
        if not_saved:
            answer["message"] = not_saved_message(not_saved, scope)
        return jsonify(answer)
    except ServiceError as exc:
        discard_writes()
        return envelope(exc.status, str(localise(exc.message)), localise(exc.errors))


@bp.route("/assignments/<int:assignment_id>/materials/<int:material_id>")
def material_inline(assignment_id: int, material_id: int):
    """A material of the assignment's application shown inline (PDF, images; others download)."""
    actor, assignment = _assignment(assignment_id)
    material = get_or_404(Material, material_id)
    if material.application_id != assignment.application_id:
        abort(404)
    page_user("material.inline", material)
    names = {
        m["id"]: m["name"]
        for m in reviews_sheet.materials_of(actor, assignment.application, service.scope_of(assignment))
    }
    return material_response(material, inline=True, filename=names.get(material.id))
