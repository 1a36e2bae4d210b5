"""Similar peers and the rank among them, the bootstrap stability, and the data hash
(docs/cohorts.md, "Peers", "Stability", "The data hash")."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics.pairwise import nan_euclidean_distances

from evaluator.cohorts import (
    InputError,
    bootstrap_stability,
    data_hash,
    nearest_peers,
    rank_among_peers,
    run_cohorts,
)
from evaluator.cohorts import stability as stability_module
from evaluator.cohorts.peers import Peers, search_all, search_by_category
from evaluator.scoring.tolerance import negligible


def close(a, b, scale: float = 1.0) -> bool:
    """Whether computed figures agree within the tolerance of scoring/tolerance.py."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all((np.isnan(a) & np.isnan(b)) | negligible(a - b, scale)))


def brute_peers(matrix: np.ndarray, ids: np.ndarray, count: int) -> pd.DataFrame:
    """Every application's ``count`` nearest others by full pairwise distances, ties by id."""
    d = nan_euclidean_distances(matrix)
    rows = []
    for i in range(len(matrix)):
        order = sorted((j for j in range(len(matrix)) if j != i), key=lambda j: (d[i, j], ids[j]))[:count]
        rows += [(ids[i], r + 1, ids[j], d[i, j]) for r, j in enumerate(order)]
    return pd.DataFrame(rows, columns=["id", "rank", "peer_id", "distance"])


def test_peers_are_the_nearest_applications_by_the_run_s_features(make_figures, make_settings):
    figures = make_figures((40, 40, 40), seed=3)
    figures["area_km2"] *= np.exp(np.random.default_rng(3).normal(0, 0.5, len(figures)))
    run = run_cohorts(figures, make_settings(k=3))
    peers = nearest_peers(run)
    expected = brute_peers(run.features.matrix, run.features.ids, 20)
    assert peers.n_peers == 20 and len(peers.table) == 120 * 20
    assert (peers.table["id"] != peers.table["peer_id"]).all()
    assert peers.table[["id", "rank", "peer_id"]].equals(expected[["id", "rank", "peer_id"]])
    assert close(peers.table["distance"], expected["distance"])
    assert [f["key"] for f in peers.features] == [f.key for f in run.settings.features]
    assert peers.features[0]["weight"] == 1.0 and peers.scaling == "robust"
    assert len(peers.of(figures["id"][0])) == 20 and len(nearest_peers(run, 5).of(figures["id"][0])) == 5


def test_the_search_by_category_finds_exactly_the_nearest_overall():
    rng = np.random.default_rng(5)
    numeric = rng.normal(0, 1, (400, 3))
    category = rng.integers(0, 3, 400)
    gap = 0.8  # small: many rows must look beyond their own category
    onehot = np.eye(3)[category] * gap / np.sqrt(2)
    matrix = np.hstack([onehot, numeric])
    mask = np.array([True, True, True, False, False, False])
    d1, i1 = search_all(matrix, 21)
    d2, i2 = search_by_category(matrix, mask, gap, 21)
    assert close(d1, d2) and (i1 == i2).all()


def test_peers_with_missing_figures_use_the_features_both_have(make_figures, make_settings):
    figures = make_figures((20, 20, 20))
    figures.loc[[1, 30], "area_km2"] = np.nan
    run = run_cohorts(figures, make_settings(k=3, missing="available"))
    peers = nearest_peers(run, 10)
    expected = brute_peers(run.features.matrix, run.features.ids, 10)
    assert peers.table[["id", "peer_id"]].equals(expected[["id", "peer_id"]])
    assert close(peers.table["distance"], expected["distance"])


def test_the_rank_among_peers_counts_the_peers_above():
    table = pd.DataFrame(
        {
            "id": [1, 1, 1, 2, 2, 2, 3, 3, 3],
            "rank": [1, 2, 3] * 3,
            "peer_id": [2, 3, 4, 1, 3, 4, 1, 2, 4],
            "distance": [0.1, 0.2, 0.3] * 3,
        }
    )
    peers = Peers(table=table, features=(), scaling="robust", n_peers=3)
    scores = pd.Series({1: 80.0, 2: 85.0, 3: 80.0 + 1e-12, 4: np.nan})
    ranked = rank_among_peers(peers, scores)
    assert ranked["rank"].tolist() == [2, 1, 2]  # 1 and 3 tie within the tolerance
    assert ranked["group"].tolist() == [3, 3, 3]  # 4 has no score: not counted
    scores[1] = np.nan
    ranked = rank_among_peers(peers, scores)
    assert pd.isna(ranked.loc[1, "rank"]) and ranked.loc[1, "group"] == 2 and ranked.loc[3, "rank"] == 2


def test_rank_among_peers_of_a_run(make_figures, make_settings):
    run = run_cohorts(make_figures((30, 30, 30)), make_settings(k=3))
    peers = nearest_peers(run)
    scores = pd.Series(np.arange(90, dtype=float), index=run.members.index)
    ranked = rank_among_peers(peers, scores)
    for app_id in run.members.index[:10]:
        theirs = scores[peers.of(app_id)["peer_id"]]
        assert ranked.loc[app_id, "rank"] == 1 + (theirs > scores[app_id]).sum()
        assert ranked.loc[app_id, "group"] == 21


