"""Applications: create, edit, submit and withdraw, each change audited with what changed.

The statuses and the moves between them are ``evaluator.workflow``'s; ``services.workflow`` carries
them out. Every change re-reads the application under a lock (``lock_application``), so concurrent
edits and submits serialise and each check is made on the state that is committed.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.models import Application, Organisation, Round, User
from evaluator.services import audit, intake
from evaluator.services.rounds import round_criteria
from evaluator.services.workflow import check_editable, check_move, lock_application, move_application
from evaluator.workflow import KIND_NAMES, Status, kind_for_zone


def require_kind(rnd: Round, org: Organisation) -> None:
    """422 when the organisation is not the kind of unit this round's zone type is for."""
    kind = kind_for_zone(rnd.zone_type)
    if org.kind != kind:
        raise ServiceError(422, msg("This round is for %(kind)s applicants; %(name)s is registered as a "
                                    "%(registered)s.", kind=KIND_NAMES[kind], name=org.name,
                                    registered=KIND_NAMES.get(org.kind, org.kind)))


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
    check_move("create", None, rnd)
    org = db.session.get(Organisation, actor.organisation_id)
    require_kind(rnd, org)
    cs = round_criteria(rnd)
    clean = intake.merge({}, intake.check_figures(cs, figures, partial=True))
    scores = intake.merge({}, intake.check_self_assessment(cs, self_assessment))
    if existing_application(rnd, org.id) is not None:
        raise ServiceError(409, msg("%(name)s already has an application in round '%(title)s': edit that "
                                    "one instead.", name=org.name, title=rnd.title),
                           {"organisation_id": [msg("already applied in this round")]})
    app = Application(round_id=rnd.id, organisation_id=org.id, status=Status.DRAFT, figures=clean,
                      self_assessment=scores, warnings=intake.intake_warnings(cs, clean))
    try:
        with db.session.begin_nested():
            db.session.add(app)
            db.session.flush()
    except IntegrityError:  # a concurrent request created it first
        raise ServiceError(409, msg("%(name)s already has an application in round '%(title)s'.",
                                    name=org.name, title=rnd.title)) from None
    audit.record(actor, "application.created", "application", app.id, {
        "round_id": rnd.id, "organisation": org.name, "status": {"before": None, "after": "draft"},
        "changed": diff("figures", {}, clean) | diff("self_assessment", {}, scores),
        "warnings": len(app.warnings)})
    return app


def update_application(actor: User, app: Application, figures: dict | None,
                       self_assessment: dict | None, expected: Collection[str] | None = None) -> Application:
    """Change a draft's figures and self-assessment (keys given replace, null removes).

    ``expected``: the ETags of the client's If-Match, if any (412 when stale).
    """
    app = lock_application(app, expected)
    check_editable(app)
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


def submit(actor: User, app: Application, expected: Collection[str] | None = None) -> Application:
    """Submit a draft: the whole form must be valid and every required figure present.

    Checked on the locked application, so a concurrent edit cannot slip an incomplete form through.
    """
    app = lock_application(app, expected)
    check_move("submit", app, app.round)
    cs = round_criteria(app.round)
    _, errors = intake.figures_errors(cs, app.figures, partial=False)
    if errors:
        labels = {f.key: f.label for f in cs.fields}
        missing = [labels.get(k, k) for k in errors]
        raise ServiceError(422, msg("The form is not complete: %(missing)s.", missing=missing),
                           {"figures": errors})
    app.warnings = intake.intake_warnings(cs, app.figures)
    return move_application(actor, app, "submit", warnings=len(app.warnings))


def withdraw(actor: User, app: Application, expected: Collection[str] | None = None) -> Application:
    """Withdraw a submitted application while the round is open (final in this round)."""
    return move_application(actor, lock_application(app, expected), "withdraw")


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
