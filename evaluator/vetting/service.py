"""The region offices' part of a round (县级申报、市级把关): each office's queue, the county's
endorsement and the city's check, return and decline — each act a RegionCheck row and an audit event.

Scope: a county office (``county_office``) acts on the applications of subdistricts and communities
in its county; a city office (``city_office``) on the applications of its city that reached it —
endorsed by their county, or submitted when the round's county step is off or the applicant is
itself a county (a county applying for a zone goes straight to its city). An id outside the
office's scope is answered 404, so ids cannot be probed. The city's ranking within its quota and
the passage into review are in ``vetting.quota``.

Every act locks the round first, then the application (the order of ``evaluator.core.locking``): the
acts of one round are serialised, so the quota is counted on the state that is committed (see
vetting_quota).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from evaluator.accounts.models import Organisation, User
from evaluator.accounts.policy import allowed
from evaluator.applications.models import Application
from evaluator.applications.transitions import check_move, lock_application, move_application
from evaluator.audit import service as audit
from evaluator.core.locking import lock_round
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import N_, msg
from evaluator.rounds.models import Round
from evaluator.rounds.settings import ReviewSettings, settings_of
from evaluator.validation import text_problem
from evaluator.vetting.conditions import at_county, reached_city, region_condition, returned
from evaluator.vetting.models import RegionCheck
from evaluator.workflow import RETURNED, OrgKind, RegionAct, RegionLevel, Status

MAX_NOTE = 2000
ACTS = {
    RegionLevel.COUNTY: (RegionAct.ENDORSE, RegionAct.RETURN, RegionAct.DECLINE),
    RegionLevel.CITY: (RegionAct.CHECK, RegionAct.RECOMMEND, RegionAct.RETURN, RegionAct.DECLINE),
}
"""Each level's acts on one application. The city recommends through its whole ranking
(``vetting.quota.recommend``): ``recommend`` allowed means the application may be on it."""
_LOOK_UP: Any = object()

_STEP_OFF = {
    RegionLevel.COUNTY: N_(
        "The county step is switched off in round '%(title)s': the county office does not act in it."
    ),
    RegionLevel.CITY: N_(
        "The city step is switched off in round '%(title)s': the city office does not act in it."
    ),
}
_NOT_AT_COUNTY = N_(
    "This application does not pass through its county office (a county applies straight to its city)."
)
_NOT_AT_CITY = N_(
    "This application has not reached the city office yet: its county office must endorse it first."
)
_ONLY_COUNTY = N_("Only a county office endorses applications.")
_ONLY_CITY = N_("Only a city office checks and recommends applications.")
_NOT_CHECKED = N_(
    "Application %(id)s (%(name)s) has no check by the city office: record your check, passed, "
    "before recommending it."
)
_CHECK_FAILED = N_(
    "Application %(id)s (%(name)s) did not pass the city office's latest check: it cannot be recommended."
)
_FAILED_WHILE_RECOMMENDED = N_(
    "Application %(id)s (%(name)s) is recommended (rank %(rank)s): take it off your ranking before "
    "recording a check it did not pass."
)


# ------------------------------------------------------------------------------------------ scope


def scope_condition(actor: User) -> Any:
    """The SQL condition on Organisation of the actor's region (nothing for other roles)."""
    return region_condition(actor.region_level, actor.home_region_code or "")


def queue_query(
    actor: User, rnd: Round, status: str | None = None, county_code: str | None = None, q: str | None = None
) -> Select:
    """The office's queue in a round: the applications of its region at its step, by status then id.

    A county office: its county's subdistricts and communities, past the draft (none when the
    round's county step is off). A city office: its city's applications that reached it. Both
    also list the drafts they returned (a county those of its county, whoever returned them) until
    the applicant submits them again: ``status`` ``returned`` lists only those.
    """
    settings = settings_of(rnd)
    if actor.region_level == RegionLevel.COUNTY:
        step = at_county(settings)
    else:
        step = or_(reached_city(settings), returned(RegionLevel.CITY))
    query = (
        select(Application)
        .join(Organisation, Application.organisation_id == Organisation.id)
        .where(Application.round_id == rnd.id, scope_condition(actor), step)
    )
    if status == RETURNED:
        query = query.where(Application.status == Status.DRAFT.value)  # the step lists returned drafts only
    elif status:
        query = query.where(Application.status == status)
    if county_code:
        query = query.where(Organisation.county_code == county_code)
    if q:
        query = query.where(Organisation.name.icontains(q.strip(), autoescape=True))
    order = func.coalesce(Application.city_rank, 10**9)
    return query.options(selectinload(Application.organisation)).order_by(order, Application.id)


