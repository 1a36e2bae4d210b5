"""Round-level figures of a scored round, from the engine's own score arrays: where reviewers
disagree, how each reviewer scores against the panel, the score distribution and the section medians.

Everything works on the scores the engine counted (``RoundResult.reviews``: application position,
expert indicator, reviewer code, score), a few ``bincount`` calls for the whole round.
"""

from __future__ import annotations

import numpy as np

from evaluator.scoring.aggregation import calibrate_zscore
from evaluator.scoring.result import RoundResult
from evaluator.scoring.tolerance import beyond, margin, negligible

LEAN = 0.10
"""A reviewer whose scores lie on average more than this share of the points above (below) the
rest of the panel on the same items is shown as lenient (harsh); exactly this share (within the
tolerance of ``scoring.tolerance``) is typical."""
MAX_LISTED = 2000
"""At most this many disagreeing indicators are listed in a snapshot (every application is flagged)."""


def letter(k: int) -> str:
    """The k-th anonymous reviewer's letter: A … Z, then AA, AB …"""
    out = ""
    k += 1
    while k:
        k, rest = divmod(k - 1, 26)
        out = chr(65 + rest) + out
    return out


def _maxima(result: RoundResult) -> np.ndarray:
    return np.array([leaf.points for leaf in result.criteria.expert_leaves], dtype=float)


MAD_SCALE = 1.4826
"""The median absolute deviation times this estimates a normal spread's standard deviation."""


def disagrees(spread: np.ndarray | float, line: np.ndarray | float, points: np.ndarray | float) -> np.ndarray:
    """Where reviewers disagree: their highest and lowest scores of an indicator (``spread``) differ
    by more than ``line`` (the round's disagreement line, a share; see ``disagreement_line``) of its
    points; a spread on the line within the tolerance of the points (``scoring.tolerance``) does
    not, nor a spread without scores (NaN). The one rule of the results' flags, list and count."""
    points = np.asarray(points, dtype=float)
    return beyond(spread, np.asarray(line, dtype=float) * points, points)


def disagreement_line(shares: np.ndarray, floor: float, mads: float | None) -> dict:
    """The round's disagreement line from its own spreads (each as a share of the indicator's
    points, NaN where fewer than two experts scored): the usual spread (median) plus ``mads`` robust
    deviations (MAD × 1.4826), and never below ``floor`` (the round's ``disagreement_spread``);
    ``mads`` None: the floor alone.

    A panel's reviewers always differ a little (half points, taste); what a chair looks at is a
    spread well beyond what this round's reviewers usually show. Returns the median, the MAD
    (scaled), ``mads``, ``floor``, the ``line`` and how many spreads it was measured on."""
    values = shares[~np.isnan(shares)]
    if values.size == 0:
        median = mad = 0.0
    else:
        median = float(np.median(values))
        mad = float(np.median(np.abs(values - median))) * MAD_SCALE
    return {
        "median": median,
        "mad": mad,
        "mads": None if mads is None else float(mads),
        "floor": float(floor),
        "line": float(floor) if mads is None else max(float(floor), median + float(mads) * mad),
        "measured": int(values.size),
    }


def spreads(result: RoundResult) -> np.ndarray:
    """Per application and expert indicator: highest minus lowest score (NaN without scores)."""
    return _spreads(result)[0]


def _spreads(result: RoundResult) -> tuple[np.ndarray, np.ndarray]:
    rv = result.reviews
    n, n_ind = len(result.ids), len(result.criteria.expert_leaves)
    hi = np.full(n * n_ind, -np.inf)
    lo = np.full(n * n_ind, np.inf)
    count = np.zeros(n * n_ind, dtype=np.int64)
    if rv.score.size:
        group = rv.app * n_ind + rv.indicator
        np.maximum.at(hi, group, rv.score)
        np.minimum.at(lo, group, rv.score)
        count = np.bincount(group, minlength=n * n_ind)
    gap = hi - lo
    gap[~np.isfinite(gap)] = np.nan
    return gap.reshape(n, n_ind), count.reshape(n, n_ind)


