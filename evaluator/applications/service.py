"""Applications: create, edit, submit and withdraw, each change audited with what changed.

The statuses and the moves between them are ``evaluator.workflow``'s; ``applications.transitions`` carries
them out. Every change re-reads the application under a lock (``lock_application``), so concurrent
edits and submits serialise and each check is made on the state that is committed.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from marshmallow import Schema, fields, pre_load, validate
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from evaluator.accounts.models import Organisation, User
from evaluator.applications import intake
from evaluator.applications.models import Application, Material
from evaluator.applications.transitions import check_editable, check_move, lock_application, move_application
from evaluator.audit import service as audit
from evaluator.audit.models import AuditEvent
from evaluator.criteria.model import Field
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import N_, msg, named
from evaluator.rounds.models import Round
from evaluator.rounds.service import open_rounds, round_criteria
from evaluator.validation import Pattern, Text
from evaluator.workflow import KIND_NAMES, Status, kind_for_zone


def require_kind(rnd: Round, org: Organisation) -> None:
    """422 when the organisation is not the kind of unit this round's zone type is for."""
    kind = kind_for_zone(rnd.zone_type)
    if org.kind != kind:
        raise ServiceError(
            422,
            msg(
                "This round is for %(kind)s applicants; %(name)s is registered as a %(registered)s.",
                kind=KIND_NAMES[kind],
                name=org.name,
                registered=KIND_NAMES.get(org.kind, org.kind),
            ),
        )


