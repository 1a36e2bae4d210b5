"""Why an application sits in its cohort: distances to its own and the next-nearest cohort's centre,
and the features that place it there.

A feature's contribution is how much its columns add to (distance² to the next-nearest centre −
distance² to the own centre), in the weighted standardised units the clustering uses: positive when
the feature holds the application in its own cohort, negative when it pulls it towards the other.
The contributions add up to the difference of the two squared distances (for an application with
missing values under the ``available`` policy: to the difference before the scaling for the
columns it lacks, which contribute 0). The ``reasons`` are the up to three features with the largest
positive contributions, largest first.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from evaluator.cohorts.clustering import squared_distances
from evaluator.cohorts.features import FeatureMatrix

MAX_REASONS = 3


def placement(
    fm: FeatureMatrix, labels: np.ndarray, numbers: np.ndarray, centres: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The members table (per application: cohort, distances, next cohort, reasons, missing and
    imputed features) and the contributions table (application × feature)."""
    n, k = fm.n, len(centres)
    keys = [f.key for f in fm.settings.features]
    placed = labels >= 0
    d2 = squared_distances(fm.matrix, centres) if k else np.full((n, 0), np.nan)
    own = np.full(n, np.nan)
    other = np.full(n, np.nan)
    next_label = np.full(n, -1, dtype=np.int64)
    rows = np.flatnonzero(placed)
    own[rows] = d2[rows, labels[rows]]
    if k > 1:
        masked = d2[rows].copy()
        masked[np.arange(len(rows)), labels[rows]] = np.inf
        next_label[rows] = np.argmin(masked, axis=1)
        other[rows] = masked[np.arange(len(rows)), next_label[rows]]
    contributions = np.full((n, len(keys)), np.nan)
    if k > 1 and len(rows):
        x = fm.matrix[rows]
        gain = (x - centres[next_label[rows]]) ** 2 - (x - centres[labels[rows]]) ** 2
        gain = np.where(np.isnan(gain), 0.0, gain)
        for j in range(len(keys)):
            contributions[rows, j] = gain[:, fm.column_feature == j].sum(axis=1)
    cohort = pd.array(np.where(placed, numbers[np.maximum(labels, 0)], -1), dtype="Int64")
    cohort[~placed] = pd.NA
    nxt = pd.array(np.where(next_label >= 0, numbers[np.maximum(next_label, 0)], -1), dtype="Int64")
    nxt[next_label < 0] = pd.NA
    index = pd.Index(fm.ids, name="id")
    members = pd.DataFrame(
        {
            "cohort": cohort,
            "distance": np.sqrt(own),
            "next_cohort": nxt,
            "next_distance": np.sqrt(other),
            "reasons": _reasons(contributions, keys),
            "missing": _names(fm.missing, keys),
            "imputed": fm.imputed.any(axis=1),
        },
        index=index,
    )
    return members, pd.DataFrame(contributions, index=index, columns=pd.Index(keys, name="feature"))


def _reasons(contributions: np.ndarray, keys: list[str]) -> np.ndarray:
    """Per row, the keys of the up to three largest positive contributions, largest first."""
    top = np.argsort(-np.nan_to_num(contributions, nan=-np.inf), axis=1, kind="stable")[:, :MAX_REASONS]
    positive = np.take_along_axis(np.nan_to_num(contributions, nan=0.0), top, axis=1) > 0
    base = len(keys) + 1
    # One number per row (positions + 1 in base len(keys) + 1, 0 where not positive), named once each.
    codes = (np.where(positive, top + 1, 0) * base ** np.arange(top.shape[1])).sum(axis=1)

    def name(code: int) -> tuple[str, ...]:
        digits = [(code // base**i) % base for i in range(MAX_REASONS)]
        return tuple(keys[d - 1] for d in digits if d)

    return _named(codes, name)


def _names(mask: np.ndarray, keys: list[str]) -> np.ndarray:
    """Per row, the keys of the features the mask marks."""
    codes = (mask.astype(np.int64) << np.arange(mask.shape[1])).sum(axis=1)
    return _named(codes, lambda code: tuple(k for i, k in enumerate(keys) if code >> i & 1))


def _named(codes: np.ndarray, name: Callable[[int], tuple[str, ...]]) -> np.ndarray:
    """Per row, the tuple its code stands for, built once per distinct code."""
    distinct, inverse = np.unique(codes, return_inverse=True)
    table = np.empty(len(distinct), dtype=object)
    for i, code in enumerate(distinct.tolist()):  # one by one: numpy would read tuples as a 2-d array
        table[i] = name(code)
    return table[inverse.reshape(-1)]
