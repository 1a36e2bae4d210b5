"""Multi-criteria decision analysis primitives: AHP, TOPSIS, entropy and CRITIC weights.

Pure numpy; no Flask, pandas or scipy. Every function validates its input and raises
:class:`ValueError` (:class:`AHPError` for AHP) with a message a person can act on.

Agreement with pymcdm 1.4 (``pymcdm.methods.TOPSIS``, ``pymcdm.weights.entropy_weights`` and
``pymcdm.weights.critic_weights``) is checked in ``tests/test_mcda.py`` to 1e-12 on random data.
Where pymcdm has no usable answer (it divides 0 by 0, or refuses the input) this module picks
a documented convention instead; those cases are listed in each function's docstring.

AHP lives in :mod:`evaluator.criteria.ahp` (the criteria tree derives its weights when a file is
loaded, and criteria must not depend on scoring); its names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from evaluator.criteria.ahp import (
    CR_THRESHOLD,
    RECIPROCAL_TOL,
    RI_TABLES,
    AHPError,
    AHPResult,
    ahp,
    check_matrix,
)
from evaluator.criteria.ahp import as_float_array as _to_float_array
from evaluator.messages import Message, msg

__all__ = [
    "CR_THRESHOLD",
    "RECIPROCAL_TOL",
    "RI_TABLES",
    "AHPError",
    "AHPResult",
    "ahp",
    "check_matrix",
    "critic_weights",
    "entropy_weights",
    "topsis",
]


#: Rows per block in :func:`topsis`, chosen so one block of 60 float64 criteria is ~2 MB.
_BLOCK_ELEMENTS = 1 << 18

#: Column norms below this are recomputed from rescaled values (squares would underflow).
_SMALL_NORM = 1e-140


# --------------------------------------------------------------------------- helpers


def _decision_matrix(matrix: Any, min_rows: int, what: str = "matrix") -> np.ndarray:
    """A 2-D float64 decision matrix with at least ``min_rows`` rows and one column."""
    x = _to_float_array(matrix, what)
    if x.ndim != 2:
        raise ValueError(
            msg(
                "%(what)s must be 2-D (alternatives x criteria), got shape %(shape)s",
                what=what,
                shape=str(x.shape),
            )
        )
    m, n = x.shape
    if m < min_rows or n < 1:
        raise ValueError(
            msg(
                "%(what)s needs at least %(min_rows)s alternative(s) (rows) and 1 criterion (column), "
                "got shape %(shape)s",
                what=what,
                min_rows=min_rows,
                shape=str(x.shape),
            )
        )
    return x


def _non_finite_message(x: np.ndarray, what: str) -> Message:
    """Describe where ``x`` holds NaN or infinity (called only when it does)."""
    bad = np.argwhere(~np.isfinite(x))
    where = [f"({i}, {j})" for i, j in bad[:5]]
    if len(bad) > 5:
        return msg(
            "%(what)s must be finite; NaN or infinity at (row, column) %(where)s and %(more)s more",
            what=what,
            where=where,
            more=len(bad) - 5,
        )
    return msg("%(what)s must be finite; NaN or infinity at (row, column) %(where)s", what=what, where=where)


def _benefit_mask(benefit: Any, n: int) -> np.ndarray:
    """A length-``n`` bool vector from one bool or a sequence of bools."""
    if isinstance(benefit, bool | np.bool_):
        return np.full(n, bool(benefit))
    mask = np.asarray(benefit)
    if mask.dtype == np.bool_ and mask.ndim == 0:
        return np.full(n, bool(mask))
    if mask.dtype != np.bool_:
        raise ValueError(
            msg(
                "benefit must be a bool or a sequence of bools (True = higher is better, False = cost); "
                "got dtype %(dtype)s. pymcdm's 1/-1 codes are not accepted.",
                dtype=str(mask.dtype),
            )
        )
    if mask.shape != (n,):
        raise ValueError(
            msg(
                "benefit has shape %(shape)s; expected one bool per criterion (%(n)s,)",
                shape=str(mask.shape),
                n=n,
            )
        )
    return mask


def _weight_vector(weights: Any, n: int) -> np.ndarray:
    """Validated non-negative weights of length ``n``, normalised to sum to 1."""
    w = _to_float_array(weights, "weights")
    if w.shape != (n,):
        raise ValueError(
            msg(
                "weights has shape %(shape)s; expected one weight per criterion (%(n)s,)",
                shape=str(w.shape),
                n=n,
            )
        )
    if not np.isfinite(w).all():
        raise ValueError(msg("weights must be finite (no NaN or infinity)"))
    if (w < 0).any():
        negative = np.flatnonzero(w < 0).tolist()
        raise ValueError(
            msg("weights must be non-negative; negative at index %(index)s", index=str(negative))
        )
    total = w.sum()
    if not total > 0:
        raise ValueError(msg("weights must have a positive sum"))
    return w / total


# --------------------------------------------------------------------------- TOPSIS

_NORMALIZATIONS = ("vector", "minmax")


def topsis(
    matrix: Any,
    weights: Any,
    benefit: bool | Sequence[bool] | np.ndarray,
    normalization: str = "vector",
) -> np.ndarray:
    """TOPSIS relative closeness (Hwang & Yoon 1981) of each alternative, in [0, 1].

    ``matrix`` is ``m`` alternatives x ``n`` criteria; ``weights`` has length ``n`` (non-negative,
    positive sum, normalised here); ``benefit`` is one bool for all criteria or one per
    criterion (True = higher is better, False = cost).

    Normalisation, per column ``x``:

    * ``"vector"``: ``r = x / sqrt(sum(x**2))``; an all-zero column gives ``r = 0`` (no NaN).
    * ``"minmax"``: ``r = (x - min) / (max - min)`` (benefit) or ``(max - x) / (max - min)``
      (cost); a constant column gives ``r = 0``.

    The weighted ideal / anti-ideal are the column max / min of ``w * r`` for benefit
    criteria and min / max for cost criteria (for minmax the cost inversion is already done,
    so ideal = max and anti-ideal = min). Closeness is ``d- / (d+ + d-)`` with Euclidean
    distances; when ``d+ + d- == 0`` (all criteria with positive weight are constant) every
    alternative gets 0.

    Equal to ``pymcdm.methods.TOPSIS`` with ``vector_normalization`` / ``minmax_normalization``:
    pymcdm turns a cost column into ``1 - r`` (vector) or ``(max - x) / (max - min)`` (minmax)
    and always takes ideal = max, anti-ideal = min. A column shift does not change distances,
    so both give the same closeness. Differences: pymcdm returns NaN (with a RuntimeWarning)
    for an all-zero vector column or for ``d+ + d- == 0``, and ones for a constant minmax
    column (which, being constant, adds nothing to either distance).

    Implementation: with ``s_j = w_j / norm_j`` (or ``w_j / (max_j - min_j)``) the weighted
    distances are ``|s * (x - P)|`` where ``P`` is the raw-unit column max or min, so the
    normalised matrix is never materialised; rows are processed in ~2 MB blocks in place.
    Returns a new float64 vector of length ``m``.
    """
    if normalization not in _NORMALIZATIONS:
        raise ValueError(
            msg(
                "unknown normalization %(name)s; use one of %(known)s",
                name=repr(normalization),
                known=list(_NORMALIZATIONS),
            )
        )
    x = _decision_matrix(matrix, min_rows=1)
    m, n = x.shape
    w = _weight_vector(weights, n)
    mask = _benefit_mask(benefit, n)

    rows = max(1, _BLOCK_ELEMENTS // n)
    col_max, col_min, squares = _column_stats(x, rows, squares=normalization == "vector")
    # NaN propagates through max/min and +-inf shows up in them, so this catches every one.
    if not (np.isfinite(col_max).all() and np.isfinite(col_min).all()):
        raise ValueError(_non_finite_message(x, "matrix"))

    if normalization == "vector":
        scale = _column_norms(x, np.maximum(col_max, -col_min), squares)
    else:
        with np.errstate(over="ignore"):
            scale = col_max - col_min
        if not np.isfinite(scale).all():
            raise ValueError(msg("matrix values are too large: a column's range overflows float64"))
    s = np.zeros(n)
    np.divide(w, scale, out=s, where=scale > 0)

    ideal = np.where(mask, col_max, col_min)
    shift = s * (ideal - np.where(mask, col_min, col_max))  # s * (ideal - anti-ideal)

    d_plus = np.empty(m)
    d_minus = np.empty(m)
    block = np.empty((min(rows, m), n))
    for start in range(0, m, rows):
        stop = min(start + rows, m)
        b = block[: stop - start]
        np.subtract(x[start:stop], ideal, out=b)
        b *= s  # weighted difference to the ideal
        np.einsum("ij,ij->i", b, b, out=d_plus[start:stop])
        b += shift  # weighted difference to the anti-ideal
        np.einsum("ij,ij->i", b, b, out=d_minus[start:stop])
    np.sqrt(d_plus, out=d_plus)
    np.sqrt(d_minus, out=d_minus)

    total = d_plus
    total += d_minus
    closeness = np.zeros(m)
    np.divide(d_minus, total, out=closeness, where=total > 0)
    return closeness


def _column_stats(
    x: np.ndarray, rows: int, squares: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Column max, min and (optionally) sum of squares in one pass over cache-sized blocks."""
    col_max = np.full(x.shape[1], -np.inf)
    col_min = np.full(x.shape[1], np.inf)
    sums = np.zeros(x.shape[1]) if squares else None
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for start in range(0, x.shape[0], rows):
            b = x[start : start + rows]
            np.maximum(col_max, b.max(axis=0), out=col_max)
            np.minimum(col_min, b.min(axis=0), out=col_min)
            if sums is not None:
                sums += np.einsum("ij,ij->j", b, b)
    return col_max, col_min, sums


