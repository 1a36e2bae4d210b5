"""Run the clustering of a round: figures in, cohorts with profiles, members and quality out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from evaluator.cohorts.clustering import (
    MAX_WARD_ROWS,
    Fitter,
    Merge,
    centres_of,
    distinct_rows,
    merge_small,
    nearest,
    number_cohorts,
)
from evaluator.cohorts.explain import placement
from evaluator.cohorts.features import FeatureMatrix, build_matrix
from evaluator.cohorts.figures import read_figures
from evaluator.cohorts.hashing import figures_hash
from evaluator.cohorts.profiles import cohort_table
from evaluator.cohorts.quality import Candidate, Quality, Silhouette, measure
from evaluator.cohorts.schema import CohortError
from evaluator.cohorts.settings import CohortSettings
from evaluator.messages import msg
from evaluator.scoring.tolerance import beyond

COHORTS_VERSION = "1.0"
"""The engine's version, stored with every run; raise it whenever a change can change the cohorts
computed from the same figures and settings."""


@dataclass(frozen=True, eq=False)
class CohortRun:
    """A clustering run.

    ``cohorts``: one row per cohort number (size, ``profile_zh``, ``profile_en``, centres, ranges,
    shares); ``members``: one row per application id (``cohort``, ``distance``, ``next_cohort``,
    ``next_distance``, ``reasons``, ``missing``, ``imputed``); ``contributions``: application ×
    feature (see :mod:`evaluator.cohorts.explain`). ``labels`` (cluster index per row of
    ``features``, -1 for an application that could not be placed), ``centres`` (by cluster index,
    weighted standardised) and ``numbers`` (cohort number by cluster index) serve the stability
    check and the peers.
    """

    settings: CohortSettings
    version: str
    data_hash: str
    k: int
    cohorts: pd.DataFrame
    members: pd.DataFrame
    contributions: pd.DataFrame
    quality: Quality
    merges: tuple[Merge, ...]
    features: FeatureMatrix
    labels: np.ndarray
    centres: np.ndarray
    numbers: np.ndarray


def _full_labels(fm: FeatureMatrix, fit: np.ndarray, fitted: np.ndarray, k: int) -> np.ndarray:
    """Labels of every row: the fitted rows' own, the others' nearest centre on the features they
    have (``available`` policy)."""
    labels = np.full(fm.n, -1, dtype=np.int64)
    labels[fit] = fitted
    if not fit.all():
        centres = centres_of(fm.matrix, labels, k)
        labels[~fit] = nearest(fm.matrix[~fit], centres)
    return labels


def _check_size(settings: CohortSettings, n_fit: int, distinct: int) -> list[int]:
    """The k that can be tried, or a :class:`CohortError` when there are too few applications."""
    if settings.missing == "available" and n_fit == 0:
        raise CohortError(
            {
                "missing": [
                    msg("no application has every feature, and the clusters are fitted on those that do")
                ]
            }
        )
    if settings.method == "ward" and n_fit > MAX_WARD_ROWS:
        raise CohortError(
            {
                "method": [
                    msg(
                        "ward keeps every pairwise distance: at most %(max)s applications "
                        "(this round has %(n)s); use kmeans or minibatch",
                        max=MAX_WARD_ROWS,
                        n=n_fit,
                    )
                ]
            }
        )
    ks = [k for k in range(settings.k_min, settings.k_max + 1) if k <= distinct]
    if not ks:
        raise CohortError(
            {
                "k": [
                    msg(
                        "%(n)s applications with distinct features are too few for %(k)s cohorts",
                        n=distinct,
                        k=settings.k_min,
                    )
                ]
            }
        )
    return ks


def cluster(fm: FeatureMatrix) -> tuple[np.ndarray, list[Merge], list[Candidate], Candidate, int]:
    """Labels for every row at the chosen k (the best silhouette; on a tie the smaller k), the
    merges that made them, every k tried, the chosen one, and the number of rows the silhouette
    was computed on."""
    settings = fm.settings
    fit = fm.complete
    x_fit = fm.matrix[fit]
    ks = _check_size(settings, len(x_fit), distinct_rows(x_fit, settings.k_max))
    fitter = Fitter(x_fit, settings.method, settings.seed)
    silhouette = Silhouette(x_fit, settings.silhouette_sample, settings.seed)
    best: tuple[float, np.ndarray, list[Merge], Candidate] | None = None
    candidates = []
    for k in ks:
        labels = _full_labels(fm, fit, fitter.labels(k), k)
        labels, merges = merge_small(fm.matrix, labels, settings.min_cohort_size)
        candidate = Candidate(k, int(labels.max()) + 1, silhouette.score(labels[fit]))
        candidates.append(candidate)
        value = -np.inf if np.isnan(candidate.silhouette) else candidate.silhouette
        if best is None or beyond(value, best[0], 1.0):
            best = (value, labels, merges, candidate)
    assert best is not None
    return best[1], best[2], candidates, best[3], len(silhouette.rows)


def run_cohorts(table: pd.DataFrame, settings: CohortSettings) -> CohortRun:
    """Cluster the applications of ``table`` (an ``id`` column and a column per figure the features
    read) under ``settings``: an :class:`InputError` lists every bad figure, a :class:`CohortError`
    says why the settings cannot be applied to these applications."""
    figures = read_figures(table, settings)
    fm = build_matrix(figures, settings)
    keys = [f.key for f in settings.features]
    with threadpool_limits(limits=1):
        labels, merges, candidates, chosen, silhouette_rows = cluster(fm)
        k = int(labels.max()) + 1
        centres = centres_of(fm.matrix, labels, k)
        order_columns = [
            int(np.flatnonzero(fm.column_feature == keys.index(key))[0]) for key in settings.order_by
        ]
        placed = np.flatnonzero(labels >= 0)
        first_rows = np.full(k, fm.n, dtype=np.int64)
        np.minimum.at(first_rows, labels[placed], placed)
        numbers = number_cohorts(centres, order_columns, first_rows)
        members, contributions = placement(fm, labels, numbers, centres)
        sizes = np.bincount(labels[placed], minlength=k)[np.argsort(numbers)]
        fit = fm.complete
        quality = measure(
            fm.matrix[fit],
            labels[fit],
            chosen.silhouette,
            tuple(int(s) for s in sizes),
            fm.n,
            silhouette_rows,
            candidates,
        )
    return CohortRun(
        settings=settings,
        version=COHORTS_VERSION,
        data_hash=figures_hash(figures, settings),
        k=k,
        cohorts=cohort_table(fm, labels, numbers, centres),
        members=members,
        contributions=contributions,
        quality=quality,
        merges=tuple(Merge(m.size, m.distance, int(numbers[m.into])) for m in merges),
        features=fm,
        labels=labels,
        centres=centres,
        numbers=numbers,
    )
