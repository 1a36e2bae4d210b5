"""The office's overview: every round with its applications counted by status, and applications
counted per city — the figures of the dashboard page and of GET /api/v1/dashboard."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from evaluator.accounts.models import Organisation
from evaluator.applications.models import Application
from evaluator.extensions import db
from evaluator.rounds.models import Round
from evaluator.workflow import Status

STATUSES = tuple(s.value for s in Status)


def _empty() -> dict[str, int]:
    return dict.fromkeys(STATUSES, 0)


def round_overview() -> list[dict[str, Any]]:
    """Every round, newest first, with ``counts`` of its applications by status and their ``total``."""
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(Application.round_id, Application.status, func.count()).group_by(
            Application.round_id, Application.status
        )
    )
    for round_id, status, n in rows:
        counts.setdefault(round_id, _empty())[status] = n
    rounds = db.session.scalars(select(Round).order_by(Round.id.desc())).all()
    return [
        {"round": rnd, "counts": counts.get(rnd.id, _empty()), "total": sum(counts.get(rnd.id, {}).values())}
        for rnd in rounds
    ]


def city_counts(round_id: int | None = None) -> list[dict[str, Any]]:
    """Applications per city of the applicant organisations (of one round, or all), most first:
    ``city``, ``city_code``, ``counts`` by status and ``total``."""
    query = (
        select(Organisation.city_code, Organisation.city, Application.status, func.count())
        .join(Organisation, Organisation.id == Application.organisation_id)
        .group_by(Organisation.city_code, Organisation.city, Application.status)
    )
    if round_id is not None:
        query = query.where(Application.round_id == round_id)
    cities: dict[tuple[str, str], dict[str, int]] = {}
    for code, city, status, n in db.session.execute(query):
        cities.setdefault((code, city), _empty())[status] = n
    found = [
        {"city": city, "city_code": code, "counts": counts, "total": sum(counts.values())}
        for (code, city), counts in cities.items()
    ]
    return sorted(found, key=lambda c: (-c["total"], c["city_code"], c["city"]))


def overview(round_id: int | None = None) -> dict[str, Any]:
    """What the dashboard shows: the rounds, the applications per city and the statuses counted."""
    rounds = round_overview()
    totals = _empty()
    for item in rounds:
        for status, n in item["counts"].items():
            totals[status] += n
    return {
        "rounds": rounds,
        "cities": city_counts(round_id),
        "totals": totals,
        "total": sum(totals.values()),
        "statuses": list(STATUSES),
    }