def diff(prefix: str, before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What changed between two mappings, as ``{"prefix.key": {"before": …, "after": …}}``."""
    return {
        f"{prefix}.{k}": {"before": before.get(k), "after": after.get(k)}
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }


def find_application(ident: int) -> Application | None:
    """An application by id (None: there is none)."""
    return db.session.get(Application, ident)


def existing_application(rnd: Round, org_id: int) -> Application | None:
    """The organisation's application in the round, if any."""
    return db.session.scalar(
        select(Application).where(Application.round_id == rnd.id, Application.organisation_id == org_id)
    )


def create_application(actor: User, rnd: Round, figures: dict, self_assessment: dict) -> Application:
    """A draft application of the actor's organisation (one per organisation per round)."""
    check_move("create", None, rnd)
    org = db.session.get(Organisation, actor.organisation_id)
    require_kind(rnd, org)
    cs = round_criteria(rnd)
    clean = intake.merge({}, intake.check_figures(cs, figures, partial=True))
    scores = intake.merge({}, intake.check_self_assessment(cs, self_assessment))
    if existing_application(rnd, org.id) is not None:
        raise ServiceError(
            409,
            msg(
                "%(name)s already has an application in round '%(title)s': edit that one instead.",
                name=org.name,
                title=rnd.title,
            ),
            {"organisation_id": [msg("already applied in this round")]},
        )
    app = Application(
        round_id=rnd.id,
        organisation_id=org.id,
        status=Status.DRAFT,
        figures=clean,
        self_assessment=scores,
        warnings=intake.intake_warnings(cs, clean),
    )
    try:
        with db.session.begin_nested():
            db.session.add(app)
            db.session.flush()
    except IntegrityError:  # a concurrent request created it first
        raise ServiceError(
            409,
            msg("%(name)s already has an application in round '%(title)s'.", name=org.name, title=rnd.title),
        ) from None
    audit.record(
        actor,
        "application.created",
        "application",
        app.id,
        {
            "round_id": rnd.id,
            "organisation": org.name,
            "status": {"before": None, "after": "draft"},
            "changed": diff("figures", {}, clean) | diff("self_assessment", {}, scores),
            "warnings": len(app.warnings),
        },
    )
    return app


def update_application(
    actor: User,
    app: Application,
    figures: dict | None,
    self_assessment: dict | None,
    expected: Collection[str] | None = None,
    bonus_claims: list | None = None,
) -> Application:
    """Change a draft's figures and self-assessment (keys given replace, null removes), and its
    bonus claims (given: the whole list).

    ``expected``: the ETags of the client's If-Match, if any (412 when stale).
    """
    app = lock_application(app, expected)
    check_editable(app)
    cs = round_criteria(app.round)
    new_figures = intake.merge(app.figures, intake.check_figures(cs, figures or {}, partial=True))
    new_scores = intake.merge(app.self_assessment, intake.check_self_assessment(cs, self_assessment or {}))
    before_claims = list(app.bonus_claims or [])
    new_claims = before_claims if bonus_claims is None else intake.check_bonus_claims(cs, bonus_claims)
    changed = diff("figures", app.figures, new_figures) | diff(
        "self_assessment", app.self_assessment, new_scores
    )
    if new_claims != before_claims:
        changed["bonus_claims"] = {"before": before_claims, "after": new_claims}
    if not changed:
        return app
    app.figures, app.self_assessment, app.bonus_claims = new_figures, new_scores, new_claims
    app.warnings = intake.intake_warnings(cs, new_figures)
    db.session.flush()
    audit.record(
        actor,
        "application.updated",
        "application",
        app.id,
        {"changed": changed, "warnings": len(app.warnings)},
    )
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
        labels = {f.key: named(f) for f in cs.fields}
        missing = [labels.get(k, k) for k in errors]
        raise ServiceError(
            422, msg("The form is not complete: %(missing)s.", missing=missing), {"figures": errors}
        )
    app.warnings = intake.intake_warnings(cs, app.figures)
    return move_application(actor, app, "submit", warnings=len(app.warnings))


def withdraw(actor: User, app: Application, expected: Collection[str] | None = None) -> Application:
    """Withdraw a submitted application while the round is open (final in this round)."""
    return move_application(actor, lock_application(app, expected), "withdraw")


SORT_KEYS = ("name", "city", "county", "status", "submitted_at", "updated_at")
"""The columns the application list sorts by; ``-key`` sorts descending."""
SORTS = (*SORT_KEYS, *(f"-{k}" for k in SORT_KEYS))
CATEGORY_FIELD = "category"
"""The enum field the list filters on as "category", when the round's criteria have one."""


class ListFilterSchema(Schema):
    """Filters and order of a round's application list (the API's query string and the office's page)."""

    status = fields.String(validate=validate.OneOf([s.value for s in Status]))
    city_code = fields.String(
        validate=Pattern(r"^[0-9]{6}$", error=N_("Must be a 6-digit city code.")),
        metadata={"description": "The organisation's city (市州) code."},
    )
    county_code = fields.String(
        validate=Pattern(r"^[0-9]{6}$", error=N_("Must be a 6-digit county code.")),
        metadata={"description": "The organisation's county (区县) code."},
    )
    category = Text(
        min_length=1,
        max_length=80,
        metadata={
            "description": "A choice value of the criteria's enum field `category` (e.g. a featured "
            "community's category); 422 when the round's criteria have no such field."
        },
    )
    q = Text(min_length=1, max_length=100, metadata={"description": "Part of the organisation's name."})
    sort = fields.String(
        validate=validate.OneOf(SORTS),
        metadata={
            "description": "The order: " + ", ".join(SORT_KEYS) + "; a leading `-` for descending. "
            "Ties, and no sort, are in id order."
        },
    )

    @pre_load
    def _blank_is_absent(self, data, **kwargs):
        """An empty filter (a form's unchosen select) means no filter."""
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}


def category_field(rnd: Round) -> Field | None:
    """The round's enum field named ``category``, if its criteria have one (the list filters on it)."""
    f = round_criteria(rnd).field_map.get(CATEGORY_FIELD)
    return f if f is not None and f.type == "enum" else None


def _order(sort: str | None) -> list[Any]:
    """The ORDER BY of a sort key; missing submission times always last."""
    if not sort:
        return [Application.id]
    key = sort.lstrip("-")
    column = {
        "name": Organisation.name,
        "city": Organisation.city_code,
        "county": Organisation.county_code,
        "submitted_at": Application.submitted_at,
        "updated_at": Application.updated_at,
        "status": case(
            {s.value: k for k, s in enumerate(Status)}, value=Application.status, else_=len(Status)
        ),
    }[key]
    ordered = column.desc() if sort.startswith("-") else column.asc()
    return [ordered.nulls_last(), Application.id]


