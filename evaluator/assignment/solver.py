"""``assign``: conflicts → plan → min-cost max flow → dropping/re-adding short applications → coverage."""

from __future__ import annotations

import time

import numpy as np

from evaluator.messages import Message, msg
from evaluator.workflow import REGION_LEVEL_LABELS, RegionLevel

from .conflicts import ConflictMatrices, conflict_matrices
from .coverage import Improver, coverable_masks, greedy_plan, popcount
from .flow import add_application, pair_costs, solve_flow
from .problem import Assignment, AssignmentProblem, Uncovered


def assign(problem: AssignmentProblem, *, max_passes: int = 6) -> Assignment:
    """Assign ``per_application`` reviewers to every application a valid assignment can cover.

    Deterministic for ``problem.seed``. ``max_passes`` bounds the coverage local search (a count,
    not a time, so that the result does not depend on the machine's speed).
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    n, m = len(problem.application_ids), len(problem.reviewer_ids)
    need, cap = problem.per_application, problem.cap
    rng = np.random.default_rng(problem.seed)
    held = problem.initial_loads()
    matrices = conflict_matrices(problem)
    allowed = matrices.allowed
    masks = problem.expertise_masks()
    candidates = allowed.sum(axis=1)
    coverable = coverable_masks(allowed, masks)
    timings["conflicts"] = time.perf_counter() - started

    t = time.perf_counter()
    active = candidates >= need
    order_b = np.lexsort((rng.random(n), candidates))
    plans = [
        greedy_plan(allowed & active[:, None], masks, need, cap, np.arange(n), np.arange(m), held),
        greedy_plan(allowed & active[:, None], masks, need, cap, order_b, rng.permutation(m), held),
    ]
    plan = max(plans, key=lambda p: _plan_quality(p, masks, need))
    timings["plan"] = time.perf_counter() - t

    t = time.perf_counter()
    rows, cols = np.nonzero(allowed)
    weights = popcount(masks)
    costs = pair_costs(rows, cols, weights, plan[rows, cols], cap, len(problem.sections), rng)
    flow = solve_flow(n, m, rows, cols, costs, need, cap, active, held)
    timings["flow"] = time.perf_counter() - t

    t = time.perf_counter()
    assigned = np.zeros((n, m), bool)
    full = flow.per_row == need
    keep = full[flow.rows]
    assigned[flow.rows[keep], flow.cols[keep]] = True
    loads = assigned.sum(axis=0).astype(np.int64) + held
    short = np.flatnonzero(active & ~full)
    short = short[np.lexsort((rng.random(short.size), -candidates[short], -flow.per_row[short]))]
    for u in short:
        if m * cap - int(loads.sum()) < need:
            break
        if add_application(assigned, allowed, loads, cap, int(u), need):
            full[u] = True
    timings["repair"] = time.perf_counter() - t

    t = time.perf_counter()
    covered_rows = np.flatnonzero(full)
    improver = Improver(assigned, allowed, masks, loads, cap, coverable, covered_rows, need)
    improver.run(rng, max_passes)
    timings["coverage"] = time.perf_counter() - t

    uncovered = tuple(
        Uncovered(
            problem.application_ids[a],
            int(candidates[a]),
            _reason(problem, matrices, int(a), int(candidates[a]), cap, held),
        )
        for a in np.flatnonzero(~full)
    )
    covered = np.where(full, popcount(improver.cov), 0)
    n_sections = len(problem.sections)
    share = covered / n_sections if n_sections else np.where(full, 1.0, 0.0)
    total = n_sections * covered_rows.size
    overall = float(covered.sum() / total) if total else (1.0 if covered_rows.size else 0.0)
    pr, pc = np.nonzero(assigned)
    app_ids, rev_ids = np.asarray(problem.application_ids), np.asarray(problem.reviewer_ids)
    status = "complete" if not uncovered else ("partial" if covered_rows.size else "infeasible")
    return Assignment(
        application_ids=app_ids[pr] if pr.size else app_ids[:0],
        reviewer_ids=rev_ids[pc] if pc.size else rev_ids[:0],
        loads=assigned.sum(axis=0).astype(np.int64) + held,
        cap=cap,
        uncovered=uncovered,
        sections_covered=covered.astype(np.int64),
        coverable=popcount(coverable),
        coverage=share,
        overall_coverage=overall,
        fully_covered=int((full & (covered == n_sections)).sum()),
        objective=int(covered.sum()),
        flow_cost=flow.cost,
        max_flow=flow.value,
        status=status,
        solver_status=flow.status,
        seconds=time.perf_counter() - started,
        timings=timings,
    )


def _plan_quality(plan: np.ndarray, masks: np.ndarray, need: int) -> tuple[int, int, int]:
    """Complete rows, then covered (row, section) pairs, then evenness of loads (higher is better)."""
    complete = plan.sum(axis=1) == need
    covered = 0
    for a in np.flatnonzero(complete):
        covered += int(popcount(np.bitwise_or.reduce(masks[plan[a]], keepdims=True))[0])
    loads = plan.sum(axis=0)
    return int(complete.sum()), covered, -int((loads.astype(np.int64) ** 2).sum())


def _reason(
    problem: AssignmentProblem,
    matrices: ConflictMatrices,
    a: int,
    candidates: int,
    cap: int,
    held: np.ndarray,
) -> Message:
    need, m, n = problem.per_application, len(problem.reviewer_ids), len(problem.application_ids)
    if candidates < need:
        region, affiliation, declared = matrices.reasons(a)
        level = msg(REGION_LEVEL_LABELS[RegionLevel(problem.rules.region_level)])
        return msg(
            "Only %(candidates)s reviewers have no conflict with this application and %(need)s are "
            "needed: of the roster's other %(others)s, %(region)s are from the same %(level)s, "
            "%(affiliation)s share an affiliation and %(declared)s declared a conflict.",
            candidates=candidates,
            need=need,
            others=m - candidates,
            region=region,
            level=level,
            affiliation=affiliation,
            declared=declared,
        )
    if m * cap - int(held.sum()) < n * need:
        return msg(
            "Not enough reviewer capacity: %(capacity)s assignments (%(reviewers)s reviewers × "
            "at most %(cap)s) for %(needed)s needed (%(applications)s applications × %(need)s).",
            capacity=m * cap,
            reviewers=m,
            cap=cap,
            needed=n * need,
            applications=n,
            need=need,
        )
    return msg(
        "Its %(candidates)s reviewers without a conflict are needed at their maximum load of %(cap)s "
        "by the other applications: no valid assignment covers it together with them.",
        candidates=candidates,
        cap=cap,
    )