def status_counts(actor: User, rnd: Round) -> dict[str, int]:
    """How many applications of the office's queue are in each status (``returned``: the drafts
    it returned, not yet submitted again)."""
    query = queue_query(actor, rnd).order_by(None)
    rows = db.session.execute(
        query.with_only_columns(Application.status, func.count()).group_by(Application.status)
    ).all()
    return {RETURNED if status == Status.DRAFT.value else status: n for status, n in rows}


def in_scope(actor: User, app: Application | None) -> bool:
    """Whether the application is in the office's region and past the applicant's draft."""
    return app is not None and allowed(actor, "vetting.act", app)


def find(actor: User, application_id: int) -> Application:
    """An application of the office's scope, or 404 (the same answer as for an id that is not there)."""
    app = db.session.get(Application, application_id)
    if not in_scope(actor, app):
        raise ServiceError(404, msg("No application %(id)s.", id=application_id))
    return app


def checks_of(app: Application) -> list[RegionCheck]:
    """The region offices' acts on an application, oldest first."""
    return list(
        db.session.scalars(
            select(RegionCheck)
            .where(RegionCheck.application_id == app.id)
            .options(selectinload(RegionCheck.user))
            .order_by(RegionCheck.id)
        )
    )


# ------------------------------------------------------------------------------------------- acts


def clean_note(note: Any, required: bool, field: str = "reason") -> str | None:
    """The note stripped; 422 naming the field when a required one is blank, too long or not text."""
    text = note.strip() if isinstance(note, str) else ""
    if not text:
        if required:
            raise ServiceError(
                422, msg("Give a reason: the applicant reads it."), {field: [msg("A reason is required.")]}
            )
        return None
    problem = text_problem(text, multiline=True)
    if problem is None and len(text) > MAX_NOTE:
        problem = msg("This text has %(min)s to %(max)s characters.", min=1, max=MAX_NOTE)
    if problem is not None:
        raise ServiceError(422, msg("The reason is not valid: see the field."), {field: [problem]})
    return text


def lock_for_act(actor: User, app: Application, level: str) -> tuple[Application, ReviewSettings]:
    """The application locked for an act at ``level``, the round locked first (acts serialise)."""
    if actor.region_level != level:
        raise ServiceError(403, msg(_ONLY_COUNTY if level == RegionLevel.COUNTY else _ONLY_CITY))
    if lock_round(app.round_id) is None:
        raise ServiceError(404, msg("No round %(id)s.", id=app.round_id))
    fresh = lock_application(app)
    if not in_scope(actor, fresh):
        raise ServiceError(404, msg("No application %(id)s.", id=app.id))
    settings = settings_of(fresh.round)
    if not getattr(settings, f"{level}_step"):
        raise ServiceError(409, msg(_STEP_OFF[level], title=fresh.round.title))
    return fresh, settings


def check_at_level(app: Application, settings: ReviewSettings, level: str) -> None:
    """409 unless the application is at the office's step (the county's or the city's)."""
    direct = not settings.county_step or app.organisation.kind == OrgKind.COUNTY.value
    if level == RegionLevel.COUNTY and app.organisation.kind == OrgKind.COUNTY.value:
        raise ServiceError(409, msg(_NOT_AT_COUNTY))
    if level == RegionLevel.CITY and app.status == Status.SUBMITTED.value and not direct:
        raise ServiceError(409, msg(_NOT_AT_CITY))


def act_moves(level: str, act: str, status: str) -> tuple[str, ...]:
    """The procedure's moves (``workflow.MOVES``) an act needs allowed on an application in this
    status, in the order the act checks them: the act's own move; for the city's check and for
    keeping an application on the ranking, recommending (or taking off the ranking) — the city checks
    and ranks while the application can still be ranked; for a county's
    return or decline, endorsing too — the county acts only before it endorsed."""
    if act in (RegionAct.CHECK, RegionAct.RECOMMEND):
        return ("unrecommend" if status == Status.RECOMMENDED.value else "recommend",)
    if level == RegionLevel.COUNTY and act != RegionAct.ENDORSE and status != Status.SUBMITTED.value:
        return ("endorse", act)
    return (act,)


def check_recommendable(app: Application, latest: RegionCheck | None = _LOOK_UP) -> None:
    """409 naming the application unless the city's latest check of it passed: the city recommends
    (and keeps on its ranking) only what it checked. ``latest``: that check, when already read."""
    latest = last_check(app) if latest is _LOOK_UP else latest
    if latest is None or not latest.passed:
        template = _NOT_CHECKED if latest is None else _CHECK_FAILED
        raise ServiceError(
            409,
            msg(template, id=app.id, name=app.organisation.name),
            {"application_ids": [msg(template, id=app.id, name=app.organisation.name)]},
        )


