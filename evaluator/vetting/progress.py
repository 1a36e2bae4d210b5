"""Where an application stands, as its applicant follows it: 区县 → 市州 → 省 → 公示 → 认定
(``workflow.Stage``), each stage done (with the date it was passed), in progress, still to come, not
needed (a step the round or the kind of applicant skips), or where the application stopped (with
the date and the reason).

Read from the records, never stored: the region offices' acts (``RegionCheck``), the round's phase
moves and the closing of the region steps in the audit log (``round.transition``,
``round.vetting_closed``), and the application's withdrawal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from evaluator.applications.models import Application
from evaluator.audit import service as audit
from evaluator.core.db import as_aware
from evaluator.extensions import db
from evaluator.messages import N_, msg
from evaluator.rounds.settings import settings_of
from evaluator.vetting.closing import CLOSED_EVENT
from evaluator.vetting.service import checks_of
from evaluator.workflow import OrgKind, Phase, RegionAct, RegionLevel, Stage, StageState, Status

STOP_REASONS = {
    "county": N_("Your county office had not endorsed the application when the provincial review opened."),
    "city": N_(
        "Your city office did not recommend the application to the province before the provincial "
        "review opened (each city recommends within its quota)."
    ),
    "returned": N_(
        "The application was returned for correction and not submitted again before the provincial "
        "review opened."
    ),
    "withdrawn": N_("You withdrew the application."),
}
NEXT_OFFICE = {
    Stage.COUNTY: N_("The application has been submitted. Your county civil-affairs office checks it next."),
    Stage.CITY: N_("The application has been submitted. Your city civil-affairs office checks it next."),
    Stage.PROVINCE: N_(
        "The application has been submitted. It goes to the provincial review once the round's "
        "submission period has ended."
    ),
}
"""The applicant's message on submitting, by the stage the application goes to first."""
_PAST_REGION = (Status.UNDER_REVIEW, Status.SCORED, Status.SHORTLISTED, Status.NOT_SHORTLISTED)
_PAST_REGION += (Status.RECOGNISED, Status.REJECTED)


@dataclass(frozen=True)
class StageRow:
    """One stage as the applicant reads it: its state, the date (passed, stopped, or in progress
    since) and, where it stopped, the reason (a message, or the office's own words)."""

    stage: Stage
    state: StageState
    at: datetime | None = None
    reason: str | None = None

    @property
    def iso(self) -> str | None:
        """The date and time in UTC for machines (a ``<time datetime>``)."""
        return as_aware(self.at).isoformat(timespec="seconds") if self.at is not None else None


def first_stage(app: Application) -> Stage:
    """The stage a submitted application goes to first: its county office, else its city office,
    else the provincial review (the round's steps and the kind of applicant decide)."""
    settings = settings_of(app.round)
    if settings.county_step and app.organisation.kind != OrgKind.COUNTY.value:
        return Stage.COUNTY
    return Stage.CITY if settings.city_step else Stage.PROVINCE


def submitted_message(app: Application) -> str:
    """What the applicant reads on submitting: who deals with the application next."""
    return NEXT_OFFICE[first_stage(app)]


def _round_events(app: Application, action: str) -> list[Any]:
    query = audit.events_query(action=action, object_type="round", object_id=app.round_id)
    return list(db.session.scalars(query))


def _phase_dates(app: Application) -> dict[str, datetime]:
    """When the round entered each phase it has reached (its ``round.transition`` events)."""
    return {e.summary.get("to"): e.at for e in reversed(_round_events(app, "round.transition"))}


def _last(checks: list[Any], level: str, action: str) -> Any:
    return next((c for c in reversed(checks) if c.level == level and c.action == action), None)


