"""Applications: create, edit, submit and withdraw, each change audited with what changed.

Status machine (this part of it): ``draft → submitted → withdrawn``. Later statuses
(``under_review`` onward) belong to the review and results operations.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.models import Application, Organisation, Round, User
from evaluator.models.base import as_aware, utcnow
from evaluator.services import audit, intake
from evaluator.services.intake import KIND_NAMES, ZONE_KINDS
from evaluator.services.rounds import round_criteria


def require_open(rnd: Round, doing: str) -> None:
    """409 unless the round takes applications now."""
    if rnd.phase != "open":
        raise ServiceError(409, f"Round '{rnd.title}' is in phase '{rnd.phase}', not open: applications "
                           f"can be {doing} only while it is open.")


def require_before_deadline(rnd: Round, doing: str) -> None:
    """409 once the round's submission deadline has passed."""
    if rnd.submission_deadline is not None and utcnow() >= as_aware(rnd.submission_deadline):
        raise ServiceError(409, f"The submission deadline ({as_aware(rnd.submission_deadline).isoformat()}) "
                           f"has passed: applications can no longer be {doing}.")


def require_open_draft(app: Application, doing: str) -> None:
    """409 unless the application is a draft in a round that is open and before its deadline."""
    require_open(app.round, doing)
    require_before_deadline(app.round, doing)
    if app.status != "draft":
        raise ServiceError(409, f"Only a draft can be {doing}; this application is {app.status}.")


def require_kind(rnd: Round, org: Organisation) -> None:
    """422 when the organisation is not the kind of unit this round's zone type is for."""
    kind = ZONE_KINDS.get(rnd.zone_type)
    if kind is not None and org.kind != kind:
        raise ServiceError(422, f"This round is for {KIND_NAMES[kind]} applicants; {org.name} is "
                           f"registered as a {KIND_NAMES.get(org.kind, org.kind)}.")


def diff(prefix: str, before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What changed between two mappings, as ``{"prefix.key": {"before": …, "after": …}}``."""
    return {f"{prefix}.{k}": {"before": before.get(k), "after": after.get(k)}
            for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def existing_application(rnd: Round, org_id: int) -> Application | None:
    """The organisation's application in the round, if any."""
    return db.session.scalar(select(Application).where(Application.round_id == rnd.id,
                                                       Application.organisation_id == org_id))


def create_application(actor: User, rnd: Round, figures: dict, self_assessment: dict) -> Application:
    """A draft application of the actor's organisation (one per organisation per round)."""
    require_open(rnd, "created")
    require_before_deadline(rnd, "created")
    org = db.session.get(Organisation, actor.organisation_id)
    require_kind(rnd, org)
    cs = round_criteria(rnd)
    clean = intake.merge({}, intake.check_figures(cs, figures, partial=True))
    scores = intake.merge({}, intake.check_self_assessment(cs, self_assessment))
    if existing_application(rnd, org.id) is not None:
        raise ServiceError(409, f"{org.name} already has an application in round '{rnd.title}': "
                           "edit that one instead.", {"organisation_id": ["already applied in this round"]})
    app = Application(round_id=rnd.id, organisation_id=org.id, status="draft", figures=clean,
                      self_assessment=scores, warnings=intake.intake_warnings(cs, clean))
    try:
        with db.session.begin_nested():
            db.session.add(app)
            db.session.flush()
    except IntegrityError:  # a concurrent request created it first
        raise ServiceError(409, f"{org.name} already has an application in round '{rnd.title}'.") from None
    audit.record(actor, "application.created", "application", app.id, {
        "round_id": rnd.id, "organisation": org.name, "status": {"before": None, "after": "draft"},
        "changed": diff("figures", {}, clean) | diff("self_assessment", {}, scores),
        "warnings": len(app.warnings)})
    return app


def update_application(actor: User, app: Application, figures: dict | None,
                       self_assessment: dict | None) -> Application:
    """Change a draft's figures and self-assessment (keys given replace, null removes)."""
    require_open_draft(app, "edited")
    cs = round_criteria(app.round)
    new_figures = intake.merge(app.figures, intake.check_figures(cs, figures or {}, partial=True))
    new_scores = intake.merge(app.self_assessment,
                              intake.check_self_assessment(cs, self_assessment or {}))
    changed = diff("figures", app.figures, new_figures) | diff("self_assessment", app.self_assessment,
                                                               new_scores)
    if not changed:
        return app
    app.figures, app.self_assessment = new_figures, new_scores
    app.warnings = intake.intake_warnings(cs, new_figures)
    db.session.flush()
    audit.record(actor, "application.updated", "application", app.id,
                 {"changed": changed, "warnings": len(app.warnings)})
    return app


def submit(actor: User, app: Application) -> Application:
    """Submit a draft: the whole form must be valid and every required figure present."""
    require_open_draft(app, "submitted")
    cs = round_criteria(app.round)
    _, errors = intake.figures_errors(cs, app.figures, partial=False)
    if errors:
        labels = {f.key: f.label for f in cs.fields}
        missing = [labels.get(k, k) for k in errors]
        raise ServiceError(422, f"The form is not complete: {'、'.join(missing)}.", {"figures": errors})
    app.status, app.submitted_at = "submitted", utcnow()
    app.warnings = intake.intake_warnings(cs, app.figures)
    db.session.flush()
    audit.record(actor, "application.submitted", "application", app.id, {
        "status": {"before": "draft", "after": "submitted"},
        "submitted_at": app.submitted_at.isoformat(), "warnings": len(app.warnings)})
    return app


def withdraw(actor: User, app: Application) -> Application:
    """Withdraw a submitted application while the round is open (final in this round)."""
    require_open(app.round, "withdrawn")
    if app.status != "submitted":
        raise ServiceError(409, f"Only a submitted application can be withdrawn; this one is {app.status}.")
    app.status = "withdrawn"
    db.session.flush()
    audit.record(actor, "application.withdrawn", "application", app.id,
                 {"status": {"before": "submitted", "after": "withdrawn"}})
    return app


def list_query(actor: User, rnd: Round, status: str | None = None, county_code: str | None = None,
               q: str | None = None) -> Select:
    """The round's applications the actor may see, filtered, in id order."""
    query = (select(Application).join(Organisation, Application.organisation_id == Organisation.id)
             .where(Application.round_id == rnd.id))
    if not actor.is_admin:
        query = query.where(Application.organisation_id == actor.organisation_id)
    if status:
        query = query.where(Application.status == status)
    if county_code:
        query = query.where(Organisation.county_code == county_code)
    if q:
        query = query.where(Organisation.name.icontains(q.strip(), autoescape=True))
    return query.options(selectinload(Application.organisation)).order_by(Application.id)


def count(query: Select) -> int:
    """How many rows a query yields."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
