"""The SQL conditions of the region steps, shared by the queues, the quota and the passage into
review: an office's region, where an application stands at the county and the city, the drafts the
offices returned (``returned``), and an application's latest region act (``latest_act_is``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, false, func, or_, select, true
from sqlalchemy.orm import aliased

from evaluator.accounts.models import Organisation
from evaluator.applications.models import Application
from evaluator.rounds.settings import ReviewSettings
from evaluator.vetting.models import RegionCheck
from evaluator.workflow import REVIEWED_STATUSES, OrgKind, RegionAct, RegionLevel, Status


def region_condition(level: str | None, scope: str) -> Any:
    """The SQL condition on Organisation of a county (its code) or a city (xxxx00) region."""
    if level is None or len(scope) != 6:
        return false()
    if level == RegionLevel.COUNTY:
        return Organisation.county_code == scope
    return func.substr(Organisation.county_code, 1, 4) == scope[:4]


def county_passes(settings: ReviewSettings) -> Any:
    """The SQL condition of a submitted application that skips the county (goes to the city)."""
    return true() if not settings.county_step else Organisation.kind == OrgKind.COUNTY.value


def city_declined() -> Any:
    """The SQL condition of an application declined by its city office (a city decline is final)."""
    return exists().where(
        RegionCheck.application_id == Application.id,
        RegionCheck.level == RegionLevel.CITY.value,
        RegionCheck.action == RegionAct.DECLINE.value,
    )


def latest_act_is(action: str, among: tuple[str, ...] = tuple(RegionAct), level: str | None = None) -> Any:
    """The SQL condition of an application whose latest region act among ``among`` is ``action``
    (by an office of ``level``, if given)."""
    earlier = aliased(RegionCheck)
    latest = (
        select(func.max(earlier.id))
        .where(
            earlier.application_id == RegionCheck.application_id, earlier.action.in_([str(a) for a in among])
        )
        .scalar_subquery()
    )
    conditions = [
        RegionCheck.application_id == Application.id,
        RegionCheck.id == latest,
        RegionCheck.action == str(action),
    ]
    if level is not None:
        conditions.append(RegionCheck.level == str(level))
    return exists().where(*conditions)


def returned(level: str | None = None) -> Any:
    """The SQL condition of a draft a region office (of ``level``, if given) sent back to its
    applicant and that is not submitted again yet: a draft whose latest region act is a return."""
    return and_(Application.status == Status.DRAFT.value, latest_act_is(RegionAct.RETURN, level=level))


def reached_city(settings: ReviewSettings) -> Any:
    """The SQL condition of an application that reached its city office (the quota counts these);
    a not-recommended one when it was at the city as the review opened (straight there, or endorsed
    in its last submission) or the city had returned it."""
    city_had_it = or_(
        county_passes(settings),
        latest_act_is(RegionAct.ENDORSE, among=(RegionAct.ENDORSE, RegionAct.RETURN)),
        latest_act_is(RegionAct.RETURN, level=RegionLevel.CITY),
    )
    return or_(
        Application.status.in_(
            [Status.ENDORSED.value, Status.RECOMMENDED.value, *(s.value for s in REVIEWED_STATUSES)]
        ),
        and_(Application.status == Status.SUBMITTED.value, county_passes(settings)),
        and_(Application.status == Status.DECLINED.value, city_declined()),
        and_(Application.status == Status.NOT_RECOMMENDED.value, city_had_it),
    )


def at_county(settings: ReviewSettings) -> Any:
    """The SQL condition of an application the county office deals with: past the draft, or a draft
    returned to its applicant (by the county or, after the county endorsed it, by the city)."""
    if not settings.county_step:
        return false()
    return and_(
        Organisation.kind != OrgKind.COUNTY.value,
        or_(Application.status.notin_([Status.DRAFT.value, Status.WITHDRAWN.value]), returned()),
    )