def disagreements(
    result: RoundResult, floor: float, mads: float | None = None
) -> tuple[np.ndarray, np.ndarray, list[dict], dict]:
    """(spread matrix, per-application flag, the disagreeing indicators with scores side by side,
    the round's line as ``disagreement_line`` gives it).

    An indicator disagrees when its highest and lowest score differ by more than the line × its
    points (each listed with that ``line`` in points). Reviewers are anonymised per application:
    ordered by their id, they are A, B, C …
    """
    gap, count = _spreads(result)
    maxima = _maxima(result)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where((count > 1) & (maxima[None, :] > 0), gap / maxima[None, :], np.nan)
    rule = disagreement_line(shares, floor, mads)
    flagged = disagrees(gap, rule["line"], maxima[None, :])
    app_flag = flagged.any(axis=1) if flagged.size else np.zeros(len(result.ids), dtype=bool)
    items: list[dict] = []
    where = np.argwhere(flagged)[:MAX_LISTED]
    if where.size:
        rv = result.reviews
        n_ind = maxima.size
        width = max(1, len(rv.reviewer_ids))
        # Letters: the position of each reviewer among the application's reviewers, by id.
        pairs = np.unique(rv.app * width + rv.reviewer)
        first_of_app = np.searchsorted(pairs // width, np.arange(len(result.ids)))
        group = rv.app * n_ind + rv.indicator
        wanted = np.zeros(len(result.ids) * n_ind, dtype=bool)
        wanted[where[:, 0] * n_ind + where[:, 1]] = True
        rows = np.flatnonzero(wanted[group])
        rows = rows[np.lexsort((rv.reviewer[rows], group[rows]))]
        letter_index = (
            np.searchsorted(pairs, rv.app[rows] * width + rv.reviewer[rows]) - first_of_app[rv.app[rows]]
        )
        bounds = np.searchsorted(group[rows], where[:, 0] * n_ind + where[:, 1])
        ends = np.append(bounds[1:], rows.size)
        scores = rv.score[rows].tolist()
        letters = [letter(int(k)) for k in letter_index]
        experts = result.criteria.expert_leaves
        for (i, k), start, stop in zip(where.tolist(), bounds.tolist(), ends.tolist(), strict=True):
            items.append(
                {
                    "position": i,
                    "application_id": int(result.ids[i]),
                    "indicator_id": experts[k].id,
                    "indicator_name": experts[k].name,
                    "points": float(maxima[k]),
                    "spread": float(gap[i, k]),
                    "line": float(rule["line"] * maxima[k]),
                    "scores": [{"expert": letters[r], "score": scores[r]} for r in range(start, stop)],
                }
            )
    return gap, app_flag, items, rule


def reviewer_stats(result: RoundResult, min_scores: int) -> list[dict]:
    """Per reviewer: scores given, their mean and spread as a share of the points, the mean of the
    other panel members on the same items, the difference (bias: + lenient, − harsh), and what
    z-score calibration does to their scores on average (the mean shift, as a share). Full
    precision; a spread within the tolerance of a share (``scoring.tolerance``) is 0."""
    rv = result.reviews
    if rv.score.size == 0:
        return []
    maxima = _maxima(result)
    n_ind = maxima.size
    share = rv.score / maxima[rv.indicator]
    group = rv.app * n_ind + rv.indicator
    n_groups = len(result.ids) * n_ind
    count = np.bincount(group, minlength=n_groups)[group]
    total = np.bincount(group, weights=share, minlength=n_groups)[group]
    others = count > 1
    with np.errstate(invalid="ignore", divide="ignore"):
        panel = np.where(others, (total - share) / np.maximum(count - 1, 1), np.nan)
    calibrated = (
        calibrate_zscore(rv.score, rv.reviewer, rv.indicator, maxima, min_scores) / maxima[rv.indicator]
    )
    n_rev = len(rv.reviewer_ids)

    def per(values: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        use = np.ones(values.size, dtype=bool) if mask is None else mask
        c = np.bincount(rv.reviewer[use], minlength=n_rev).astype(float)
        s = np.bincount(rv.reviewer[use], weights=values[use], minlength=n_rev)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = s / c
            dev = values[use] - mean[rv.reviewer[use]]
            sd = np.sqrt(np.bincount(rv.reviewer[use], weights=dev * dev, minlength=n_rev) / c)
        return mean, np.where(negligible(sd, 1.0), 0.0, sd)

    mean, sd = per(share)
    panel_mean, _ = per(panel, others)
    bias, bias_sd = per(share - panel, others)
    shift, _ = per(calibrated - share)
    scores = np.bincount(rv.reviewer, minlength=n_rev)
    apps = np.bincount(np.unique(rv.reviewer * len(result.ids) + rv.app) // len(result.ids), minlength=n_rev)

    def num(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    out = []
    for r in range(n_rev):
        b = bias[r]
        lean = "lenient" if beyond(b, LEAN, 1.0) else "harsh" if beyond(-b, LEAN, 1.0) else "typical"
        out.append(
            {
                "reviewer_id": int(rv.reviewer_ids[r]),
                "applications": int(apps[r]),
                "scores": int(scores[r]),
                "mean_share": num(mean[r]),
                "sd_share": num(sd[r]),
                "panel_mean_share": num(panel_mean[r]),
                "bias": num(b),
                "bias_sd": num(bias_sd[r]),
                "calibration_shift": num(shift[r]),
                "lean": lean,
            }
        )
    return out


def distribution(result: RoundResult, bins: int = 20) -> dict:
    """Histogram of the ranked applications' totals over 0 … scale + bonus cap, drawn on the grade
    cut-offs: bins of scale / ``bins`` points (5 of 100) whose edges include every grade's
    ``min_total``, so that no bin straddles a cut-off (``cutoffs``: each with its grade's code).

    An edge belongs to the bin it opens (the top edge to the last bin), and a total within the
    tolerance of an edge (``scoring.tolerance``, of the highest total) is on it.
    """
    cs = result.criteria
    top = float(cs.scale + cs.bonus_cap)
    cutoffs = sorted(
        (
            (float(g.min_total), g.code)
            for g in cs.grades
            if g.min_total is not None and 0 < g.min_total < top
        ),
        reverse=True,
    )
    step = float(cs.scale) / bins if cs.scale > 0 else max(top, 1.0)
    marks = np.concatenate([np.arange(0.0, top, step), [c for c, _ in cutoffs], [top]])
    edges = np.unique(marks)
    edges = edges[np.concatenate([[True], ~negligible(np.diff(edges), top)])]  # a cut-off on a step
    edges[-1] = top
    totals = result.total[result.rank > 0]
    at = np.searchsorted(edges, totals + margin(top), side="right") - 1
    counts = np.bincount(np.clip(at, 0, edges.size - 2).astype(np.int64), minlength=edges.size - 1)
    return {
        "edges": [float(e) for e in edges],
        "counts": [int(c) for c in counts],
        "cutoffs": [{"total": c, "grade": code} for c, code in cutoffs],
    }


def section_medians(result: RoundResult) -> list[float | None]:
    """Per level-1 section: the median share of its points over the complete applications."""
    points = np.array([s.points for s in result.criteria.indicators], dtype=float)
    done = result.complete & ~np.isnan(result.total)
    if not done.any():
        return [None] * points.size
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(points > 0, result.sections[done] / points, 0.0)
    return [float(x) for x in np.median(shares, axis=0)]