def _stop(app: Application, checks: list[Any]) -> tuple[Stage, datetime | None, str | None] | None:
    """Where the application stopped, when, and why (None while it is on its way)."""
    status = app.status
    if status == Status.DECLINED:
        decline = next((c for c in reversed(checks) if c.action == RegionAct.DECLINE), None)
        level = decline.level if decline is not None else RegionLevel.COUNTY
        return Stage(level), decline.created_at if decline else None, app.office_note
    if status == Status.NOT_RECOMMENDED:
        event = next(iter(_round_events(app, CLOSED_EVENT)), None)
        stops = (event.summary.get("stopped_at") or {}) if event is not None else {}
        stop = next((k for k, ids in stops.items() if app.id in ids), "city")
        stage = Stage.CITY if stop == "city" else Stage.COUNTY
        if stop == "returned":
            back = next((c for c in reversed(checks) if c.action == RegionAct.RETURN), None)
            stage = Stage(back.level) if back is not None else Stage.COUNTY
        reason = msg(STOP_REASONS.get(stop, STOP_REASONS["city"]))
        return stage, event.at if event is not None else None, reason
    if status == Status.WITHDRAWN:
        query = audit.events_query("application.withdrawn", "application", app.id)
        event = db.session.scalars(query.limit(1)).first()
        return _waiting_at(app), event.at if event is not None else None, msg(STOP_REASONS["withdrawn"])
    if status == Status.NOT_SHORTLISTED:
        return Stage.PROVINCE, None, None
    if status == Status.REJECTED:
        return Stage.RECOGNITION, None, None
    return None


def _waiting_at(app: Application) -> Stage:
    """The region stage a submitted or endorsed application waits at (or the province, after them)."""
    settings = settings_of(app.round)
    county = settings.county_step and app.organisation.kind != OrgKind.COUNTY.value
    if app.status in (Status.SUBMITTED, Status.WITHDRAWN) and county:
        return Stage.COUNTY
    if app.status in (Status.SUBMITTED, Status.WITHDRAWN, Status.ENDORSED) and settings.city_step:
        return Stage.CITY
    return Stage.PROVINCE


def progress(app: Application) -> list[StageRow]:
    """The application's five stages, in order (an application past its draft)."""
    settings = settings_of(app.round)
    checks = checks_of(app)
    phases = _phase_dates(app)
    skipped = {
        Stage.COUNTY: not settings.county_step or app.organisation.kind == OrgKind.COUNTY.value,
        Stage.CITY: not settings.city_step,
    }
    passed = {
        Stage.COUNTY: getattr(_last(checks, RegionLevel.COUNTY, RegionAct.ENDORSE), "created_at", None),
        Stage.CITY: getattr(_last(checks, RegionLevel.CITY, RegionAct.RECOMMEND), "created_at", None),
        Stage.PROVINCE: phases.get(Phase.NOTICE),
        Stage.NOTICE: phases.get(Phase.FINAL),
        Stage.RECOGNITION: phases.get(Phase.FINAL),
    }
    stop = _stop(app, checks)
    if stop is not None:
        here = stop[0]
    elif app.status in _PAST_REGION or app.status == Status.RECOMMENDED:
        here = _later_stage(app)
    else:
        here = _waiting_at(app)
    order = list(Stage)
    rows = []
    for stage in order:
        if skipped.get(stage):
            rows.append(StageRow(stage, StageState.SKIPPED))
        elif order.index(stage) < order.index(here):
            rows.append(StageRow(stage, StageState.DONE, passed.get(stage)))
        elif stage == here and stop is not None:
            rows.append(StageRow(stage, StageState.STOPPED, stop[1], stop[2]))
        elif stage == here:
            since = {
                Stage.PROVINCE: phases.get(Phase.REVIEW),
                Stage.NOTICE: phases.get(Phase.NOTICE),
                Stage.RECOGNITION: phases.get(Phase.FINAL),
            }
            rows.append(StageRow(stage, StageState.CURRENT, since.get(stage)))
        else:
            rows.append(StageRow(stage, StageState.UPCOMING))
    if app.status == Status.RECOGNISED:
        rows[-1] = StageRow(Stage.RECOGNITION, StageState.DONE, passed[Stage.RECOGNITION])
    return rows


def _later_stage(app: Application) -> Stage:
    """The stage of an application past the region steps, by its round's phase: the provincial
    review until the shortlist's public notice, then the notice, then the recognition."""
    phase = app.round.phase
    if phase == Phase.NOTICE:
        return Stage.NOTICE
    return Stage.RECOGNITION if phase == Phase.FINAL else Stage.PROVINCE
