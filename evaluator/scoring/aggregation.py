"""Combine reviewers' scores: z-score calibration, then trimmed mean, mean or median.

All functions work on flat arrays (one entry per score) with integer group codes, so a round of
millions of scores is a few sorts and ``bincount`` calls.
"""

from __future__ import annotations

import numpy as np

from evaluator.messages import msg
from evaluator.scoring.tolerance import negligible


def _group_stats(key: np.ndarray, values: np.ndarray, n_groups: int) -> tuple[np.ndarray, ...]:
    count = np.bincount(key, minlength=n_groups).astype(float)
    total = np.bincount(key, weights=values, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
        dev = values - mean[key]
        var = np.bincount(key, weights=dev * dev, minlength=n_groups) / count
    return count, mean, np.sqrt(var)


def calibrate_zscore(
    score: np.ndarray,
    reviewer: np.ndarray,
    indicator: np.ndarray,
    maxima: np.ndarray,
    min_scores: int,
) -> np.ndarray:
    """Standardise each reviewer's scores per indicator, map back to the indicator's scale.

    z = (s − mean of that reviewer on that indicator) ÷ their population sd, and z = 0 when they
    have no spread (an sd within the tolerance of the indicator's points, ``scoring.tolerance``:
    the same score given everyone); calibrated = pooled mean + z × pooled sd of all scores on the
    indicator, clipped to [0, max]. A reviewer with fewer than ``min_scores`` scores on an
    indicator keeps their raw scores there.
    """
    if score.size == 0:
        return score.copy()
    n_ind = len(maxima)
    n_rev = int(reviewer.max()) + 1
    key = reviewer * n_ind + indicator
    count, mean, sd = _group_stats(key, score, n_rev * n_ind)
    _, pooled_mean, pooled_sd = _group_stats(indicator, score, n_ind)
    pooled_sd = np.where(negligible(pooled_sd, maxima), 0.0, pooled_sd)
    spread = ~negligible(sd[key], maxima[indicator])
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(spread, (score - mean[key]) / sd[key], 0.0)
    calibrated = np.clip(pooled_mean[indicator] + z * pooled_sd[indicator], 0.0, maxima[indicator])
    return np.where(count[key] >= min_scores, calibrated, score)


def aggregate(
    values: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    method: str = "trimmed_mean",
    trim_from: int = 5,
) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate values per group; return (aggregate, count), NaN for groups without values.

    ``trimmed_mean`` drops one highest and one lowest value once a group has at least
    ``trim_from`` values; ``median`` averages the two middle values of an even count.
    """
    count = np.bincount(group, minlength=n_groups)
    result = np.full(n_groups, np.nan)
    if values.size == 0:
        return result, count
    has = count > 0
    if method in ("mean", "trimmed_mean"):
        total = np.bincount(group, weights=values, minlength=n_groups)
        used = count.astype(float)
        if method == "trimmed_mean":
            # One highest and one lowest are dropped: no sort, only each group's extremes.
            high = np.full(n_groups, -np.inf)
            low = np.full(n_groups, np.inf)
            np.maximum.at(high, group, values)
            np.minimum.at(low, group, values)
            trimmed = count >= trim_from
            total[trimmed] -= high[trimmed] + low[trimmed]
            used[trimmed] -= 2
        result[has] = total[has] / used[has]
        return result, count
    if method != "median":
        raise ValueError(msg("unknown aggregation method '%(method)s'", method=method))
    order = np.lexsort((values, group))
    sorted_vals = values[order]
    start = np.concatenate(([0], np.cumsum(count)[:-1]))
    lo = start + (count - 1) // 2
    hi = start + count // 2
    result[has] = (sorted_vals[lo[has]] + sorted_vals[hi[has]]) / 2.0
    return result, count
