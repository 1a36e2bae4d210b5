"""Closing the region steps when a round enters review: every application still at one — submitted,
endorsed, or a draft an office returned and its applicant did not submit again — ends
``not_recommended`` (未获推荐), final, in one bulk UPDATE with one summarising audit event
``round.vetting_closed`` on the round that names each by where it stopped (``STOPS``). The
applicant's page reads that event for the reason and the date (``vetting.progress``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.applications.transitions import check_round_allows
from evaluator.audit import service as audit
from evaluator.core.db import utcnow
from evaluator.extensions import db
from evaluator.rounds.models import Round
from evaluator.rounds.settings import ReviewSettings
from evaluator.vetting.conditions import returned
from evaluator.workflow import MOVES, OrgKind, Status

CLOSED_EVENT = "round.vetting_closed"


def left_at_a_step() -> Any:
    """The SQL condition of an application still at a region step once those let through moved on:
    submitted or endorsed, or a draft an office returned (not submitted again)."""
    return or_(
        Application.status.in_([Status.SUBMITTED.value, Status.ENDORSED.value]),
        returned(),
    )


def stopped_at(settings: ReviewSettings, status: str, kind: str) -> str:
    """Where an application left at a step stopped (``STOPS``): returned to its applicant, at its
    county office (submitted, passing through its county), or at its city office."""
    if status == Status.DRAFT.value:
        return "returned"
    if status == Status.SUBMITTED.value and settings.county_step and kind != OrgKind.COUNTY.value:
        return "county"
    return "city"


STOPS = ("county", "city", "returned")
"""Where an application not recommended stopped, as the ``round.vetting_closed`` event records it."""


def close_vetting(actor: User | None, rnd: Round, settings: ReviewSettings) -> list[int]:
    """Every application left at a region step ends ``not_recommended`` (move ``not_recommend``;
    flushes): one bulk UPDATE and one summarising audit event ``round.vetting_closed`` on the round,
    naming the applications by where they stopped (``STOPS``), read by the applicant's page. No
    event when none was left at a step."""
    move = MOVES["not_recommend"]
    check_round_allows(move, rnd, move.done)
    left = (
        select(Application.id, Application.status, Organisation.kind)
        .join(Organisation, Application.organisation_id == Organisation.id)
        .where(Application.round_id == rnd.id, left_at_a_step())
    )
    rows = db.session.execute(left.order_by(Application.id)).all()
    stops: dict[str, list[int]] = {stop: [] for stop in STOPS}
    for ident, status, kind in rows:
        stops[stopped_at(settings, status, kind)].append(ident)
    ids = [ident for ident, _, _ in rows]
    if not ids:
        return ids
    db.session.execute(
        update(Application)
        .where(Application.id.in_(left.with_only_columns(Application.id)))  # the round is locked
        .values(
            status=move.target.value, city_rank=None, version=Application.version + 1, updated_at=utcnow()
        )
        .execution_options(synchronize_session=False)
    )
    closed = set(ids)
    for row in list(db.session.identity_map.values()):
        if isinstance(row, Application) and row.id in closed:
            db.session.expire(row)
    audit.record(
        actor,
        CLOSED_EVENT,
        "round",
        rnd.id,
        {
            "to_status": move.target.value,
            "applications": len(ids),
            "application_ids": ids,
            "stopped_at": stops,
            "county_step": settings.county_step,
            "city_step": settings.city_step,
        },
    )
    return ids