def test_the_bootstrap_is_reproducible_and_finds_clear_groups_stable(make_figures, make_settings):
    run = run_cohorts(make_figures((30, 30, 30)), make_settings(k=3))
    first, second = bootstrap_stability(run, resamples=10), bootstrap_stability(run, resamples=10)
    assert close(first.members["stability"], second.members["stability"])
    assert close(first.members["stability"], 1.0) and not first.members["unstable"].any()
    assert first.cohorts["unstable"].tolist() == [0, 0, 0] and first.resamples == 10
    assert first.seed == run.settings.seed and first.threshold == 0.7


def test_stability_is_the_share_of_mates_kept_and_flags_below_the_threshold(
    make_figures, make_settings, monkeypatch
):
    figures = make_figures((25, 25, 25), seed=4)
    rng = np.random.default_rng(4)
    for column in ("households_resident", "residents_resident", "area_km2"):
        figures[column] *= np.exp(rng.normal(0, 0.9, len(figures)))  # blurred groups: companions change
    run = run_cohorts(figures, make_settings(k=3, min_cohort_size=2))
    seen: list[np.ndarray] = []
    real_nearest = stability_module.nearest

    def recording(matrix, centres):
        labels = real_nearest(matrix, centres)
        seen.append(labels)
        return labels

    monkeypatch.setattr(stability_module, "nearest", recording)
    result = bootstrap_stability(run, resamples=8, threshold=0.9, seed=11)
    draws = np.array(seen)  # resamples × applications
    cohort = run.labels
    expected = []
    for i in range(len(cohort)):
        mates = np.flatnonzero((cohort == cohort[i]) & (np.arange(len(cohort)) != i))
        expected.append((draws[:, mates] == draws[:, [i]]).mean())
    assert close(result.members["stability"], expected)
    assert (result.members["unstable"] == (np.array(expected) < 0.9)).all()
    assert result.members["unstable"].any() and not result.members["unstable"].all()
    again = bootstrap_stability(run, resamples=8, threshold=0.9, seed=11)
    assert close(again.members["stability"], result.members["stability"])


def documented_hash(table: pd.DataFrame) -> str:
    """The data hash written out from docs/cohorts.md, independently of the engine."""
    table = table.sort_values("id")
    digest = hashlib.sha256(b"cohorts-data/1\n")
    digest.update(b"id:int64\n" + table["id"].to_numpy().astype("<i8").tobytes())
    for key in sorted(
        [
            "category",
            "households_resident",
            "residents_resident",
            "area_km2",
            "aged_60_plus",
            "residents_floating",
        ]
    ):
        digest.update(b"\n" + key.encode())
        if key == "category":
            texts = ["\x1e" if pd.isna(v) else v for v in table[key]]
            digest.update(b":text\n" + "\x1f".join(texts).encode())
        else:
            values = table[key].to_numpy(dtype=float)
            values = np.where(np.isnan(values), np.float64("nan"), values + 0.0)
            digest.update(b":float64\n" + values.astype("<f8").tobytes())
    return digest.hexdigest()


def test_the_data_hash_follows_its_documented_form(make_figures, make_settings):
    figures = make_figures((5, 5))
    figures.loc[2, "area_km2"] = np.nan
    figures.loc[3, "category"] = None
    settings = make_settings(missing="available")
    assert data_hash(figures, settings) == documented_hash(figures)
    assert run_cohorts(figures, make_settings(k=2)).data_hash == documented_hash(figures)


def test_the_data_hash_sees_the_figures_and_nothing_else(make_figures, make_settings):
    figures, settings = make_figures((6, 6)), make_settings()
    base = data_hash(figures, settings)
    moved = figures.iloc[::-1][list(reversed(figures.columns))].assign(note="ignored")
    assert data_hash(moved, settings) == base
    as_floats = figures.astype({"households_resident": float, "residents_resident": int})
    assert data_hash(as_floats, settings) == base
    changed = figures.copy()
    changed.loc[0, "households_resident"] += 1
    assert data_hash(changed, settings) != base
    zero, missing = figures.copy(), figures.copy()
    zero.loc[0, "area_km2"], missing.loc[0, "area_km2"] = 0.0, np.nan
    assert len({data_hash(zero, settings), data_hash(missing, settings), base}) == 3
    assert data_hash(figures.assign(id=figures["id"] + 100), settings) != base


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 1000))
def test_the_data_hash_does_not_depend_on_the_row_order(make_figures, make_settings, seed):
    figures, settings = make_figures((4, 4, 4), seed=seed), make_settings()
    order = np.random.default_rng(seed).permutation(len(figures))
    assert data_hash(figures.iloc[order], settings) == data_hash(figures, settings)


@pytest.mark.parametrize("bad", [[1, 2, 2], [1, None, 3]])
def test_ids_must_be_present_and_unique(make_figures, make_settings, bad):
    figures = make_figures((3,)).astype({"id": object})
    figures["id"] = bad
    with pytest.raises(InputError) as info:
        data_hash(figures, make_settings())
    assert {e["column"] for e in info.value.errors} == {"id"}