def allowed_acts(
    actor: User,
    app: Application,
    settings: ReviewSettings | None = None,
    latest: RegionCheck | None = _LOOK_UP,
) -> tuple[str, ...]:
    """The acts the office may take on the application now: those its acts would not refuse (the
    application in its scope, its level's step on, the application at its step, the moves the act
    needs allowed by the round's phase and the status; to recommend, the city's latest check passed).
    The pages offer these; ``latest`` is the city's latest check when the caller read it already."""
    level = actor.region_level or ""
    settings = settings or settings_of(app.round)
    if level not in ACTS or not in_scope(actor, app) or not getattr(settings, f"{level}_step"):
        return ()
    try:
        check_at_level(app, settings, level)
    except ServiceError:
        return ()
    allowed_now = []
    for act in ACTS[level]:
        try:
            for move in act_moves(level, act, app.status):
                check_move(move, app, app.round)
            if act == RegionAct.RECOMMEND:
                check_recommendable(app, latest)
        except ServiceError:
            continue
        allowed_now.append(act)
    return tuple(allowed_now)


def record_check(
    actor: User,
    app: Application,
    level: str,
    action: str,
    note: str | None = None,
    passed: bool | None = None,
) -> RegionCheck:
    """Add the act's RegionCheck row (flushes); ``level`` a RegionLevel, ``action`` a RegionAct."""
    row = RegionCheck(
        application_id=app.id,
        level=RegionLevel(level).value,
        action=RegionAct(action).value,
        passed=passed,
        note=note,
        checked_by=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def endorse(actor: User, app: Application, note: Any = None) -> Application:
    """The county office passes a submitted application on to its city (an optional note)."""
    app, settings = lock_for_act(actor, app, RegionLevel.COUNTY)
    check_at_level(app, settings, RegionLevel.COUNTY)
    text = clean_note(note, required=False, field="note")
    for move in act_moves(RegionLevel.COUNTY, RegionAct.ENDORSE, app.status):
        check_move(move, app, app.round)
    record_check(actor, app, RegionLevel.COUNTY, RegionAct.ENDORSE, text)
    return move_application(actor, app, "endorse", level=RegionLevel.COUNTY.value, note=text)


def _send_back(actor: User, app: Application, action: str, reason: Any) -> Application:
    """Return (to the applicant, as a draft) or decline, with the reason the applicant reads."""
    level = actor.region_level or ""
    app, settings = lock_for_act(actor, app, level)
    check_at_level(app, settings, level)
    *before, last = act_moves(level, action, app.status)
    for move in before:  # the county acts only before it endorsed: refused before the reason is read
        check_move(move, app, app.round)
    text = clean_note(reason, required=True)
    check_move(last, app, app.round)
    record_check(actor, app, level, action, text)
    app.office_note = text
    app.city_rank = None
    return move_application(actor, app, action, level=level, reason=text)


def return_application(actor: User, app: Application, reason: Any) -> Application:
    """Send the application back to the applicant for correction (a draft again), with a reason."""
    return _send_back(actor, app, RegionAct.RETURN, reason)


def decline(actor: User, app: Application, reason: Any) -> Application:
    """Do not pass the application on (final in this round), with a reason."""
    return _send_back(actor, app, RegionAct.DECLINE, reason)


def check(actor: User, app: Application, passed: bool, note: Any = None) -> RegionCheck:
    """The city office records its check of an application that reached it: passed or not, a note."""
    app, settings = lock_for_act(actor, app, RegionLevel.CITY)
    check_at_level(app, settings, RegionLevel.CITY)
    # While it can still be recommended (or unrecommended): the same refusals as those acts.
    for move in act_moves(RegionLevel.CITY, RegionAct.CHECK, app.status):
        check_move(move, app, app.round)
    text = clean_note(note, required=not passed, field="note")
    if not passed and app.status == Status.RECOMMENDED.value:  # every recommended one passed its check
        raise ServiceError(
            409, msg(_FAILED_WHILE_RECOMMENDED, id=app.id, name=app.organisation.name, rank=app.city_rank)
        )
    row = record_check(actor, app, RegionLevel.CITY, RegionAct.CHECK, text, passed=bool(passed))
    audit.record(
        actor,
        "application.checked",
        "application",
        app.id,
        {"level": RegionLevel.CITY.value, "passed": bool(passed), "note": text},
    )
    return row


def last_check(app: Application) -> RegionCheck | None:
    """The city's latest check of the application, if any."""
    return latest_checks([app.id]).get(app.id)


def latest_checks(application_ids: list[int]) -> dict[int, RegionCheck]:
    """The city's latest check of each application that has one, by application id (one query)."""
    if not application_ids:
        return {}
    latest = (
        select(func.max(RegionCheck.id))
        .where(
            RegionCheck.application_id.in_(application_ids),
            RegionCheck.level == RegionLevel.CITY.value,
            RegionCheck.action == RegionAct.CHECK.value,
        )
        .group_by(RegionCheck.application_id)
    )
    rows = db.session.scalars(select(RegionCheck).where(RegionCheck.id.in_(latest)))
    return {row.application_id: row for row in rows}
