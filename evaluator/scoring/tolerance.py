"""When two computed figures count as equal: one tolerance, relative to the scale they are on.

Scores, figures and points are decimals (6.41, 0.1, 29.9) that binary floating point holds only
approximately, and every sum or mean of them adds rounding noise of about 1e-16 of its size: five
scores of 6.41 have a computed mean of 6.409999999999999 and a standard deviation of 8.9e-16,
not 0. The engine therefore never compares a computed figure exactly. Two figures measured on the
same scale — an indicator's points, a section's points, the highest possible total, 1 for a share —
count as equal when they differ by at most ``RELATIVE`` × that scale (docs/scoring.md,
"Comparing computed figures").

``RELATIVE`` = 1e-9 lies far above the noise (about n × 1.1e-16 of the scale after n additions:
ten million scores stay below it) and far below any real difference (scores carry a few decimals,
so two totals that truly differ do so by some 1e-7 of the scale or more).
"""

from __future__ import annotations

import numpy as np

RELATIVE = 1e-9
"""Computed figures within this share of their scale of each other count as equal."""


def margin(scale: float | np.ndarray) -> float | np.ndarray:
    """How far apart two figures on ``scale`` may be and still count as equal."""
    return RELATIVE * np.abs(scale)


def negligible(value: float | np.ndarray, scale: float | np.ndarray) -> np.ndarray:
    """Where ``value`` counts as 0 on ``scale`` (a spread within it is no spread); NaN never does."""
    with np.errstate(invalid="ignore"):
        return np.less_equal(np.abs(value), margin(scale))


def at_least(value: float | np.ndarray, bound: float | np.ndarray, scale: float | np.ndarray) -> np.ndarray:
    """Where ``value`` ≥ ``bound`` on ``scale``: a value on the boundary within the tolerance
    reaches it; NaN never does."""
    with np.errstate(invalid="ignore"):
        return np.greater_equal(value, np.asarray(bound, dtype=float) - margin(scale))


def beyond(value: float | np.ndarray, bound: float | np.ndarray, scale: float | np.ndarray) -> np.ndarray:
    """Where ``value`` > ``bound`` on ``scale``: a value on the boundary within the tolerance
    does not pass it; NaN never does."""
    with np.errstate(invalid="ignore"):
        return np.greater(value, np.asarray(bound, dtype=float) + margin(scale))


def tie_classes(values: np.ndarray, scale: float) -> np.ndarray:
    """Per value, a class number that orders the values ascending, the same for values that tie.

    Sorted, neighbours within the tolerance share a class (so ties chain: a, a + m, a + 2m are one
    class for a margin m; a chain longer than noise never occurs with real scores). NaN values
    get classes of their own, after every number.
    """
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    opens = np.ones(values.size, dtype=bool)
    with np.errstate(invalid="ignore"):
        opens[1:] = ~(np.diff(ordered) <= margin(scale))
    classes = np.empty(values.size, dtype=np.int64)
    classes[order] = np.cumsum(opens) - 1
    return classes


def order_with_ties(values: np.ndarray, scale: float) -> np.ndarray:
    """Row by row, the columns of ``values`` (draws × items) ordered highest first, items that tie
    within the tolerance kept in column order (a stable sort that sees noise as equality)."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(-values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=1)
    with np.errstate(invalid="ignore"):
        opens = ~(-np.diff(ordered, axis=1) <= margin(scale))
    rows = np.flatnonzero(~opens.all(axis=1))
    if rows.size:  # only rows holding a tie are sorted again (ties are rare once weights move)
        tie = np.zeros((rows.size, values.shape[1]), dtype=np.int64)
        np.cumsum(opens[rows], axis=1, out=tie[:, 1:])
        # Within a class of ties the column (the baseline order) decides.
        within = np.argsort(tie * values.shape[1] + order[rows], axis=1, kind="stable")
        order[rows] = np.take_along_axis(order[rows], within, axis=1)
    return order


def flatten_constant_columns(matrix: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """``matrix`` with every column whose values all tie on its scale (highest minus lowest within
    the tolerance) set to its highest value, exactly constant; other columns unchanged."""
    if matrix.shape[0] == 0:
        return matrix
    top, bottom = matrix.max(axis=0), matrix.min(axis=0)
    flat = negligible(top - bottom, scales)
    if not flat.any():
        return matrix
    out = matrix.copy()
    out[:, flat] = top[flat]
    return out
