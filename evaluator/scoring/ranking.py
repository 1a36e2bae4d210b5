"""Order eligible applications: TOPSIS closeness when chosen, then the tie-break chain."""

from __future__ import annotations

import numpy as np

from evaluator.criteria.model import CriteriaSet
from evaluator.scoring.mcda import critic_weights, entropy_weights, topsis
from evaluator.scoring.tolerance import flatten_constant_columns, tie_classes


def topsis_closeness(
    criteria: CriteriaSet, leaf_points: np.ndarray, bonus: np.ndarray, eligible: np.ndarray
) -> np.ndarray:
    """TOPSIS closeness of each eligible application (NaN elsewhere).

    The decision matrix is the leaf scores plus the capped bonus as one more column; all columns
    are benefits. ``criteria`` weights are the leaves' points (and the bonus cap), also used for
    entropy and CRITIC when fewer than two applications are eligible. A column whose values all
    tie (within the tolerance of its points, ``scoring.tolerance``) is made exactly constant first,
    so that noise in it never weighs: min-max normalisation and CRITIC would blow it up to [0, 1].
    """
    out = np.full(leaf_points.shape[0], np.nan)
    if not eligible.any():
        return out
    scales = np.array([leaf.points for leaf in criteria.leaves] + [criteria.bonus_cap], dtype=float)
    matrix = flatten_constant_columns(np.column_stack([leaf_points[eligible], bonus[eligible]]), scales)
    # Entropy and CRITIC need two applications to compare; one alone keeps the criteria weights.
    if matrix.shape[0] < 2:
        weights = np.array([leaf.points for leaf in criteria.leaves] + [criteria.bonus_cap])
    elif criteria.ranking.topsis_weights == "entropy":
        weights = entropy_weights(matrix)
    elif criteria.ranking.topsis_weights == "critic":
        weights = critic_weights(matrix)
    else:
        weights = np.array([leaf.points for leaf in criteria.leaves] + [criteria.bonus_cap])
    out[eligible] = topsis(matrix, weights, True, normalization=criteria.ranking.topsis_normalization)
    return out


def rank_order(
    criteria: CriteriaSet,
    columns: dict[str, np.ndarray],
    ids: np.ndarray,
    submitted_at: np.ndarray,
    eligible: np.ndarray,
) -> np.ndarray:
    """1-based rank of each eligible application by the tie-break chain; 0 elsewhere.

    ``columns`` holds ``total``, ``base``, ``bonus``, ``closeness`` and ``section:<id>`` arrays.
    Higher is better for scores; earlier is better for ``submitted_at``; ids sort ascending.
    Scores tie within the tolerance of their scale (``scoring.tolerance.tie_classes``): the total's
    highest possible value, a section's points, 1 for closeness. Applications are sorted on the
    first key; the rest of the chain only orders those that tie.
    """
    keys = _key_builders(criteria, columns, ids, submitted_at)
    index = np.flatnonzero(eligible)
    rank = np.zeros(len(ids), dtype=np.int64)
    if not keys:
        rank[index] = np.arange(1, index.size + 1)
        return rank
    first = keys[0](index)
    step = np.argsort(first, kind="stable")
    order, first = index[step], first[step]
    same = first[1:] == first[:-1]
    tied = np.zeros(order.size, dtype=bool)
    tied[1:] |= same
    tied[:-1] |= same
    if tied.any() and len(keys) > 1:
        at = np.flatnonzero(tied)
        subset = np.sort(order[at])  # input order first: full ties stay in input order
        order[at] = subset[np.lexsort([key(subset) for key in reversed(keys)])]
    rank[order] = np.arange(1, order.size + 1)
    return rank


def _key_builders(
    criteria: CriteriaSet, columns: dict[str, np.ndarray], ids: np.ndarray, submitted_at: np.ndarray
) -> list:
    """The tie-break chain as functions of a row subset, most significant first, ascending."""

    def score(values: np.ndarray, scale: float):
        return lambda rows: -tie_classes(values[rows], scale)

    sections = {s.id: float(s.points) for s in criteria.indicators}
    scales = {
        "total": float(criteria.scale + criteria.bonus_cap),
        "base": float(criteria.scale),
        "bonus": float(criteria.bonus_cap),
        "closeness": 1.0,
    }
    keys = []
    for key in criteria.ranking.tie_break:
        if key == "sections":
            keys.extend(score(columns[f"section:{s}"], points) for s, points in sections.items())
        elif key == "submitted_at":
            keys.append(lambda rows: submitted_at[rows])
        elif key == "id":
            keys.append(lambda rows: np.unique(ids[rows], return_inverse=True)[1])
        elif key.startswith("section:"):
            keys.append(score(columns[key], sections[key.removeprefix("section:")]))
        else:
            keys.append(score(columns[key], scales[key]))
    return keys


def percentiles(rank: np.ndarray) -> np.ndarray:
    """Share (%) of the other ranked applications that rank below each one; NaN if unranked."""
    n = int((rank > 0).sum())
    out = np.full(rank.shape, np.nan)
    ranked = rank > 0
    out[ranked] = 100.0 if n == 1 else 100.0 * (n - rank[ranked]) / (n - 1)
    return out
