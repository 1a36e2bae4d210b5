"""Fit clusters, measure distances to centres, merge small clusters and number the cohorts.

Methods:

- ``kmeans``: k-means++, 4 starts, the best kept;
- ``minibatch`` (for large rounds): MiniBatchKMeans, batches of 2,048, 3 starts, fitted on a seeded
  sample of at most 100,000 applications (its batches see fewer before they converge, and
  scikit-learn's weighted sampling passes over every row at every batch), after which every
  application goes to its nearest centre;
- ``ward``: agglomerative clustering with Ward's criterion, its tree built once and cut at each k;
  at most MAX_WARD_ROWS applications, as it holds every pairwise distance.

Every fit is seeded and runs on one thread, so the same rows and settings give the same clusters
bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans, ward_tree

from evaluator.scoring.tolerance import tie_classes

MAX_WARD_ROWS = 10_000
KMEANS_STARTS = 4
MINIBATCH_STARTS = 3
MINIBATCH_SIZE = 2048
MINIBATCH_FIT_ROWS = 100_000


@dataclass(frozen=True)
class Merge:
    """A cluster below the minimum size, merged into the cluster with the nearest centre: its size,
    the distance between the two centres, and the cluster (or, in a run, the cohort number) its
    members ended in."""

    size: int
    distance: float
    into: int


class Fitter:
    """Fits one method to one matrix at several k (Ward's tree is built once)."""

    def __init__(self, matrix: np.ndarray, method: str, seed: int):
        self.matrix = matrix
        self.method = method
        self.seed = seed
        self._children: np.ndarray | None = None

    def labels(self, k: int) -> np.ndarray:
        """Cluster labels 0..k-1 of the rows."""
        if self.method == "ward":
            return self._ward(k)
        if self.method == "minibatch":
            return self._minibatch(k)
        model = KMeans(n_clusters=k, n_init=KMEANS_STARTS, random_state=self.seed)
        return model.fit(self.matrix).labels_.astype(np.int64)

    def _minibatch(self, k: int) -> np.ndarray:
        n = len(self.matrix)
        rows = slice(None)
        if n > MINIBATCH_FIT_ROWS:
            rows = np.sort(np.random.default_rng(self.seed).choice(n, MINIBATCH_FIT_ROWS, replace=False))
        model = MiniBatchKMeans(
            n_clusters=k,
            n_init=MINIBATCH_STARTS,
            batch_size=min(MINIBATCH_SIZE, n),
            random_state=self.seed,
            compute_labels=False,
        ).fit(self.matrix[rows])
        return nearest(self.matrix, model.cluster_centers_)

    def _ward(self, k: int) -> np.ndarray:
        n = len(self.matrix)
        if self._children is None:
            self._children = ward_tree(self.matrix)[0]
        parent = np.arange(2 * n - 1)
        steps = n - k
        parent[self._children[:steps, 0]] = n + np.arange(steps)
        parent[self._children[:steps, 1]] = n + np.arange(steps)
        while True:  # pointer jumping: every row to the root of its cluster
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
        return np.unique(parent[:n], return_inverse=True)[1].astype(np.int64)


def distinct_rows(matrix: np.ndarray, limit: int) -> int:
    """How many distinct rows the matrix has, counted up to ``limit``."""
    seen: set[bytes] = set()
    for row in matrix:
        seen.add(row.tobytes())
        if len(seen) >= limit:
            break
    return len(seen)


def centres_of(matrix: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """The mean of each cluster's rows (k × columns), over the values present; unplaced rows
    (label -1) are left out."""
    placed = labels >= 0
    rows, which = matrix[placed], labels[placed]
    centres = np.empty((k, matrix.shape[1]))
    for d in range(matrix.shape[1]):
        present = ~np.isnan(rows[:, d])
        sums = np.bincount(which[present], weights=rows[present, d], minlength=k)
        counts = np.bincount(which[present], minlength=k)
        with np.errstate(invalid="ignore", divide="ignore"):
            centres[:, d] = sums / counts
    return centres


def squared_distances(matrix: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances of the rows to the centres (n × k). A row with missing values is
    measured on the columns it has, scaled up by columns ÷ columns present (as scikit-learn's
    nan_euclidean_distances); a row with none is NaN."""
    n, d = matrix.shape
    out = np.empty((n, len(centres)))
    present = ~np.isnan(matrix)
    partial = not present.all()
    filled = np.where(present, matrix, 0.0) if partial else matrix
    for j, centre in enumerate(centres):
        diff = filled - centre
        if partial:
            diff[~present] = 0.0
        out[:, j] = np.einsum("ij,ij->i", diff, diff)
    if partial:
        counts = present.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out *= np.where(counts > 0, d / counts, np.nan)[:, None]
    return out


def nearest(matrix: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Each row's nearest centre (the first on a tie), -1 for a row with no value."""
    d2 = squared_distances(matrix, centres)
    placed = ~np.isnan(d2).all(axis=1)
    labels = np.full(len(matrix), -1, dtype=np.int64)
    labels[placed] = np.argmin(d2[placed], axis=1)
    return labels


def merge_small(matrix: np.ndarray, labels: np.ndarray, min_size: int) -> tuple[np.ndarray, list[Merge]]:
    """Merge the smallest cluster below ``min_size`` into the cluster with the nearest centre,
    again and again until none is small or one is left; labels renumbered 0..k-1 (in the order of
    the clusters' first rows). Ties: the smallest cluster with the lowest label goes first, into the
    nearest centre with the lowest label."""
    labels = labels.copy()
    steps: list[tuple[int, int, float]] = []
    moved: dict[int, int] = {}
    while True:
        alive = np.unique(labels[labels >= 0])
        sizes = np.bincount(labels[labels >= 0], minlength=int(alive.max()) + 1 if alive.size else 0)
        if alive.size <= 1 or sizes[alive].min() >= min_size:
            break
        small = int(alive[np.argmin(sizes[alive])])
        centres = centres_of(matrix, labels, int(alive.max()) + 1)
        others = alive[alive != small]
        gaps = np.sqrt(((centres[others] - centres[small]) ** 2).sum(axis=1))
        into = int(others[np.argmin(gaps)])
        steps.append((int(sizes[small]), into, float(gaps.min())))
        moved[small] = into
        labels[labels == small] = into
    compact = _compact(labels)
    rows = np.flatnonzero(labels >= 0)
    kept, first = np.unique(labels[rows], return_index=True)
    final = dict(zip(kept.tolist(), compact[rows[first]].tolist(), strict=True))

    def ended(label: int) -> int:  # a cluster merged into may itself be merged later
        while label in moved:
            label = moved[label]
        return final[label]

    return compact, [Merge(size, distance, ended(into)) for size, into, distance in steps]


def _compact(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0..k-1 in the order of each cluster's first row; -1 stays -1."""
    out = np.full(len(labels), -1, dtype=np.int64)
    placed = labels >= 0
    firsts = np.unique(labels[placed], return_index=True)
    order = np.argsort(firsts[1], kind="stable")
    mapping = np.empty(int(firsts[0].max()) + 1 if firsts[0].size else 0, dtype=np.int64)
    mapping[firsts[0][order]] = np.arange(len(order))
    out[placed] = mapping[labels[placed]]
    return out


def number_cohorts(centres: np.ndarray, keys: list[int], first_rows: np.ndarray) -> np.ndarray:
    """The cohort number (1..k) of each cluster: ascending by the centre's value in each of ``keys``
    (columns of the centres, the settings' ``order_by``) in turn — values within the tolerance
    count as equal — and last by the cluster's first row (the lowest application id)."""
    columns = [tie_classes(centres[:, c], max(1.0, float(np.nanmax(np.abs(centres[:, c]))))) for c in keys]
    order = np.lexsort([first_rows, *reversed(columns)])
    numbers = np.empty(len(centres), dtype=np.int64)
    numbers[order] = np.arange(1, len(centres) + 1)
    return numbers
