"""Rank stability: Monte Carlo perturbation of the indicator weights.

Each draw multiplies every leaf's points by an independent factor drawn uniformly from
[1 − p, 1 + p], rescales them so they still add up to the scale, and re-ranks the eligible
applications by the perturbed total (plus their bonus). Totals tie within the tolerance of the
highest possible total (``scoring.tolerance``), as in the ranking, and ties within a draw keep the
baseline order, which already encodes the tie-break chain. Vetoed and incomplete applications stay out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluator.messages import msg
from evaluator.scoring.result import RoundResult
from evaluator.scoring.tolerance import order_with_ties

CHUNK = 64


@dataclass(frozen=True)
class Sensitivity:
    """Per ranked application: how often it stays in the top K and how far its rank moves."""

    table: pd.DataFrame
    draws: int
    perturbation: float
    top_k: int
    seed: int


def _check(perturbation: float, draws: int, top_k: int) -> None:
    if not 0 <= perturbation < 1:
        raise ValueError(msg("perturbation must be in [0, 1): e.g. 0.1 for ±10 %"))
    if draws < 1:
        raise ValueError(msg("draws must be at least 1"))
    if top_k < 1:
        raise ValueError(msg("top_k must be at least 1"))


def weight_sensitivity(
    result: RoundResult,
    perturbation: float = 0.10,
    draws: int = 1000,
    top_k: int = 10,
    seed: int = 0,
) -> Sensitivity:
    """Perturb the leaf weights ``draws`` times by ±``perturbation``; summarise each rank.

    Returns, for every ranked application, its baseline rank, the probability that it stays in
    the top ``top_k``, and its rank range (min, 5th percentile, median, 95th percentile, max).
    Reproducible for a given ``seed``. Uses the weighted sum (TOPSIS rounds are re-ranked by
    their perturbed weighted totals as well).
    """
    _check(perturbation, draws, top_k)
    cs = result.criteria
    ranked = np.flatnonzero(result.rank > 0)
    ranked = ranked[np.argsort(result.rank[ranked])]
    n = ranked.size
    base_points = np.array([leaf.points for leaf in cs.leaves])
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(base_points > 0, result.leaf_points[ranked] / base_points, 0.0)
    bonus = result.bonus[ranked]
    rng = np.random.default_rng(seed)
    ranks = np.empty((draws, n), dtype=np.int32)
    positions = np.arange(1, n + 1, dtype=np.int32)
    for start in range(0, draws, CHUNK):
        k = min(CHUNK, draws - start)
        factors = rng.uniform(1 - perturbation, 1 + perturbation, size=(k, base_points.size))
        weights = base_points * factors
        weights *= cs.scale / weights.sum(axis=1, keepdims=True)
        # Draws as rows: each sort runs over one contiguous row.
        order = order_with_ties(weights @ shares.T + bonus[None, :], cs.scale + cs.bonus_cap)
        block = ranks[start : start + k]
        np.put_along_axis(block, order, positions[None, :], axis=1)
    q = np.percentile(ranks, [5, 50, 95], axis=0) if n else np.zeros((3, 0))
    table = pd.DataFrame(
        {
            "rank": result.rank[ranked],
            "p_top_k": (ranks <= top_k).mean(axis=0) if n else np.array([]),
            "rank_min": ranks.min(axis=0) if n else np.array([], dtype=np.int32),
            "rank_p5": q[0],
            "rank_median": q[1],
            "rank_p95": q[2],
            "rank_max": ranks.max(axis=0) if n else np.array([], dtype=np.int32),
        },
        index=pd.Index(result.ids[ranked], name="application_id"),
    )
    return Sensitivity(table, draws, perturbation, top_k, seed)
