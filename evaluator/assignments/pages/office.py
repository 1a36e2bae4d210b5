"""The office's assignment pages for a round: the panels of its applications (50 a page), the
reviewers' loads, the automatic run with its report, the declared conflicts to accept or refuse, and
one application's panel with the reviewers its conflict rules exclude, the manual add (with an
override reason) and removals."""

from __future__ import annotations

import math

from flask import abort, redirect, request, url_for
from flask_babel import gettext
from marshmallow import Schema, fields, validate

from evaluator.accounts.affiliation import KINDS, county_choices, picker_values, posted_affiliation
from evaluator.accounts.models import User
from evaluator.accounts.service import find_user, organisation_choices
from evaluator.applications.models import Application
from evaluator.assignments import conflicts, declarations, declared, manual, profile, service
from evaluator.assignments.models import Assignment, ConflictDeclaration
from evaluator.core.paging import page_rows
from evaluator.i18n import localise
from evaluator.messages import N_
from evaluator.rounds.models import Round
from evaluator.rounds.service import find_round, round_criteria
from evaluator.rounds.settings import settings_of
from evaluator.validation import MAX_ID, Text
from evaluator.web.blueprints import office as bp
from evaluator.web.pages import (
    FormErrors,
    done,
    form_errors,
    get_or_404,
    load_form,
    page_number,
    page_user,
    posted_version,
    render_form,
)
from evaluator.workflow import (
    ASSIGNMENT_STATUS_LABELS,
    REVIEW_PHASES,
    AssignmentKind,
    AssignmentStatus,
    ConflictStatus,
    Role,
    Status,
)

PAGE_SIZE = 50


class AutoForm(Schema):
    """The automatic run's form."""

    seed = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))
    kind = fields.String(
        load_default=AssignmentKind.MATERIALS.value,
        validate=validate.OneOf([k.value for k in AssignmentKind]),
    )


class AddForm(Schema):
    """The manual add's form."""

    reviewer_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    kind = fields.String(
        load_default=AssignmentKind.MATERIALS.value,
        validate=validate.OneOf([k.value for k in AssignmentKind]),
    )
    override_reason = Text(load_default=None, max_length=1000)


class ReasonForm(Schema):
    """A removal's reason."""

    reason = Text(required=True, min_length=1, max_length=1000)


class DecisionForm(Schema):
    """The office's decision on one declared conflict (its hidden version rides along)."""

    decision = fields.String(
        required=True, validate=validate.OneOf([ConflictStatus.ACCEPTED.value, ConflictStatus.REFUSED.value])
    )
    reason = Text(required=True, min_length=1, max_length=1000, multiline=True)
    organisation_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    version = fields.String()


def _overview(
    rnd: Round, errors: FormErrors | None = None, report: dict | None = None, failed: int | None = None
):
    kind = (
        request.values.get("kind")
        if request.values.get("kind") in tuple(AssignmentKind)
        else AssignmentKind.MATERIALS.value
    )
    apps, total, page = page_rows(service.in_review_query(rnd), page_number(), PAGE_SIZE)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    panels = service.active_panels([a.id for a in apps], kind)
    loads = service.reviewer_loads(rnd, kind)
    reviewers = service.active_reviewers()
    settings = settings_of(rnd)
    cap = conflicts.round_cap(rnd, kind)
    return render_form(
        "assignments/overview.html",
        errors,
        rnd=rnd,
        apps=apps,
        panels=panels,
        page=page,
        pages=pages,
        total=total,
        kind=kind,
        loads=loads,
        reviewers=reviewers,
        cap=cap,
        need=service.panel_size(settings, kind),
        settings=settings,
        report=report,
        sections={s.id: s for s in round_criteria(rnd).indicators},
        in_review=rnd.phase in REVIEW_PHASES,
        declared=declared.round_facts(rnd),
        deciding=rnd.phase in declarations.DECLARE_PHASES,
        failed=failed,
    )


@bp.route("/rounds/<int:round_id>/assignments")
def assignments(round_id: int):
    """The round's panels (50 applications a page), the reviewers' loads and the automatic run."""
    page_user("assignment.manage")
    return _overview(get_or_404(Round, round_id))


@bp.route("/rounds/<int:round_id>/assignments/auto", methods=["POST"])
def assignments_auto(round_id: int):
    """Run the automatic assignment and show its report (coverage, what could not be covered)."""
    actor = page_user("assignment.auto")
    rnd = get_or_404(Round, round_id)
    report = None
    with form_errors() as errors:
        data = load_form(AutoForm())
        report = service.auto_assign(actor, rnd, seed=data["seed"], kind=data["kind"])
        for item in report["uncovered"]:
            item["reason"] = localise(item["reason"])
    if errors:
        return _overview(rnd, errors)
    return _overview(rnd, None, report)


@bp.route("/conflicts/<int:declaration_id>/decision", methods=["POST"])
def conflict_decision(declaration_id: int):
    """Accept or refuse a declared conflict, with a reason; back to the round's assignment page."""
    actor = page_user("conflict.decide")
    row = get_or_404(ConflictDeclaration, declaration_id)
    with form_errors() as errors:
        data = load_form(DecisionForm())
        declarations.decide(
            actor,
            row,
            data["decision"],
            data["reason"],
            posted_version(),
            organisation_id=data["organisation_id"],
        )
    if errors:
        return _overview(find_round(row.round_id), errors, failed=row.id)
    done(N_("The decision was recorded."))
    return redirect(url_for("office.assignments", round_id=row.round_id) + "#declarations", 303)


