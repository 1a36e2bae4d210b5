"""How firmly each application belongs with its cohort mates: a seeded bootstrap.

Each of ``resamples`` draws takes as many applications as the clustering was fitted on, with
replacement, fits the run's method with the run's number of cohorts to the draw, and places every
application at the nearest centre of that fit (on the features it has). An application's stability
is the share, over the draws, of its cohort mates that the draw places with it — the mean of its
co-assignment frequencies with its mates. Below the threshold it is flagged ``unstable``. An
application alone in its cohort has no mates: its stability is NaN and it is never flagged.

Draw b uses the b-th child of ``numpy.random.SeedSequence(seed)`` for both the rows and the fit's
own seed, so the same run, seed and number of resamples give the same figures, and a larger number
of resamples repeats the smaller run's draws first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from evaluator.cohorts.clustering import Fitter, centres_of, distinct_rows, nearest
from evaluator.cohorts.run import CohortRun
from evaluator.scoring.tolerance import at_least


@dataclass(frozen=True, eq=False)
class Stability:
    """Per application its ``stability`` and ``unstable`` flag (index: id); per cohort number the
    mean stability of its members and how many are unstable."""

    members: pd.DataFrame
    cohorts: pd.DataFrame
    resamples: int
    threshold: float
    seed: int


def bootstrap_stability(
    run: CohortRun, resamples: int | None = None, threshold: float | None = None, seed: int | None = None
) -> Stability:
    """The bootstrap stability of a run (the settings' resamples, threshold and seed by default)."""
    settings = run.settings
    resamples = settings.resamples if resamples is None else resamples
    threshold = settings.instability_threshold if threshold is None else threshold
    seed = settings.seed if seed is None else seed
    fm = run.features
    fit = np.flatnonzero(fm.complete)
    placed = run.labels >= 0
    cohort = run.labels[placed]
    k = run.k
    mates = np.bincount(cohort, minlength=k)[cohort] - 1
    together = np.zeros(int(placed.sum()))
    with threadpool_limits(limits=1):
        for child in np.random.SeedSequence(seed).spawn(resamples):
            rng = np.random.default_rng(child)
            draw = fm.matrix[fit[rng.integers(0, len(fit), len(fit))]]
            k_draw = min(k, distinct_rows(draw, k))
            fitted = (
                Fitter(draw, settings.method, int(rng.integers(0, 2**31 - 1))).labels(k_draw)
                if k_draw > 1
                else np.zeros(len(draw), dtype=np.int64)
            )
            labels = nearest(fm.matrix[placed], centres_of(draw, fitted, k_draw))
            pairs = cohort * k_draw + labels
            together += np.bincount(pairs, minlength=k * k_draw)[pairs] - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(mates > 0, together / (resamples * np.maximum(mates, 1)), np.nan)
    stability = np.full(fm.n, np.nan)
    stability[placed] = share
    unstable = ~np.isnan(stability) & ~at_least(stability, threshold, 1.0)
    members = pd.DataFrame({"stability": stability, "unstable": unstable}, index=pd.Index(fm.ids, name="id"))
    numbers = pd.Series(run.numbers[run.labels[placed]], index=members.index[placed])
    grouped = members[placed].groupby(numbers)
    cohorts = pd.DataFrame(
        {"stability": grouped["stability"].mean(), "unstable": grouped["unstable"].sum().astype(int)}
    )
    cohorts.index.name = "cohort"
    return Stability(members=members, cohorts=cohorts, resamples=resamples, threshold=threshold, seed=seed)