def list_query(
    actor: User,
    rnd: Round,
    status: str | None = None,
    county_code: str | None = None,
    q: str | None = None,
    city_code: str | None = None,
    category: str | None = None,
    sort: str | None = None,
) -> Select:
    """The round's applications the actor may see, filtered, in id order or by ``sort`` (SORTS).

    ``category`` filters on the criteria's enum field ``category``: 422 when the round has none or
    the value is not one of its choices.
    """
    query = (
        select(Application)
        .join(Organisation, Application.organisation_id == Organisation.id)
        .where(Application.round_id == rnd.id)
    )
    if not actor.is_admin:
        query = query.where(Application.organisation_id == actor.organisation_id)
    if status:
        query = query.where(Application.status == status)
    if city_code:
        query = query.where(Organisation.city_code == city_code)
    if county_code:
        query = query.where(Organisation.county_code == county_code)
    if category:
        f = category_field(rnd)
        if f is None:
            raise ServiceError(
                422,
                msg("This round's criteria have no category field."),
                {"category": [msg("this round has no categories")]},
            )
        if category not in f.choice_values:
            raise ServiceError(
                422,
                msg("'%(value)s' is not a category of this round.", value=category),
                {"category": [msg("not one of the round's categories")]},
            )
        query = query.where(Application.figures[CATEGORY_FIELD].as_string() == category)
    if q:
        query = query.where(Organisation.name.icontains(q.strip(), autoescape=True))
    if sort and sort not in SORTS:
        raise ServiceError(
            422, msg("Cannot sort by '%(sort)s'.", sort=sort), {"sort": [msg("not a sort key")]}
        )
    return query.options(selectinload(Application.organisation)).order_by(*_order(sort))


def material_counts(application_ids: Collection[int]) -> dict[int, int]:
    """How many materials each application has, by id (absent: none)."""
    if not application_ids:
        return {}
    rows = db.session.execute(
        select(Material.application_id, func.count())
        .where(Material.application_id.in_(list(application_ids)))
        .group_by(Material.application_id)
    )
    return {app_id: n for app_id, n in rows}


def region_choices(rnd: Round) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The cities and the counties of the round's applicant organisations, as (code, name), by code."""
    rows = db.session.execute(
        select(Organisation.city_code, Organisation.city, Organisation.county_code, Organisation.county)
        .join(Application)
        .where(Application.round_id == rnd.id)
        .distinct()
    ).all()
    return sorted({(r.city_code, r.city) for r in rows}), sorted({(r.county_code, r.county) for r in rows})


def history_events(app: Application) -> list[AuditEvent]:
    """The audit events of an application and of its materials (also deleted ones), newest first."""
    own = and_(AuditEvent.object_type == "application", AuditEvent.object_id == str(app.id))
    materials = and_(
        AuditEvent.object_type == "material", AuditEvent.summary["application_id"].as_integer() == app.id
    )
    query = select(AuditEvent).where(or_(own, materials)).order_by(AuditEvent.id.desc())
    return list(db.session.scalars(query))


def open_rounds_for(org: Organisation) -> list[Round]:
    """The rounds open for applications whose zone type is for this kind of organisation, the
    nearest submission deadline first (rounds without a deadline last)."""
    mine = [r for r in open_rounds() if kind_for_zone(r.zone_type) == org.kind]
    return sorted(mine, key=lambda r: (r.submission_deadline is None, r.submission_deadline or 0, r.id))


def organisation_applications(org_id: int) -> list[Application]:
    """An organisation's applications in every round, the newest round first."""
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.organisation_id == org_id)
            .options(selectinload(Application.round))
            .order_by(Application.round_id.desc())
        ).all()
    )


def readiness(app: Application) -> dict[str, Any]:
    """What stands between a draft and its submission: the required figures still missing (submit
    refuses while any are) and the required evidence not yet uploaded (reviewers see it missing).
    """
    from evaluator.materials.service import checklist  # imported here: only this function needs it

    cs = round_criteria(app.round)
    missing = [cs.field_map[k] for k in intake.missing_required(cs, app.figures or {})]
    evidence = checklist(app)["summary"]["missing_items"]
    return {"missing_figures": missing, "missing_evidence": evidence, "complete": not missing}
