"""The city's ranking within its quota, and the passage of a round's applications into review.

``recommend(actor, round, city_code, ids)`` makes the ordered list the city's whole ranking: the
listed applications become ``recommended`` with ``city_rank`` 1..k, any recommended before and
left out go back to ``endorsed``. It refuses a list longer than the city's quota —
``ReviewSettings.quota_for(city).limit(n)``, n the city's applications that reached the city — and
any application whose latest city check did not pass (or that the city has not checked), naming
each.
The count and the writes are one read-modify-write under the round's row lock, so two offices
(or two tabs) can never exceed the quota together.

``enter_review`` runs when the round moves to review: one bulk UPDATE of every application the
round's steps let through and one summary audit event naming them (thousands of applications in
one statement, not one event each); then ``close_vetting`` ends every application still at a
region step ``not_recommended``, likewise in one UPDATE and one summarising event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.applications.transitions import check_move, check_round_allows, move_application
from evaluator.audit import service as audit
from evaluator.core.db import utcnow
from evaluator.core.locking import lock_round
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.rounds.models import Round
from evaluator.rounds.settings import ReviewSettings, settings_of
from evaluator.vetting.closing import close_vetting
from evaluator.vetting.conditions import reached_city, region_condition
from evaluator.vetting.service import (
    check_at_level,
    check_recommendable,
    in_scope,
    latest_checks,
    lock_for_act,
    queue_query,
    record_check,
    scope_condition,
)
from evaluator.workflow import MOVES, OrgKind, RegionAct, RegionLevel, Status

MAX_RANKING = 10_000
RANKABLE = tuple(dict.fromkeys(s for move in ("recommend", "unrecommend") for s in MOVES[move].sources))
"""The statuses of an application the city may rank: recommend it, or take it off its ranking."""


def city_of(actor: User) -> str:
    """The city code of a region office (a county office's city is its county code's first 4 digits)."""
    return (actor.home_region_code or "")[:4] + "00"


def quota_status(actor: User, rnd: Round) -> dict[str, Any]:
    """The city's quota in the round: its rule, the applications that reached the city, the limit,
    how many are recommended and how many may still be."""
    settings = settings_of(rnd)
    city = city_of(actor)
    quota = settings.quota_for(city)
    base = (
        select(func.count())
        .select_from(Application)
        .join(Organisation, Application.organisation_id == Organisation.id)
        .where(Application.round_id == rnd.id, region_condition(RegionLevel.CITY, city))
    )
    reached = db.session.scalar(base.where(reached_city(settings))) or 0
    used = db.session.scalar(base.where(Application.status == Status.RECOMMENDED.value)) or 0
    limit = quota.limit(reached)
    return {
        "round_id": rnd.id,
        "city_code": city,
        "kind": quota.kind,
        "value": quota.value,
        "applications": reached,
        "limit": limit,
        "used": used,
        "remaining": max(0, limit - used),
        "city_step": settings.city_step,
        "county_step": settings.county_step,
    }


def rankable(actor: User, rnd: Round, limit: int = MAX_RANKING) -> list[Application]:
    """The city's applications that may be ranked (``RANKABLE``), recommended (by rank) first, then
    the others; at most ``limit``."""
    query = queue_query(actor, rnd).where(Application.status.in_([s.value for s in RANKABLE]))
    return list(db.session.scalars(query.limit(limit)))


def recommend(actor: User, rnd: Round, city_code: str, application_ids: Sequence[int]) -> list[Application]:
    """Make the ordered ids the city's ranking (rank 1 first), within its quota (flushes, audits).

    404 for an id outside the office's scope; 409 for an application that cannot be recommended
    (wrong status or phase, not past its county, no passed city check) and for a list longer than
    the quota.
    """
    if actor.region_level != RegionLevel.CITY:
        raise ServiceError(403, msg("Only a city office checks and recommends applications."))
    if city_code != actor.home_region_code:
        raise ServiceError(404, msg("No city %(code)s in your region.", code=city_code))
    ids = list(application_ids)
    if len(set(ids)) != len(ids):
        raise ServiceError(
            422,
            msg("An application appears twice in the ranking."),
            {"application_ids": [msg("Each application appears once.")]},
        )
    if len(ids) > MAX_RANKING:
        raise ServiceError(
            422,
            msg("A ranking lists at most %(max)s applications.", max=MAX_RANKING),
            {"application_ids": [msg("Too many.")]},
        )
    fresh = lock_round(rnd.id)
    if fresh is None:
        raise ServiceError(404, msg("No round %(id)s.", id=rnd.id))
    check_round_allows(MOVES["recommend"], fresh, "recommended")
    status = quota_status(actor, fresh)
    if not status["city_step"]:
        raise ServiceError(
            409,
            msg(
                "The city step is switched off in round '%(title)s': the city office does not act in it.",
                title=fresh.title,
            ),
        )
    if len(ids) > status["limit"]:
        raise ServiceError(
            409,
            msg(
                "The city's quota is %(limit)s of its %(n)s applications; this ranking lists %(count)s.",
                limit=status["limit"],
                n=status["applications"],
                count=len(ids),
            ),
            {"application_ids": [msg("At most %(limit)s.", limit=status["limit"])]},
        )
    chosen = []
    for app_id in ids:
        app = db.session.get(Application, app_id)
        if app is None or app.round_id != fresh.id or not in_scope(actor, app):
            raise ServiceError(404, msg("No application %(id)s.", id=app_id))
        chosen.append(app)
    unchecked = _unchecked(chosen)
    if unchecked:
        message = (
            unchecked[0]
            if len(unchecked) == 1
            else msg(
                "%(n)s applications of the ranking have not passed the city office's check: see each.",
                n=len(unchecked),
            )
        )
        raise ServiceError(409, message, {"application_ids": unchecked})
    done = []
    for rank, app in enumerate(chosen, start=1):
        app, settings = lock_for_act(actor, app, RegionLevel.CITY)
        check_at_level(app, settings, RegionLevel.CITY)
        if app.status == Status.RECOMMENDED.value:
            if app.city_rank != rank:
                before, app.city_rank = app.city_rank, rank
                db.session.flush()
                audit.record(
                    actor,
                    "application.reranked",
                    "application",
                    app.id,
                    {"city_rank": {"before": before, "after": rank}},
                )
        else:
            check_move("recommend", app, app.round)
            app.city_rank = rank
            record_check(actor, app, RegionLevel.CITY, RegionAct.RECOMMEND, None)
            move_application(actor, app, "recommend", level=RegionLevel.CITY.value, city_rank=rank)
        done.append(app)
    kept = {a.id for a in done}
    for app in _recommended(actor, fresh):
        if app.id not in kept:
            _unrecommend(actor, app)
    return done


def _unchecked(apps: list[Application]) -> list[Any]:
    """The refusal of each application whose latest city check did not pass (or that has none): the
    rule of ``vetting.service.check_recommendable``, read for the whole ranking in one query. The
    round is locked, so no check changes meanwhile."""
    latest = latest_checks([a.id for a in apps])
    problems = []
    for app in apps:
        try:
            check_recommendable(app, latest.get(app.id))
        except ServiceError as exc:
            problems.append(exc.message)
    return problems


def _recommended(actor: User, rnd: Round) -> list[Application]:
    """The city's recommended applications in the round, by rank."""
    return list(
        db.session.scalars(
            select(Application)
            .join(Organisation, Application.organisation_id == Organisation.id)
            .where(
                Application.round_id == rnd.id,
                scope_condition(actor),
                Application.status == Status.RECOMMENDED.value,
            )
            .order_by(Application.city_rank, Application.id)
        )
    )