def _panel_page(rnd: Round, application: Application, errors: FormErrors | None = None, form=None):
    kind = (
        (form or request.values).get("kind")
        if (form or request.values).get("kind") in tuple(AssignmentKind)
        else AssignmentKind.MATERIALS.value
    )
    rows = conflicts.panel_rows(application.id, kind)
    excluded = (
        conflicts.application_conflicts(rnd, application.id)
        if application.status == Status.UNDER_REVIEW
        else {}
    )
    loads = service.reviewer_loads(rnd, kind)
    on_panel = {r.reviewer_id for r in rows if r.status == AssignmentStatus.ACTIVE}
    reviewers = [u for u in service.active_reviewers() if u.id not in on_panel]
    return render_form(
        "assignments/panel.html",
        errors,
        rnd=rnd,
        app=application,
        rows=rows,
        kind=kind,
        excluded=excluded,
        loads=loads,
        reviewers=reviewers,
        form=form or {},
        rule_labels=conflicts.RULE_LABELS,
        status_labels=ASSIGNMENT_STATUS_LABELS,
        in_review=rnd.phase in REVIEW_PHASES,
        need=service.panel_size(settings_of(rnd), kind),
    )


def _application(rnd: Round, application_id: int) -> Application:
    application = get_or_404(Application, application_id)
    if application.round_id != rnd.id:
        abort(404)
    return application


@bp.route("/rounds/<int:round_id>/assignments/applications/<int:application_id>")
def assignment_panel(round_id: int, application_id: int):
    """One application's panel: who is on it, who was, who its conflict rules exclude and why."""
    page_user("assignment.manage")
    rnd = get_or_404(Round, round_id)
    return _panel_page(rnd, _application(rnd, application_id))


@bp.route("/rounds/<int:round_id>/assignments/applications/<int:application_id>/add", methods=["POST"])
def assignment_add(round_id: int, application_id: int):
    """Put a reviewer on the panel; a conflict is shown and needs an override reason."""
    actor = page_user("assignment.manage")
    rnd = get_or_404(Round, round_id)
    application = _application(rnd, application_id)
    with form_errors() as errors:
        data = load_form(AddForm())
        manual.add(
            actor,
            rnd,
            application,
            find_user(data["reviewer_id"]),
            kind=data["kind"],
            override_reason=data["override_reason"],
        )
    if errors:
        return _panel_page(rnd, application, errors, request.form)
    done(N_("The reviewer was added to the panel."))
    return redirect(
        url_for("office.assignment_panel", round_id=rnd.id, application_id=application.id, kind=data["kind"])
    )


@bp.route("/assignments/<int:assignment_id>/remove", methods=["POST"])
def assignment_remove(assignment_id: int):
    """Take a reviewer off a panel, with a reason."""
    actor = page_user("assignment.manage")
    row = get_or_404(Assignment, assignment_id)
    rnd, application = find_round(row.round_id), row.application
    with form_errors() as errors:
        data = load_form(ReasonForm())
        manual.remove(actor, row, data["reason"])
    if errors:
        return _panel_page(rnd, application, errors, {"kind": row.kind})
    done(N_("The reviewer was removed from the panel."))
    return redirect(
        url_for("office.assignment_panel", round_id=rnd.id, application_id=application.id, kind=row.kind)
    )


@bp.route("/assignments/reviewers/<int:user_id>", methods=["GET", "POST"])
def assignment_reviewer(user_id: int):
    """A reviewer's expertise and affiliation, kept by the office, with their declared conflicts."""
    actor = page_user("assignment.manage")
    user = get_or_404(User, user_id)
    page_user("reviewer.profile", user)
    if user.role != Role.REVIEWER:
        abort(404)
    errors = None
    values = picker_values(user.affiliation)
    if request.method == "POST":
        values = dict(request.form)
        with form_errors() as errors:
            profile.set_profile(
                actor,
                user,
                request.form.getlist("expertise"),
                affiliation=posted_affiliation(request.form),
            )
        if not errors:
            done(N_("The reviewer's profile was saved."))
            return redirect(url_for("office.assignment_reviewer", user_id=user.id))
        if "affiliation" in errors:  # the stored text's own rules: the typed name is the one to correct
            errors.setdefault("affiliation.name", []).extend(errors.pop("affiliation"))
    return render_form(
        "assignments/reviewer.html",
        errors,
        user=user,
        sections=profile.round_sections(),
        chosen=set(request.form.getlist("expertise") if request.method == "POST" else user.expertise or []),
        conflicts=declared.reviewer_declarations(user),
        values=values,
        affiliation_kinds=[(kind, gettext(label)) for kind, label in KINDS.items()],
        affiliation_counties=county_choices(values.get("affiliation.county")),
        affiliation_organisations=[(o.id, o.name) for o in organisation_choices(None, 2000)],
    )
