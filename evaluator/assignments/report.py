"""What the assignment pages and the automatic run's report read: loads, section coverage of the
panels as they are, the applications to staff with their panels, and the filtered list of
assignments."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from sqlalchemy import Select, func, select

from evaluator.applications.models import Application
from evaluator.assignments.data import ACTIVE, Roster, load_roster, section_ids
from evaluator.assignments.models import Assignment
from evaluator.extensions import db
from evaluator.rounds.models import Round
from evaluator.workflow import Status


def coverage_report(rnd: Round, kind: str, per_application: int, roster: Roster | None = None) -> dict:
    """Loads and section coverage of the round's active panels of a kind, as they are now.

    Coverage counts the applications with a full panel (``staffed``): overall, the covered
    (application, section) pairs over all of them; ``fully_covered``, those with an expert of every
    section; per section, the share of staffed applications with an expert of it on the panel.
    """
    roster = roster or load_roster(rnd)
    sections = section_ids(rnd)
    index = {s: i for i, s in enumerate(sections)}
    masks = {r: sum(1 << index[s] for s in e) for r, e in zip(roster.ids, roster.expertise, strict=True)}
    rows = db.session.execute(
        select(Assignment.application_id, Assignment.reviewer_id).where(
            Assignment.round_id == rnd.id, Assignment.kind == kind, Assignment.status == ACTIVE
        )
    )
    cover: dict[int, int] = defaultdict(int)
    size: dict[int, int] = defaultdict(int)
    for app_id, rev_id in rows:
        cover[app_id] |= masks.get(rev_id, 0)
        size[app_id] += 1
    load = dict.fromkeys(roster.ids, 0) | reviewer_loads(rnd, kind)
    staffed = [a for a, n in size.items() if n >= per_application]
    bits = np.array([cover[a] for a in staffed], np.int64)
    per_section = []
    for s, i in index.items():
        hit = int(((bits >> i) & 1).sum()) if bits.size else 0
        per_section.append({"section": s, "covered": hit, "share": hit / len(staffed) if staffed else 0.0})
    covered_pairs = sum(p["covered"] for p in per_section)
    full = (1 << len(sections)) - 1
    values = list(load.values())
    return {
        "staffed": len(staffed),
        "loads": {
            "min": min(values) if values else 0,
            "max": max(values) if values else 0,
            "mean": sum(values) / len(values) if values else 0.0,  # full precision; pages round
        },
        "coverage": {
            "overall": covered_pairs / (len(staffed) * len(sections)) if staffed and sections else 0.0,
            "fully_covered": int(sum(1 for b in bits.tolist() if b & full == full)),
            "per_section": per_section,
        },
    }


def reviewer_loads(rnd: Round, kind: str | None = None, reviewer_id: int | None = None) -> dict[int, int]:
    """Each reviewer's load: the number of active assignments in the round (of a kind, or of every
    kind), by reviewer id (absent: none); only one reviewer's with ``reviewer_id``."""
    query = (
        select(Assignment.reviewer_id, func.count())
        .where(Assignment.round_id == rnd.id, Assignment.status == ACTIVE)
        .group_by(Assignment.reviewer_id)
    )
    if kind:
        query = query.where(Assignment.kind == kind)
    if reviewer_id is not None:
        query = query.where(Assignment.reviewer_id == reviewer_id)
    return {r: n for r, n in db.session.execute(query)}


def in_review_query(rnd: Round) -> Select:
    """The round's applications under review, by id: those panels are made for."""
    return (
        select(Application)
        .where(Application.round_id == rnd.id, Application.status == Status.UNDER_REVIEW.value)
        .order_by(Application.id)
    )


def active_panels(application_ids: list[int], kind: str) -> dict[int, list[Assignment]]:
    """The active assignments of a kind of each application, by application id (in id order)."""
    panels: dict[int, list[Assignment]] = {a: [] for a in application_ids}
    if application_ids:
        query = select(Assignment).where(
            Assignment.application_id.in_(list(panels)), Assignment.kind == kind, Assignment.status == ACTIVE
        )
        for row in db.session.scalars(query.order_by(Assignment.id)):
            panels[row.application_id].append(row)
    return panels


def assignments_query(
    rnd: Round | None = None,
    *,
    reviewer_id: int | None = None,
    application_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
):
    """The assignments, filtered, in a stable order (application, then id)."""
    query = select(Assignment).order_by(Assignment.application_id, Assignment.id)
    for column, value in (
        (Assignment.round_id, rnd.id if rnd else None),
        (Assignment.reviewer_id, reviewer_id),
        (Assignment.application_id, application_id),
        (Assignment.status, status),
        (Assignment.kind, kind),
    ):
        if value is not None:
            query = query.where(column == value)
    return query
