"""What the assignment services read: a round's applications under review and the reviewer roster as
aligned lists (the solver's inputs), the round's rules and panel sizes, and the phase and lock checks."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import Select, select

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.assignment import ConflictRules
from evaluator.core.locking import lock_round
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.rounds.settings import ReviewSettings
from evaluator.workflow import REVIEW_PHASES, AssignmentKind, AssignmentStatus, OrgKind, Role, Status

ACTIVE = AssignmentStatus.ACTIVE.value
NO_REGION = "000000"  # a reviewer without a home region: no application's county starts with 0000


@dataclass
class Applications:
    """A round's applications under review, aligned arrays: ids, counties, affiliation keys, names."""

    ids: list[int] = field(default_factory=list)
    counties: list[str] = field(default_factory=list)
    affiliations: list[set[str]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


@dataclass
class Roster:
    """The active reviewers, aligned: ids, home regions, affiliation keys, expertise, names."""

    ids: list[int] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    affiliations: list[set[str]] = field(default_factory=list)
    expertise: list[set[str]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def application_keys(name: str, kind: str, county_code: str) -> set[str]:
    """An application's affiliation keys: its organisation's name and, for a county applying
    itself, its civil-affairs bureau (``bureau:<county code>``)."""
    keys = {name}
    if kind == OrgKind.COUNTY:
        keys.add(f"bureau:{county_code}")
    return keys


def reviewer_keys(affiliation: str | None) -> set[str]:
    """A reviewer's affiliation keys (the one affiliation of the account)."""
    return {affiliation.strip()} if affiliation and affiliation.strip() else set()


def section_ids(rnd: Round) -> list[str]:
    """The round's criteria's level-1 section ids."""
    return [s.id for s in round_criteria(rnd).indicators]


def load_applications(rnd: Round, ids: list[int] | None = None) -> Applications:
    """The round's applications under review (or the given ones among them), by id."""
    query = (
        select(Application.id, Organisation.name, Organisation.kind, Organisation.county_code)
        .join(Organisation, Application.organisation_id == Organisation.id)
        .where(Application.round_id == rnd.id, Application.status == Status.UNDER_REVIEW.value)
        .order_by(Application.id)
    )
    if ids is not None:
        query = query.where(Application.id.in_(ids))
    out = Applications()
    for app_id, name, kind, county in db.session.execute(query):
        out.ids.append(app_id)
        out.counties.append(county)
        out.affiliations.append(application_keys(name, kind, county))
        out.names.append(name)
    return out


def active_reviewers_query() -> Select:
    """The select of the reviewers who may be assigned: the accounts of role reviewer still active."""
    return select(User).where(User.role == Role.REVIEWER.value, User.active.is_(True))


def active_reviewers() -> list[User]:
    """The active reviewers by name (then id), as the office's pages offer them."""
    return list(db.session.scalars(active_reviewers_query().order_by(User.display_name, User.id)))


def load_roster(rnd: Round) -> Roster:
    """The active reviewers with their expertise restricted to the round's sections, by id."""
    sections = set(section_ids(rnd))
    out = Roster()
    query = (
        active_reviewers_query()
        .with_only_columns(
            User.id, User.home_region_code, User.affiliation, User.expertise, User.display_name
        )
        .order_by(User.id)
    )
    for uid, region, affiliation, expertise, name in db.session.execute(query):
        code = (region or "").strip()
        out.ids.append(uid)
        out.regions.append(code if len(code) >= 6 and code[:6].isdigit() else NO_REGION)
        out.affiliations.append(reviewer_keys(affiliation))
        out.expertise.append({str(s) for s in (expertise or []) if str(s) in sections})
        out.names.append(name)
    return out


def rules_of(settings: ReviewSettings) -> ConflictRules:
    """The round's conflict rules for the solver. ``declared`` is always on for the solver: the
    pairs made before are passed as declared conflicts; the round's own switch decides whether the
    reviewers' declarations join them."""
    c = settings.conflicts
    return ConflictRules(
        same_region=c.same_region,
        region_level=c.region_level,  # type: ignore[arg-type]
        same_affiliation=c.same_affiliation,
        declared=True,
    )


def panel_size(settings: ReviewSettings, kind: str) -> int:
    """R for the kind: reviewers per application, or inspectors per application on site."""
    return (
        settings.inspectors_per_application
        if kind == AssignmentKind.ON_SITE.value
        else settings.reviewers_per_application
    )


def check_review_phase(rnd: Round) -> None:
    """409 unless the round is in review (assignments change only then)."""
    if rnd.phase not in REVIEW_PHASES:
        raise ServiceError(
            409,
            msg(
                "Round '%(title)s' is in phase '%(phase)s': assignments change only while it is in review.",
                title=rnd.title,
                phase=rnd.phase,
            ),
        )


def check_kind(settings: ReviewSettings, kind: str) -> None:
    """422 for an on-site assignment in a round without an on-site group."""
    if kind == AssignmentKind.ON_SITE.value and not settings.on_site_group:
        raise ServiceError(
            422,
            msg("This round has no on-site inspection group."),
            {"kind": [msg("switch on the round's on-site group first")]},
        )


def lock_round_for_assignment(rnd: Round) -> Round:
    """The round locked (FOR UPDATE) for a change of its assignments, checked to be in review."""
    fresh = lock_round(rnd.id)
    if fresh is None:
        raise ServiceError(404, msg("No round %(id)s.", id=rnd.id))
    check_review_phase(fresh)
    return fresh


def default_cap(applications: int, per_application: int, reviewers: int) -> int:
    """The load cap when the round sets none: the even share of the whole round, plus one."""
    return math.ceil(applications * per_application / reviewers) + 1 if reviewers else 0


def required_reason(reason: str | None) -> str:
    """The reason given, stripped; 422 naming ``reason`` when there is none."""
    text = (reason or "").strip()
    if not text:
        raise ServiceError(422, msg("Give a reason."), {"reason": [msg("required")]})
    return text
