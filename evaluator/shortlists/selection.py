"""Who is proposed: the per-cohort ranking and the quotas, as a pure function of a table.

The table has one row per application of a results snapshot. Eligible are the applications the
engine ranked (no veto, enough reviews) whose grade the criteria recognise (the pass rules met).
Within a cohort the eligible are ordered by the results' rank — the criteria's tie-break chain over
the whole round, which orders any two applications by their own figures, so restricted to a cohort
it is the chain's order within the cohort.

Applications are then taken in turn, each cohort's first before any cohort's second (within a
position, by the overall rank): one is in unless its cohort's quota, its city's quota or the
overall cap is already filled by those taken before it. So an overall cap smaller than the cohorts'
quotas together cuts every cohort alike rather than the weakest cohort first, and a city's quota
passes a seat to the next of the same cohort.

No Flask, no database: a DataFrame in, a DataFrame out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaluator.scoring.tolerance import tie_classes

COLUMNS = ("application_id", "cohort", "city_code", "status", "recognised", "rank", "total")
"""The columns ``select`` reads: the cohort's number, the result's status (ranked, vetoed,
incomplete), whether the grade is recognised, the overall rank (0 or NaN when unranked), the total."""


@dataclass(frozen=True)
class Quota:
    """A number of applications, or a share (0–1) of the eligible ones (a share rounds up)."""

    kind: str = "number"
    value: float = 0

    def limit(self, eligible: int) -> int:
        """How many of ``eligible`` applications the quota lets in."""
        if self.kind == "number":
            return int(self.value)
        return math.ceil(round(self.value * eligible, 9))


@dataclass(frozen=True)
class Rules:
    """The quotas: a default per cohort, overrides by cohort number, per city code, and the cap.
    ``None`` for a quota or the cap: no limit of that kind."""

    cohort: Quota | None = None
    cohorts: dict[int, Quota] = field(default_factory=dict)
    cities: dict[str, Quota] = field(default_factory=dict)
    cap: int | None = None

    def cohort_quota(self, number: int) -> Quota | None:
        """The quota of one cohort: its own, else the default."""
        return self.cohorts.get(number, self.cohort)


def select(table: pd.DataFrame, rules: Rules, scale: float) -> pd.DataFrame:
    """Each application with its place in its cohort and whether and why it is in.

    Adds ``eligible``, ``cohort_rank`` (1-based among its cohort's eligible; 0 elsewhere),
    ``selected``, ``reason`` (a ``workflow.EntryReason`` value), ``limit`` (the quota or cap that
    kept it out, or its cohort's quota when it is in; -1 for none), ``cohort_size`` (eligible in
    its cohort) and ``tied`` (out, its total tying within the tolerance of ``scale`` with that of
    the last one of its cohort taken in: the tie-break chain placed it after). Rows keep their order.
    """
    out = table.loc[:, list(COLUMNS)].copy()
    n = len(out)
    rank = pd.to_numeric(out["rank"], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
    status = out["status"].astype(str).to_numpy()
    eligible = (status == "ranked") & out["recognised"].astype(bool).to_numpy() & (rank > 0)
    cohort = out["cohort"].to_numpy(dtype=np.int64)
    city = out["city_code"].astype(str).to_numpy()
    total = pd.to_numeric(out["total"], errors="coerce").to_numpy(dtype=float)

    reason = np.where(
        status == "vetoed", "vetoed", np.where(status == "incomplete", "incomplete", "below_pass")
    ).astype(object)
    cohort_rank = np.zeros(n, dtype=np.int64)
    size = np.zeros(n, dtype=np.int64)
    limit = np.full(n, -1, dtype=np.int64)
    selected = np.zeros(n, dtype=bool)
    tied = np.zeros(n, dtype=bool)

    rows = np.flatnonzero(eligible)
    rows = rows[np.lexsort((rank[rows], cohort[rows]))]  # by cohort, then by the chain
    limits: dict[int, int | None] = {}
    for number in np.unique(cohort[rows]):
        members = rows[cohort[rows] == number]
        cohort_rank[members] = np.arange(1, members.size + 1)
        size[members] = members.size
        quota = rules.cohort_quota(int(number))
        limits[int(number)] = None if quota is None else quota.limit(members.size)
    city_limits = {code: q.limit(int((eligible & (city == code)).sum())) for code, q in rules.cities.items()}

    taken_cohort: dict[int, int] = {}
    taken_city: dict[str, int] = {}
    last_in: dict[int, int] = {}
    taken = 0
    for row in rows[np.lexsort((rank[rows], cohort_rank[rows]))]:
        number, code = int(cohort[row]), str(city[row])
        own = limits[number]
        if own is not None and taken_cohort.get(number, 0) >= own:
            reason[row], limit[row] = "cohort_full", own
        elif code in city_limits and taken_city.get(code, 0) >= city_limits[code]:
            reason[row], limit[row] = "city_full", city_limits[code]
        elif rules.cap is not None and taken >= rules.cap:
            reason[row], limit[row] = "cap_reached", rules.cap
        else:
            selected[row], reason[row] = True, "selected"
            limit[row] = -1 if own is None else own
            taken_cohort[number] = taken_cohort.get(number, 0) + 1
            taken_city[code] = taken_city.get(code, 0) + 1
            taken += 1
            last_in[number] = row
    for number, row in last_in.items():
        left = rows[(cohort[rows] == number) & ~selected[rows]]
        if left.size:
            classes = tie_classes(np.concatenate([[total[row]], total[left]]), scale)
            tied[left] = classes[1:] == classes[0]

    out["eligible"] = eligible
    out["cohort_rank"] = cohort_rank
    out["cohort_size"] = size
    out["selected"] = selected
    out["reason"] = reason
    out["limit"] = limit
    out["tied"] = tied
    return out


def cohort_limits(table: pd.DataFrame, rules: Rules) -> dict[int, int | None]:
    """Each cohort's number of seats (None: no quota), from a table ``select`` returned."""
    out: dict[int, int | None] = {}
    for number, group in table.groupby("cohort", sort=True):
        quota = rules.cohort_quota(int(number))
        out[int(number)] = None if quota is None else quota.limit(int(group["eligible"].sum()))
    return out
