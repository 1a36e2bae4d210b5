"""Where each application stands in its cohort: its rank and percentile among its cohort's ranked
applications in the round's newest results, and the cohort's median share of each section's points
(what the breakdown's radar compares an application with).

Both read the newest results snapshot (``results.service``) and the newest cohort run with the
office's moves applied (``cohort_runs.service.current_cohorts``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from evaluator.cohort_runs.service import CohortRef, current_cohorts
from evaluator.extensions import db
from evaluator.results import service as results
from evaluator.results.models import ApplicationResult
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.workflow import ResultStatus


@dataclass(frozen=True)
class Standing:
    """An application's cohort and its place there: ``rank`` (1 + the cohort's ranked applications
    ranked above it in the round), ``of`` (the cohort's ranked applications) and ``percentile``
    (the share of the others in the cohort it ranks above, as the round's percentile is computed);
    rank and percentile are None for an application the results do not rank."""

    cohort: CohortRef
    rank: int | None
    of: int
    percentile: float | None


def _ranked_lines(rnd: Round) -> dict[int, ApplicationResult]:
    snapshot = results.latest(rnd)
    if snapshot is None:
        return {}
    return {
        line.application_id: line
        for line in db.session.scalars(
            select(ApplicationResult).where(ApplicationResult.snapshot_id == snapshot.id)
        )
    }


def standings(rnd: Round) -> dict[int, Standing]:
    """application id -> its standing in its cohort; {} without cohorts. Without results every
    application has its cohort and no rank."""
    cohorts = current_cohorts(rnd.id)
    if not cohorts:
        return {}
    lines = _ranked_lines(rnd)
    ranks: dict[int, list[tuple[int, int]]] = {}
    for aid, ref in cohorts.items():
        line = lines.get(aid)
        if line is not None and line.status == ResultStatus.RANKED.value and line.rank:
            ranks.setdefault(ref.number, []).append((line.rank, aid))
    out: dict[int, Standing] = {}
    for aid, ref in cohorts.items():
        mates = sorted(ranks.get(ref.number, []))
        n = len(mates)
        mine = next((r for r, a in mates if a == aid), None)
        if mine is None:
            out[aid] = Standing(ref, None, n, None)
            continue
        place = 1 + sum(1 for r, _ in mates if r < mine)
        percentile = 100.0 if n == 1 else 100.0 * (n - place) / (n - 1)
        out[aid] = Standing(ref, place, n, percentile)
    return out


def cohort_section_medians(rnd: Round, application_id: int) -> list[float | None] | None:
    """Per level-1 section of the criteria, the median share of its points over the complete
    applications (ranked or vetoed, with a total) of the application's cohort in the newest results;
    None when the application has no cohort or its cohort no complete application."""
    cohorts = current_cohorts(rnd.id)
    own = cohorts.get(application_id)
    if own is None:
        return None
    lines = _ranked_lines(rnd)
    sections = round_criteria(rnd).indicators
    shares = [
        [(line.sections.get(s.id) or 0.0) / s.points if s.points else 0.0 for s in sections]
        for aid, ref in cohorts.items()
        if ref.number == own.number
        and (line := lines.get(aid)) is not None
        and line.status != ResultStatus.INCOMPLETE.value
        and line.total is not None
    ]
    if not shares:
        return None
    return [float(x) for x in np.median(np.array(shares, dtype=float), axis=0)]