def _column_norms(x: np.ndarray, abs_max: np.ndarray, squares: np.ndarray) -> np.ndarray:
    """Euclidean norm of each column of finite ``x`` from its sum of squares, safe from overflow
    and underflow."""
    norms = np.sqrt(squares)
    # Squares overflow for |x| > ~1e154 and lose precision below ~1e-154: rescale those columns.
    for j in np.flatnonzero(~np.isfinite(norms) | ((norms < _SMALL_NORM) & (abs_max > 0))):
        col = x[:, j] / abs_max[j]
        norms[j] = abs_max[j] * np.sqrt(col @ col)
    return norms


# --------------------------------------------------------------------------- weights


def entropy_weights(matrix: Any) -> np.ndarray:
    """Shannon-entropy objective weights of the criteria (columns) of a decision matrix.

    ``p_ij = x_ij / sum_i x_ij``; ``e_j = -sum_i p_ij ln p_ij / ln m`` with ``0 ln 0 = 0``;
    ``d_j = 1 - e_j``; ``w = d / sum(d)``. Needs ``m >= 2`` rows and non-negative, finite
    values. A constant column (including an all-zero one) has ``e_j = 1`` exactly and so
    weight 0; if every column is constant the weights are equal.

    Equal to ``pymcdm.weights.entropy_weights`` on strictly positive data (same formula,
    column-sum normalisation and ``ln m`` divisor). Differences at the edges: pymcdm refuses
    zeros (its sum normalisation raises) and, were a ``p_ij`` to be 0, would set that whole
    column's entropy to 0 (maximal weight); here zeros follow Shannon's ``0 ln 0 = 0``.
    """
    x = _decision_matrix(matrix, min_rows=2)
    m, n = x.shape
    if not np.isfinite(x).all():
        raise ValueError(_non_finite_message(x, "matrix"))
    if (x < 0).any():
        raise ValueError(
            msg(
                "entropy weights need non-negative values; negative in column(s) %(columns)s",
                columns=str(np.flatnonzero((x < 0).any(axis=0)).tolist()),
            )
        )
    totals = x.sum(axis=0)
    p = np.zeros_like(x)
    np.divide(x, totals, out=p, where=totals > 0)
    log_p = np.zeros_like(x)
    np.log(p, out=log_p, where=p > 0)
    entropy = -np.einsum("ij,ij->j", p, log_p) / np.log(m)
    entropy[x.max(axis=0) == x.min(axis=0)] = 1.0  # constant column: exactly no information
    diversity = np.maximum(1.0 - entropy, 0.0)
    total = diversity.sum()
    if total == 0:
        return np.full(n, 1.0 / n)
    return diversity / total


