"""The exact part: a min-cost maximum flow (OR-Tools) and augmenting paths that add one application.

Network: source → application (capacity R) → reviewer (one arc per allowed pair, capacity 1) →
sink. A reviewer's arcs to the sink are convex: capacity ``base`` = floor(demand / reviewers) at
cost 0, then one arc per further unit up to the cap, the k-th above ``base`` costing ``BALANCE·k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

JITTER = 8  # seeded tie-breaking noise per pair, in [0, JITTER)
MATCH = 8  # per criteria section a reviewer is expert in
BALANCE = 16  # per unit of load above the even share, times how far above


@dataclass(frozen=True)
class FlowResult:
    """The flow's pairs (row, column indices of the assigned arcs), per-row flow and status."""

    rows: np.ndarray
    cols: np.ndarray
    per_row: np.ndarray
    value: int
    cost: int
    status: str


def pair_costs(
    rows: np.ndarray,
    cols: np.ndarray,
    weights: np.ndarray,
    planned: np.ndarray,
    cap: int,
    n_sections: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Non-negative int64 arc costs: planned pairs far cheapest, then expert reviewers, then jitter."""
    small = JITTER + MATCH * max(n_sections, 1)
    plan_bonus = 2 * (small + BALANCE * (cap + 1))  # > any saving one unit off the plan can make
    cost = MATCH * (n_sections - weights[cols]).astype(np.int64)
    cost += rng.integers(0, JITTER, size=rows.size, dtype=np.int64)
    cost += np.where(planned, 0, plan_bonus).astype(np.int64)
    return cost


def solve_flow(
    n: int,
    m: int,
    rows: np.ndarray,
    cols: np.ndarray,
    costs: np.ndarray,
    per_row: int,
    cap: int,
    active: np.ndarray,
    initial: np.ndarray | None = None,
) -> FlowResult:
    """Min-cost maximum flow giving each active row up to ``per_row`` columns, each column ≤ ``cap``.

    ``initial``: the load each column holds already; it uses up the column's cheapest units."""
    source, sink = 0, n + m + 1
    rows_active = np.flatnonzero(active)
    demand = per_row * rows_active.size
    keep = active[rows]
    rows, cols, costs = rows[keep], cols[keep], costs[keep]
    held = np.zeros(m, np.int64) if initial is None else initial.astype(np.int64)
    base = min(cap, (demand + int(held.sum())) // m) if m else 0
    tails = [np.zeros(rows_active.size, np.int32), (rows + 1).astype(np.int32)]
    heads = [(rows_active + 1).astype(np.int32), (cols + n + 1).astype(np.int32)]
    caps = [np.full(rows_active.size, per_row, np.int64), np.ones(rows.size, np.int64)]
    unit = [np.zeros(rows_active.size, np.int64), costs.astype(np.int64)]
    reviewers = np.arange(m, dtype=np.int32) + n + 1
    if base > 0:
        tails.append(reviewers)
        heads.append(np.full(m, sink, np.int32))
        caps.append(np.maximum(base - held, 0))
        unit.append(np.zeros(m, np.int64))
    for k in range(1, cap - base + 1):
        tails.append(reviewers)
        heads.append(np.full(m, sink, np.int32))
        caps.append((held < base + k).astype(np.int64))
        unit.append(np.full(m, BALANCE * k, np.int64))
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), np.concatenate(unit)
    )
    solver.set_node_supply(source, demand)
    solver.set_node_supply(sink, -demand)
    status = solver.solve_max_flow_with_min_cost()
    name = _status_name(status)
    if status != solver.OPTIMAL:
        return FlowResult(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(n, np.int64), 0, 0, name)
    first = rows_active.size
    flows = solver.flows(np.arange(first, first + rows.size, dtype=np.int32))
    used = flows > 0
    per = np.bincount(rows[used], minlength=n).astype(np.int64)
    return FlowResult(
        rows[used], cols[used], per, int(solver.maximum_flow()), int(solver.optimal_cost()), name
    )


def _status_name(status) -> str:
    return getattr(status, "name", str(status))


def augment(assigned: np.ndarray, allowed: np.ndarray, loads: np.ndarray, cap: int, u: int) -> bool:
    """One augmenting path for row ``u`` in the residual network; applies it and says whether it found one.

    A path is u → r₁ (a new pair); if r₁ is at the cap, some application a₁ holding r₁ gives it up
    and takes r₂ instead, and so on, until a reviewer below the cap is reached (breadth-first, so a
    shortest such chain).
    """
    n, m = assigned.shape
    parent_rev = np.full(m, -1, np.int64)  # the application that reaches reviewer r
    parent_app = np.full(n, -1, np.int64)  # the reviewer through which application a is reached
    seen_rev = np.zeros(m, bool)
    seen_app = np.zeros(n, bool)
    seen_app[u] = True
    frontier = np.array([u], np.int64)
    while frontier.size:
        open_ = allowed[frontier] & ~assigned[frontier] & ~seen_rev
        f_idx, r_idx = np.nonzero(open_)
        if r_idx.size == 0:
            return False
        r_new, first = np.unique(r_idx, return_index=True)
        parent_rev[r_new] = frontier[f_idx[first]]
        seen_rev[r_new] = True
        free = r_new[loads[r_new] < cap]
        if free.size:
            _apply(assigned, loads, parent_rev, parent_app, int(free[0]), u)
            return True
        a_idx, c_idx = np.nonzero(assigned[:, r_new] & ~seen_app[:, None])
        a_new, first = np.unique(a_idx, return_index=True)
        parent_app[a_new] = r_new[c_idx[first]]
        seen_app[a_new] = True
        frontier = a_new
    return False


def _apply(assigned, loads, parent_rev, parent_app, r: int, u: int) -> None:
    loads[r] += 1
    while True:
        a = int(parent_rev[r])
        assigned[a, r] = True
        if a == u:
            return
        r = int(parent_app[a])
        assigned[a, r] = False


def add_application(
    assigned: np.ndarray, allowed: np.ndarray, loads: np.ndarray, cap: int, u: int, need: int
) -> bool:
    """Give row ``u`` ``need`` more reviewers by augmenting paths, or change nothing and return False."""
    saved_assigned, saved_loads = assigned.copy(), loads.copy()
    for _ in range(need):
        if not augment(assigned, allowed, loads, cap, u):
            assigned[...] = saved_assigned
            loads[...] = saved_loads
            return False
    return True
