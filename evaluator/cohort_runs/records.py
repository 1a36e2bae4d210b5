"""How an engine run becomes the stored rows of a cohort run: its quality measures, its features as
read, one row per cohort (size, centre and ranges in the figures' own units, profile, stability) and
one per application (cohort, distances, the features that place it there, peers, principal
components for the scatter). Pure mapping: ``service.run`` adds the rows and flushes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evaluator.cohort_runs.models import Cohort, CohortMember
from evaluator.cohorts import CohortRun as EngineRun
from evaluator.cohorts import CohortSettings


def number_or_none(x: Any) -> float | None:
    """A float for JSON: None for a missing value or NaN."""
    return None if x is None or pd.isna(x) else float(x)


UNIT_WORDS = {"人": "residents", "户": "households", "个": "", "平方公里": "km²"}
"""The English of the Chinese words a ratio's unit may be written with (the defaults: 人/km²)."""


def unit_en(f) -> str | None:
    """A feature's unit in English: the criteria field's own English unit for a figure, else the
    unit with its Chinese words put in English."""
    if not f.unit:
        return None
    if f.kind == "value" and f.unit == f.field.unit:
        return f.field.unit_en or f.unit
    text = f.unit
    for zh, en in UNIT_WORDS.items():
        text = text.replace(zh, en)
    return text.strip() or None


def feature_record(f) -> dict[str, Any]:
    """A feature of the settings as the run stores it: names in both languages, unit, kind, weight."""
    return {
        "key": f.key,
        "label": f.label,
        "label_en": f.label_en,
        "unit": f.unit,
        "unit_en": unit_en(f),
        "kind": f.kind,
        "weight": f.weight,
        "log": f.log,
        "figures": list(f.figures),
        "choices": [
            {"value": v, "label": f.choice_label(v, "zh"), "label_en": f.choice_label(v, "en")}
            for v in f.order
        ]
        if f.kind == "category"
        else [],
    }


def quality_record(result: EngineRun, stability, settings: CohortSettings) -> dict[str, Any]:
    """The run's quality measures as stored: silhouette and the others, the k tried, merges of small
    cohorts, features left out, the resamples of the stability measure."""
    q = result.quality
    return {
        "silhouette": number_or_none(q.silhouette),
        "davies_bouldin": number_or_none(q.davies_bouldin),
        "calinski_harabasz": number_or_none(q.calinski_harabasz),
        "n": q.n,
        "n_fit": q.n_fit,
        "silhouette_rows": q.silhouette_rows,
        "candidates": [
            {"k": c.k, "cohorts": c.cohorts, "silhouette": number_or_none(c.silhouette)} for c in q.candidates
        ],
        "merges": [
            {"size": m.size, "distance": number_or_none(m.distance), "into": m.into} for m in result.merges
        ],
        "omitted": list(settings.omitted),
        "resamples": stability.resamples,
        "threshold": stability.threshold,
        "unstable": int(stability.members["unstable"].sum()),
        "imputed": int(result.members["imputed"].sum()),
        "unplaced": int(result.members["cohort"].isna().sum()),
    }


def cohort_rows(run_id: int, result: EngineRun, stability) -> list[Cohort]:
    """One row per cohort: size, profile, centre and ranges in the figures' units, stability."""
    out = []
    keys = [f for f in result.settings.features]
    for number, row in result.cohorts.iterrows():
        centre: dict[str, Any] = {}
        ranges: dict[str, Any] = {}
        for f in keys:
            if f.kind == "category":
                centre[f.key] = {c: number_or_none(row.get(f"share.{f.key}.{c}")) for c in f.order}
            else:
                centre[f.key] = number_or_none(row.get(f"centre.{f.key}"))
                ranges[f.key] = [
                    number_or_none(row.get(f"low.{f.key}")),
                    number_or_none(row.get(f"high.{f.key}")),
                ]
        st = stability.cohorts.loc[number] if number in stability.cohorts.index else None
        out.append(
            Cohort(
                run_id=run_id,
                number=int(number),
                size=int(row["size"]),
                profile_zh=str(row["profile_zh"])[:400],
                profile_en=str(row["profile_en"])[:800],
                centre=centre,
                ranges=ranges,
                stability=None if st is None else number_or_none(st["stability"]),
                unstable=0 if st is None else int(st["unstable"]),
            )
        )
    return out


def principal_components(matrix: np.ndarray) -> np.ndarray:
    """The rows' coordinates on the first two principal components of the standardised weighted
    features (missing values at the centre), each component's sign fixed so that its largest
    loading is positive: the same data give the same picture."""
    x = np.nan_to_num(matrix, nan=0.0)
    x = x - x.mean(axis=0)
    out = np.zeros((len(x), 2))
    if len(x) < 2 or not x.any():
        return out
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    for c in range(min(2, vt.shape[0])):
        v = vt[c] * np.sign(vt[c][np.argmax(np.abs(vt[c]))])
        out[:, c] = x @ v
    return out


def member_rows(run_id: int, result: EngineRun, stability, peers) -> list[CohortMember]:
    """One row per application: its cohort, distances, placing features, figures, peers, stability."""
    fm = result.features
    features = result.settings.features
    pcs = principal_components(fm.matrix)
    by_id = {int(i): [] for i in fm.ids}
    for aid, peer, distance in zip(
        peers.table["id"].tolist(),
        peers.table["peer_id"].tolist(),
        peers.table["distance"].tolist(),
        strict=True,
    ):
        by_id[int(aid)].append([int(peer), float(distance)])
    members = result.members
    contributions = result.contributions
    st = stability.members
    out = []
    for i, aid in enumerate(fm.ids.tolist()):
        row = members.iloc[i]
        values: dict[str, Any] = {}
        for j, f in enumerate(features):
            v = fm.values[i, j]
            if np.isnan(v):
                values[f.key] = None
            else:
                values[f.key] = f.order[int(v)] if f.kind == "category" else float(v)
        placed = not pd.isna(row["cohort"])
        out.append(
            CohortMember(
                run_id=run_id,
                application_id=int(aid),
                cohort=int(row["cohort"]) if placed else None,
                distance=number_or_none(row["distance"]),
                next_cohort=None if pd.isna(row["next_cohort"]) else int(row["next_cohort"]),
                next_distance=number_or_none(row["next_distance"]),
                reasons=list(row["reasons"]),
                contributions={k: number_or_none(v) for k, v in contributions.iloc[i].items()},
                missing=list(row["missing"]),
                imputed=bool(row["imputed"]),
                stability=number_or_none(st["stability"].iloc[i]),
                unstable=bool(st["unstable"].iloc[i]),
                values=values,
                pc1=float(pcs[i, 0]) if placed else None,
                pc2=float(pcs[i, 1]) if placed else None,
                peers=by_id[int(aid)],
            )
        )
    return out


# ----------------------------------------------------------------------------------------- reading
