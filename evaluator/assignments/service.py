"""Automatic reviewer assignment for a round: the database read into an ``AssignmentProblem``, the
pure solver (``evaluator.assignment``), and the pairs written back in bulk.

An automatic run keeps every active assignment and fills each panel up to R. Pairs that exist in any
status (active, recused, removed) are never made again, so they are passed to the solver as declared
conflicts, and the loads reviewers already hold count against the cap (``reviewer_loads``).
Applications short by different numbers are solved in groups, the largest need first. Every change
of a round's assignments (automatic or manual) locks the round's row, so two runs never overlap.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import insert, select

from evaluator.accounts.models import User
from evaluator.assignment import AssignmentProblem, assign
from evaluator.assignments.data import (
    ACTIVE,
    Applications,
    Roster,
    active_reviewers,
    check_kind,
    default_cap,
    load_applications,
    load_roster,
    lock_round_for_assignment,
    panel_size,
    rules_of,
    section_ids,
)
from evaluator.assignments.declarations import accepted_pairs
from evaluator.assignments.models import Assignment
from evaluator.assignments.report import (
    active_panels,
    assignments_query,
    coverage_report,
    in_review_query,
    reviewer_loads,
)
from evaluator.audit import service as audit
from evaluator.core.db import utcnow
from evaluator.extensions import db
from evaluator.rounds.models import Round
from evaluator.rounds.settings import settings_of
from evaluator.workflow import AssignmentKind, AssignmentSource

__all__ = [
    "Applications",
    "Roster",
    "active_panels",
    "active_reviewers",
    "assignments_query",
    "auto_assign",
    "check_kind",
    "coverage_report",
    "in_review_query",
    "load_applications",
    "load_roster",
    "panel_size",
    "reviewer_loads",
]


def _pairs(rnd: Round, kind: str) -> tuple[dict[int, int], set[tuple[int, int]]]:
    """(active panel size by application, every existing pair) of a kind."""
    panel: dict[int, int] = defaultdict(int)
    taken: set[tuple[int, int]] = set()
    rows = db.session.execute(
        select(Assignment.application_id, Assignment.reviewer_id, Assignment.status).where(
            Assignment.round_id == rnd.id, Assignment.kind == kind
        )
    )
    for app_id, rev_id, status in rows:
        taken.add((app_id, rev_id))
        if status == ACTIVE:
            panel[app_id] += 1
    return panel, taken


def auto_assign(
    actor: User,
    rnd: Round,
    *,
    seed: int = 0,
    kind: str = AssignmentKind.MATERIALS.value,
    per_application: int | None = None,
    max_load: int | None = None,
) -> dict[str, Any]:
    """Fill every panel of the round's applications under review up to R, keeping the active
    assignments; returns the report (also audited). Only in review; the round's row is locked."""
    rnd = lock_round_for_assignment(rnd)
    settings = settings_of(rnd)
    check_kind(settings, kind)
    need_r = per_application or panel_size(settings, kind)
    apps, roster = load_applications(rnd), load_roster(rnd)
    panel, taken = _pairs(rnd, kind)
    loads = reviewer_loads(rnd, kind)
    cap = max_load or settings.max_load or default_cap(len(apps.ids), need_r, len(roster.ids))
    declared = accepted_pairs(rnd)
    held = np.array([loads.get(r, 0) for r in roster.ids], np.int64)
    names = dict(zip(apps.ids, apps.names, strict=True))
    groups: dict[int, list[int]] = defaultdict(list)
    for i, app_id in enumerate(apps.ids):
        short = need_r - panel.get(app_id, 0)
        if short > 0:
            groups[short].append(i)
    new_apps: list[int] = []
    new_revs: list[int] = []
    uncovered: list[dict[str, Any]] = []
    solver_seconds = 0.0
    for need in sorted(groups, reverse=True):
        rows = groups[need]
        ids = [apps.ids[i] for i in rows]
        id_set = set(ids)
        conflicts = [p for p in taken if p[0] in id_set] + [p for p in declared if p[0] in id_set]
        problem = AssignmentProblem(
            application_ids=ids,
            application_counties=[apps.counties[i] for i in rows],
            application_affiliations=[apps.affiliations[i] for i in rows],
            reviewer_ids=roster.ids,
            reviewer_regions=roster.regions,
            reviewer_affiliations=roster.affiliations,
            reviewer_expertise=roster.expertise,
            sections=section_ids(rnd),
            conflicts=conflicts,
            per_application=need,
            max_load=cap,
            rules=rules_of(settings),
            seed=seed,
            reviewer_loads=[int(v) for v in held],
        )
        result = assign(problem)
        solver_seconds += result.seconds
        held = result.loads.astype(np.int64)
        new_apps.extend(int(a) for a in result.application_ids.tolist())
        new_revs.extend(int(r) for r in result.reviewer_ids.tolist())
        uncovered.extend(
            {
                "application_id": int(u.application_id),
                "organisation": names[u.application_id],
                "missing": need,
                "candidates": u.candidates,
                "reason": u.reason,
            }
            for u in result.uncovered
        )
    _insert(rnd, actor, kind, new_apps, new_revs)
    report = coverage_report(rnd, kind, need_r, roster)
    report.update(
        round_id=rnd.id,
        kind=kind,
        seed=seed,
        per_application=need_r,
        max_load=cap,
        pairs_made=len(new_apps),
        kept=int(sum(panel.values())),
        applications=len(apps.ids),
        reviewers=len(roster.ids),
        uncovered=sorted(uncovered, key=lambda u: u["application_id"]),
        solver_seconds=round(solver_seconds, 3),
    )
    report["status"] = "complete" if not uncovered else ("partial" if report["staffed"] else "infeasible")
    audit.record(
        actor,
        "assignment.auto",
        "round",
        rnd.id,
        {
            k: report[k]
            for k in (
                "kind",
                "seed",
                "per_application",
                "max_load",
                "pairs_made",
                "kept",
                "applications",
                "reviewers",
                "loads",
                "status",
                "staffed",
            )
        }
        | {
            "coverage": report["coverage"]["overall"],
            "fully_covered": report["coverage"]["fully_covered"],
            "uncovered": [
                {"application_id": u["application_id"], "reason": str(u["reason"])}
                for u in report["uncovered"][:200]
            ],
            "uncovered_count": len(report["uncovered"]),
        },
    )
    return report


def _insert(rnd: Round, actor: User, kind: str, app_ids: list[int], rev_ids: list[int]) -> None:
    """Bulk insert of new active assignments (one multi-row statement per batch)."""
    if not app_ids:
        return
    now = utcnow()
    rows = [
        {
            "round_id": rnd.id,
            "application_id": a,
            "reviewer_id": r,
            "kind": kind,
            "status": ACTIVE,
            "source": AssignmentSource.AUTO.value,
            "created_by": actor.id,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for a, r in zip(app_ids, rev_ids, strict=True)
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Assignment), rows[start : start + 5000])
    db.session.flush()