def _unrecommend(actor: User, app: Application) -> Application:
    app, _ = lock_for_act(actor, app, RegionLevel.CITY)
    check_move("unrecommend", app, app.round)
    before, app.city_rank = app.city_rank, None
    record_check(actor, app, RegionLevel.CITY, RegionAct.UNRECOMMEND, None)
    return move_application(
        actor, app, "unrecommend", level=RegionLevel.CITY.value, city_rank={"before": before, "after": None}
    )


def unrecommend(actor: User, app: Application) -> Application:
    """Take an application off the city's ranking (back to endorsed); the ranks after it move up."""
    if actor.region_level != RegionLevel.CITY:
        raise ServiceError(403, msg("Only a city office checks and recommends applications."))
    rnd = lock_round(app.round_id)
    app = _unrecommend(actor, app)
    for rank, other in enumerate(_recommended(actor, rnd), start=1):
        if other.city_rank != rank:
            before, other.city_rank = other.city_rank, rank
            db.session.flush()
            audit.record(
                actor,
                "application.reranked",
                "application",
                other.id,
                {"city_rank": {"before": before, "after": rank}},
            )
    return app


# ----------------------------------------------------------------------------------- into review


def passes_into_review(settings: ReviewSettings) -> Any:
    """The SQL condition of an application the round's steps let into the provincial review."""
    recommended = Application.status == Status.RECOMMENDED.value
    if settings.city_step:
        return recommended
    endorsed = or_(
        Application.status == Status.ENDORSED.value,
        and_(Application.status == Status.SUBMITTED.value, Organisation.kind == OrgKind.COUNTY.value),
    )
    if settings.county_step:
        return or_(recommended, endorsed)
    return Application.status.in_([s.value for s in MOVES["enter_review"].sources if s is not None])


def enter_review(actor: User | None, rnd: Round) -> list[int]:
    """Move every application the steps let through to ``under_review`` (the round still open, about
    to move; flushes), and close the vetting of those left at a region step (``close_vetting``).
    One audit event on the round names the moved ones, one more the ones not recommended."""
    move = MOVES["enter_review"]
    check_round_allows(move, rnd, move.done)
    settings = settings_of(rnd)
    ids = list(
        db.session.scalars(
            select(Application.id)
            .join(Organisation, Application.organisation_id == Organisation.id)
            .where(Application.round_id == rnd.id, passes_into_review(settings))
            .order_by(Application.id)
        )
    )
    if ids:
        through = (
            select(Application.id)
            .join(Organisation, Application.organisation_id == Organisation.id)
            .where(Application.round_id == rnd.id, passes_into_review(settings))
        )
        db.session.execute(
            update(Application)
            .where(Application.id.in_(through))
            .values(status=move.target.value, version=Application.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        moved = set(ids)
        for row in list(db.session.identity_map.values()):
            if isinstance(row, Application) and row.id in moved:
                db.session.expire(row)
    audit.record(
        actor,
        "round.entered_review",
        "round",
        rnd.id,
        {
            "to_status": move.target.value,
            "applications": len(ids),
            "application_ids": ids,
            "county_step": settings.county_step,
            "city_step": settings.city_step,
        },
    )
    close_vetting(actor, rnd, settings)
    return ids