def critic_weights(matrix: Any, benefit: bool | Sequence[bool] | np.ndarray = True) -> np.ndarray:
    """CRITIC objective weights (Diakoulaki, Mavrotas & Papayannakis 1995).

    Each column is min-max normalised toward "better" (``(x - min) / (max - min)`` for benefit,
    ``(max - x) / (max - min)`` for cost); ``sigma_j`` is its *sample* standard deviation
    (``ddof=1``); ``r`` is the Pearson correlation matrix of the normalised columns;
    ``C_j = sigma_j * sum_k (1 - r_jk)``; ``w = C / sum(C)``. Needs ``m >= 2`` rows.

    Equal to ``pymcdm.weights.critic_weights`` when every criterion is a benefit (pymcdm uses
    ``ddof=1`` too). pymcdm ignores criterion types (it normalises every column as benefit);
    a cost column here equals pymcdm on the negated column, which flips the sign of its
    correlations as the method's "toward better" normalisation intends.

    Conventions where pymcdm yields NaN (with a warning): a constant column carries no
    information, gets weight 0 and is left out of the other columns' conflict sums (the result
    equals CRITIC on the remaining columns). If ``sum(C) == 0`` (all varying columns perfectly
    positively correlated) the varying columns share the weight equally; if every column is
    constant all weights are equal.
    """
    x = _decision_matrix(matrix, min_rows=2)
    n = x.shape[1]
    mask = _benefit_mask(benefit, n)
    if not np.isfinite(x).all():
        raise ValueError(_non_finite_message(x, "matrix"))

    col_max = x.max(axis=0)
    col_min = x.min(axis=0)
    varying = col_max > col_min
    weights = np.zeros(n)
    if not varying.any():
        return np.full(n, 1.0 / n)
    xv = x[:, varying]
    lo, hi = col_min[varying], col_max[varying]
    normalized = np.where(mask[varying], xv - lo, hi - xv) / (hi - lo)
    sigma = normalized.std(axis=0, ddof=1)
    corr = np.atleast_2d(np.corrcoef(normalized, rowvar=False))
    information = sigma * (1.0 - corr).sum(axis=0)
    total = information.sum()
    weights[varying] = information / total if total > 0 else 1.0 / varying.sum()
    return weights
