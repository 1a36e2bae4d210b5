"""Turn figures into the clustering matrix: transform, standardise, weight, and handle missing values.

A value feature is its figure, a ratio feature the figure ÷ another × the multiplier (missing where
the denominator is missing or not above 0); ``log`` takes log(1 + x). Each such feature (and an
ordinal category, as its choice's position) is standardised over the applications that have it:

- ``robust``: (x − median) ÷ (IQR ÷ 1.349), which equals the z-score for normally spread data but
  is not pulled by a few very large units; where the IQR is nil the standard deviation is used;
- ``z``: (x − mean) ÷ standard deviation (population).

A feature with no spread at all (every value equal within the tolerance of scoring/tolerance.py)
standardises to 0. A one-hot category takes one column per choice, 1/√2 for the application's
choice and 0 elsewhere, so that two applications of different categories lie exactly 1 apart, as
far as one standard deviation of a numeric feature. Every column is then multiplied by its
feature's weight.

Missing values: ``impute`` fills a missing numeric feature with its median over the applications
that have it (a category with its most frequent choice, the first in order on a tie) and flags the
application; ``available`` leaves it missing (NaN), so that distances use the features present.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evaluator.cohorts.figures import Figures
from evaluator.cohorts.settings import CohortSettings, Feature
from evaluator.messages import msg
from evaluator.scoring.errors import InputError
from evaluator.scoring.tolerance import negligible

ROBUST_SPREAD = 1.349
"""The IQR of a standard normal distribution: IQR ÷ 1.349 estimates the standard deviation."""


@dataclass(frozen=True)
class FeatureMatrix:
    """The standardised, weighted features of a run's applications (rows sorted by id).

    ``values`` (n × features) holds each feature in its own units — the figure or ratio before the
    log, a category's choice index — NaN where missing; ``matrix`` (n × columns) what the clustering
    sees; ``imputed`` which values were filled in. ``location`` and ``spread`` map a column back.
    """

    ids: np.ndarray
    settings: CohortSettings
    values: np.ndarray
    missing: np.ndarray
    imputed: np.ndarray
    matrix: np.ndarray
    column_feature: np.ndarray
    column_names: tuple[str, ...]
    location: np.ndarray
    spread: np.ndarray

    @property
    def n(self) -> int:
        """Number of applications."""
        return len(self.ids)

    @property
    def complete(self) -> np.ndarray:
        """Rows with every feature (all rows under the ``impute`` policy)."""
        return ~np.isnan(self.matrix).any(axis=1)

    def original(self, centres: np.ndarray) -> np.ndarray:
        """Centres (k × columns) mapped back to each numeric feature's own units (k × features);
        NaN for one-hot categories (their make-up is given as shares instead)."""
        out = np.full((centres.shape[0], len(self.settings.features)), np.nan)
        for j, feature in enumerate(self.settings.features):
            if feature.onehot:
                continue
            column = int(np.flatnonzero(self.column_feature == j)[0])
            t = centres[:, column] / feature.weight * self.spread[j] + self.location[j]
            out[:, j] = np.expm1(t) if feature.log else t
        return out


def feature_values(feature: Feature, figures: Figures) -> np.ndarray:
    """A feature in its own units, NaN where missing (a category: its choice index)."""
    if feature.kind == "category":
        codes = figures.codes[feature.key]
        return np.where(codes >= 0, codes, np.nan).astype(float)
    x = figures.numbers[feature.field.key]
    if feature.kind == "value":
        return x.copy()
    den = figures.numbers[feature.denominator.key]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, x / den * feature.multiplier, np.nan)


def _standardise(t: np.ndarray, scaling: str) -> tuple[float, float]:
    """Location and spread of the observed values; a spread of 1 where there is none."""
    seen = t[~np.isnan(t)]
    scale = float(np.max(np.abs(seen))) or 1.0
    if scaling == "robust":
        location = float(np.median(seen))
        q25, q75 = np.percentile(seen, [25, 75])
        spread = float(q75 - q25) / ROBUST_SPREAD
        if negligible(spread, scale):
            spread = float(np.std(seen))
    else:
        location, spread = float(np.mean(seen)), float(np.std(seen))
    return location, (1.0 if negligible(spread, scale) else spread)


def _mode(codes: np.ndarray, choices: int) -> int:
    """The most frequent choice index (the first in order on a tie)."""
    return int(np.argmax(np.bincount(codes[codes >= 0].astype(np.int64), minlength=choices)))


def build_matrix(figures: Figures, settings: CohortSettings) -> FeatureMatrix:
    """The clustering matrix of the figures under the settings; a feature that no application has
    is an :class:`InputError` (there is nothing to standardise it by)."""
    features = settings.features
    n = figures.n
    values = (
        np.column_stack([feature_values(f, figures) for f in features]) if n else np.zeros((0, len(features)))
    )
    missing = np.isnan(values)
    empty = [f for j, f in enumerate(features) if missing[:, j].all()]
    if empty or n == 0:
        raise InputError(
            [
                {
                    "table": "figures",
                    "column": ",".join(f.figures) if empty else "id",
                    "message": msg("no application has the feature '%(key)s'", key=f.key)
                    if empty
                    else msg("there are no applications"),
                }
                for f in (empty or [None])
            ]
        )
    impute = settings.missing == "impute"
    columns: list[np.ndarray] = []
    owners: list[int] = []
    names: list[str] = []
    location = np.full(len(features), np.nan)
    spread = np.full(len(features), np.nan)
    for j, f in enumerate(features):
        x = values[:, j]
        if f.onehot:
            code = np.where(missing[:, j] & impute, _mode(x[~missing[:, j]], len(f.order)), x)
            for c, choice in enumerate(f.order):
                col = np.where(np.isnan(code), np.nan, (code == c) * (f.weight / np.sqrt(2.0)))
                columns.append(col)
                owners.append(j)
                names.append(f"{f.key}={choice}")
            continue
        t = np.log1p(x) if f.log else x
        location[j], spread[j] = _standardise(t, settings.scaling)
        if impute and missing[:, j].any():
            fill = _mode(x[~missing[:, j]], len(f.order)) if f.kind == "category" else np.nanmedian(t)
            t = np.where(missing[:, j], fill, t)
        z = (t - location[j]) / spread[j]
        if spread[j] == 1.0 and negligible(np.nanmax(t) - np.nanmin(t), np.nanmax(np.abs(t)) or 1.0):
            z = np.where(np.isnan(z), np.nan, 0.0)  # no spread: the feature tells nothing apart
        columns.append(z * f.weight)
        owners.append(j)
        names.append(f.key)
    return FeatureMatrix(
        ids=figures.ids,
        settings=settings,
        values=values,
        missing=missing,
        imputed=missing if impute else np.zeros_like(missing),
        matrix=np.column_stack(columns),
        column_feature=np.asarray(owners),
        column_names=tuple(names),
        location=location,
        spread=spread,
    )
