"""How well the applications fall into cohorts: silhouette, Davies–Bouldin, Calinski–Harabasz.

All three are computed in the weighted standardised space the clustering uses, on the applications
with every feature (all of them under the ``impute`` policy). The silhouette (−1 to 1, higher is
better) is computed on a seeded sample of ``silhouette_sample`` applications when there are more —
the same sample for every k tried, so the choice compares like with like. Davies–Bouldin (0 and up,
lower is better) and Calinski–Harabasz (higher is better) use every application.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    pairwise_distances,
)


@dataclass(frozen=True)
class Candidate:
    """One k tried: the cohorts left after merging small clusters, and their silhouette."""

    k: int
    cohorts: int
    silhouette: float


@dataclass(frozen=True)
class Quality:
    """The quality measures of a run, the sizes by cohort number, and every k tried."""

    silhouette: float
    davies_bouldin: float
    calinski_harabasz: float
    sizes: tuple[int, ...]
    n: int
    n_fit: int
    silhouette_rows: int
    candidates: tuple[Candidate, ...]


class Silhouette:
    """The silhouette of labelings of one matrix, on one seeded sample of its rows."""

    def __init__(self, matrix: np.ndarray, sample: int, seed: int):
        n = len(matrix)
        if n > sample:
            self.rows = np.sort(np.random.default_rng(seed).choice(n, size=sample, replace=False))
        else:
            self.rows = np.arange(n)
        self.distances = pairwise_distances(matrix[self.rows]) if len(self.rows) > 2 else None

    def score(self, labels: np.ndarray) -> float:
        """The mean silhouette of the sample; NaN with fewer than 2 clusters (or one row each).

        As scikit-learn's ``silhouette_score`` (a row alone in its cluster scores 0), from the
        sample's distance matrix summed per cluster in one product, so each k costs little.
        """
        sample = np.unique(labels[self.rows], return_inverse=True)[1].reshape(-1)
        k = int(sample.max()) + 1 if sample.size else 0
        if self.distances is None or not 2 <= k <= len(sample) - 1:
            return float("nan")
        sizes = np.bincount(sample, minlength=k).astype(float)
        sums = self.distances @ np.eye(k)[sample]  # rows × clusters: distances summed per cluster
        rows = np.arange(len(sample))
        own_size = sizes[sample]
        with np.errstate(invalid="ignore", divide="ignore"):
            a = sums[rows, sample] / (own_size - 1)
            means = sums / sizes
        means[rows, sample] = np.inf
        b = means.min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = (b - a) / np.maximum(a, b)
        s = np.where(own_size > 1, np.nan_to_num(s), 0.0)
        return float(s.mean())


def measure(
    matrix: np.ndarray,
    labels: np.ndarray,
    silhouette: float,
    sizes: tuple[int, ...],
    n: int,
    silhouette_rows: int,
    candidates: list[Candidate],
) -> Quality:
    """The quality of the final labels of the rows with every feature (the silhouette already
    computed on the sample)."""
    found = len(np.unique(labels))
    enough = 2 <= found <= len(labels) - 1
    return Quality(
        silhouette=silhouette,
        davies_bouldin=float(davies_bouldin_score(matrix, labels)) if enough else float("nan"),
        calinski_harabasz=float(calinski_harabasz_score(matrix, labels)) if enough else float("nan"),
        sizes=sizes,
        n=n,
        n_fit=len(labels),
        silhouette_rows=silhouette_rows,
        candidates=tuple(candidates),
    )
