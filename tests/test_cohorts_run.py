"""Cohorts from figures (docs/cohorts.md): deterministic, numbered by a stated rule, k chosen by
silhouette, small clusters merged, missing figures handled in the open, bad figures refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from evaluator.cohorts import CohortError, InputError, run_cohorts
from evaluator.cohorts import clustering as clustering_module
from evaluator.cohorts.clustering import merge_small
from evaluator.cohorts.profiles import category_text, format_number
from evaluator.scoring.tolerance import negligible


def close(a, b, scale: float = 1.0) -> bool:
    """Whether two computed figures (or arrays) agree within the tolerance of scoring/tolerance.py."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all((np.isnan(a) & np.isnan(b)) | negligible(a - b, scale)))


def test_the_same_figures_and_settings_give_the_same_cohorts(make_figures, make_settings):
    figures, settings = make_figures((40, 40, 40)), make_settings()
    first, second = run_cohorts(figures, settings), run_cohorts(figures, settings)
    assert first.members["cohort"].equals(second.members["cohort"])
    assert close(first.members["distance"], second.members["distance"])
    assert first.cohorts[["size", "profile_zh", "profile_en"]].equals(
        second.cohorts[["size", "profile_zh", "profile_en"]]
    )
    assert first.data_hash == second.data_hash


def test_the_numbering_holds_when_the_rows_and_columns_come_in_another_order(make_figures, make_settings):
    figures, settings = make_figures((40, 40, 40)), make_settings()
    shuffled = figures.sample(frac=1, random_state=7)[list(reversed(figures.columns))]
    first, second = run_cohorts(figures, settings), run_cohorts(shuffled, settings)
    assert first.members["cohort"].equals(second.members["cohort"])
    assert first.cohorts["profile_en"].equals(second.cohorts["profile_en"])
    assert list(first.members.index) == sorted(figures["id"])


def test_cohorts_are_numbered_ascending_by_their_centre_s_resident_population(make_figures, make_settings):
    run = run_cohorts(make_figures((30, 30, 30, 30)), make_settings())
    centres = run.cohorts["centre.residents"].to_numpy()
    assert run.k == 4 and np.all(np.diff(centres) > 0)
    categories = run.cohorts["profile_en"].str.split(" · ").str[0].tolist()
    assert categories == [
        "Poverty-alleviation relocation community",
        "Market-town community",
        "Traditional urban community",
        "Urban-rural fringe new community",
    ]


def test_profiles_read_the_members_ranges_and_kinds_in_both_languages(make_settings):
    urban = {"category": "traditional_urban", "area_km2": 1.0}
    households, residents = [3000, 3000, 3600, 4200, 4200], [9000, 9000, 10000, 12500, 12500]
    rows = [
        {**urban, "households_resident": h, "residents_resident": r}
        for h, r in zip(households, residents, strict=True)
    ]
    mixed = ["market_town"] * 6 + ["urban_rural_fringe"] * 3 + ["relocation"]
    rows += [
        {"category": c, "households_resident": 400, "residents_resident": 1200, "area_km2": 2.0}
        for c in mixed
    ]
    figures = pd.DataFrame(rows).assign(id=range(1, 16), aged_60_plus=100, residents_floating=10)
    run = run_cohorts(figures, make_settings(k=2, min_cohort_size=1))
    assert run.cohorts["profile_zh"].tolist() == [
        "集镇社区 60%、城乡结合部新型社区 30% · 400 户 · 常住 1,200 人",
        "传统城市社区 · 3,000–4,200 户 · 常住 9,000–13,000 人",
    ]
    assert run.cohorts["profile_en"].tolist() == [
        "Market-town community 60%, Urban-rural fringe new community 30% · 400 households · 1,200 residents",
        "Traditional urban community · 3,000–4,200 households · 9,000–13,000 residents",
    ]
    assert run.cohorts.loc[1, "share.category.relocation"] == 0.1


def test_a_spread_category_lists_three_choices_and_the_rest(make_settings):
    category = make_settings().feature("category")
    even = np.full(4, 0.25)
    assert category_text(category, even, "zh") == "传统城市社区 25%、集镇社区 25%、城乡结合部新型社区 25%等"
    assert category_text(category, even, "en").endswith("Urban-rural fringe new community 25% and others")
    assert category_text(category, np.array([0.0, 0.95, 0.05, 0.0]), "en") == "Market-town community"
    assert category_text(category, np.zeros(4), "zh") == "—"


@pytest.mark.parametrize(
    "value, text",
    [
        (4213, "4,200"),
        (12500, "13,000"),
        (1234567, "1,200,000"),
        (0.483, "0.48"),
        (7, "7"),
        (0, "0"),
        (21.65, "22"),
    ],
)
def test_profile_numbers_have_two_significant_figures_and_thousands_separators(value, text):
    assert format_number(value) == text


def test_k_is_chosen_by_silhouette_on_clear_groups(make_figures, make_settings):
    run = run_cohorts(make_figures((30, 30, 30, 30)), make_settings(k={"min": 2, "max": 7}))
    tried = {c.k: c.silhouette for c in run.quality.candidates}
    assert sorted(tried) == [2, 3, 4, 5, 6, 7]
    assert run.k == 4 and max(tried, key=tried.get) == 4
    assert close(run.quality.silhouette, tried[4])


def test_a_fixed_k_is_used_as_given(make_figures, make_settings):
    run = run_cohorts(make_figures((30, 30, 30, 30)), make_settings(k=3, min_cohort_size=1))
    assert run.k == 3 and [c.k for c in run.quality.candidates] == [3]
    assert sum(run.quality.sizes) == 120 and run.quality.sizes == tuple(run.cohorts["size"])


def test_quality_measures_agree_with_scikit_learn(make_figures, make_settings):
    run = run_cohorts(make_figures((25, 35, 45)), make_settings(k=3))
    x, labels = run.features.matrix, run.labels
    assert close(run.quality.silhouette, silhouette_score(x, labels))
    assert close(run.quality.davies_bouldin, davies_bouldin_score(x, labels))
    big = calinski_harabasz_score(x, labels)
    assert close(run.quality.calinski_harabasz, big, scale=big)


def test_a_sampled_silhouette_is_seeded(make_figures, make_settings):
    figures = make_figures((300, 300, 300))
    one = run_cohorts(figures, make_settings(silhouette_sample=500, k=3))
    two = run_cohorts(figures, make_settings(silhouette_sample=500, k=3))
    assert one.quality.silhouette_rows == 500 and close(one.quality.silhouette, two.quality.silhouette)
    assert not close(one.quality.silhouette, silhouette_score(one.features.matrix, one.labels), scale=1e-6)


def test_small_clusters_merge_into_the_nearest_until_none_is_small():
    # One dimension: A = 10 rows at 0, B = 2 at 5, C = 3 at 7, D = 10 at 20.
    x = np.concatenate([np.zeros(10), np.full(2, 5.0), np.full(3, 7.0), np.full(10, 20.0)])[:, None]
    labels = np.repeat([0, 1, 2, 3], [10, 2, 3, 10])
    merged, merges = merge_small(x, labels, min_size=4)
    assert list(np.bincount(merged)) == [10, 5, 10]  # B went into C (2 from it, 5 from A)
    assert [(m.size, m.into) for m in merges] == [(2, 1)] and close(merges[0].distance, 2.0)
    merged, merges = merge_small(x, labels, min_size=6)
    # B into C; then B+C (5 rows, centre 6.2) into A (6.2 away, not D 13.8 away).
    assert list(np.bincount(merged)) == [15, 10]
    assert [(m.size, m.into) for m in merges] == [(2, 0), (5, 0)]
    assert close([m.distance for m in merges], [2.0, 6.2])


def test_a_run_merges_a_small_group_and_says_where_it_went(make_figures, make_settings):
    figures = make_figures((30, 30, 30, 4))  # four very large fringe communities
    run = run_cohorts(figures, make_settings(k=4, min_cohort_size=5))
    assert run.k == 3 and min(run.quality.sizes) >= 5
    assert [m.size for m in run.merges] == [4]
    fringe = run.members.loc[figures["id"].iloc[-4:], "cohort"]
    assert set(fringe) == {run.merges[0].into}
    assert run.cohorts.loc[run.merges[0].into, "share.category.urban_rural_fringe"] > 0


def test_missing_figures_are_imputed_with_the_median_and_flagged(make_figures, make_settings):
    figures = make_figures((30, 30, 30))
    figures.loc[[5, 40], "area_km2"] = np.nan
    figures.loc[40, "residents_floating"] = np.nan
    run = run_cohorts(figures, make_settings(k=3))
    ids = figures["id"]
    assert run.members.loc[ids[5], "missing"] == ("density",)
    assert run.members.loc[ids[40], "missing"] == ("density", "floating_share")
    assert run.members.loc[ids[[5, 40]], "imputed"].all() and run.members["imputed"].sum() == 2
    density = run.features.column_names.index("density")
    assert close(run.features.matrix[[5, 40], density], 0.0)  # robust: the median standardises to 0
    assert run.members["cohort"].notna().all()


def test_missing_figures_can_place_by_the_features_present(make_figures, make_settings):
    figures = make_figures((30, 30, 30))
    figures.loc[3, ["area_km2"]] = np.nan
    nothing = [
        "category",
        "households_resident",
        "residents_resident",
        "area_km2",
        "aged_60_plus",
        "residents_floating",
    ]
    figures.loc[70, nothing] = np.nan
    run = run_cohorts(figures, make_settings(k=3, missing="available"))
    ids = figures["id"]
    assert len(run.members) == 90 and not run.members["imputed"].any()
    assert pd.isna(run.members.loc[ids[70], "cohort"]) and len(run.members.loc[ids[70], "missing"]) == 6
    row = run.features.matrix[3]
    present = ~np.isnan(row)
    d2 = ((row[present] - run.centres[:, present]) ** 2).sum(axis=1) * len(row) / present.sum()
    assert run.members.loc[ids[3], "cohort"] == run.numbers[np.argmin(d2)]
    assert close(run.members.loc[ids[3], "distance"], np.sqrt(d2.min()))
    assert run.quality.n_fit == 88 and run.quality.n == 90


def test_distances_and_contributions_explain_each_place(make_figures, make_settings):
    run = run_cohorts(make_figures((30, 30, 30)), make_settings(k=3))
    x = run.features.matrix
    d2 = ((x[:, None, :] - run.centres[None, :, :]) ** 2).sum(axis=2)
    rows = np.arange(len(x))
    own = d2[rows, run.labels]
    others = d2.copy()
    others[rows, run.labels] = np.inf
    assert close(run.members["distance"], np.sqrt(own))
    assert close(run.members["next_distance"], np.sqrt(others.min(axis=1)))
    assert (run.members["next_cohort"].to_numpy() == run.numbers[others.argmin(axis=1)]).all()
    assert close(run.contributions.sum(axis=1), others.min(axis=1) - own, scale=float(d2.max()))
    for app_id, reasons in run.members["reasons"].items():
        row = run.contributions.loc[app_id]
        expected = row[row > 0].sort_values(ascending=False, kind="stable").index[:3]
        assert reasons == tuple(expected)


def test_a_centre_is_given_in_the_figures_own_units(make_figures, make_settings):
    figures = make_figures((30, 30, 30))
    run = run_cohorts(figures, make_settings(k=3))
    for number in run.cohorts.index:
        members = figures.set_index("id").loc[run.members.index[run.members["cohort"] == number]]
        households = np.expm1(np.log1p(members["households_resident"]).mean())
        assert close(run.cohorts.loc[number, "centre.households"], households, scale=households)
        share = members["aged_60_plus"] / members["residents_resident"] * 100
        assert close(run.cohorts.loc[number, "centre.aged_share"], share.mean(), scale=100)
        assert close(
            run.cohorts.loc[number, "low.households"], members["households_resident"].quantile(0.25), 1e4
        )


def test_ward_and_minibatch_cluster_the_clear_groups(make_figures, make_settings, monkeypatch):
    figures = make_figures((30, 30, 30))
    ward = run_cohorts(figures, make_settings(method="ward"))
    monkeypatch.setattr(clustering_module, "MINIBATCH_FIT_ROWS", 60)  # fitted on a sample of 60
    mini = run_cohorts(figures, make_settings(method="minibatch"))
    again = run_cohorts(figures, make_settings(method="minibatch"))
    for run in (ward, mini):
        assert run.k == 3 and run.quality.sizes == (30, 30, 30)
    assert mini.members["cohort"].equals(again.members["cohort"])


def test_ward_is_refused_above_its_size(make_figures, make_settings, monkeypatch):
    monkeypatch.setattr("evaluator.cohorts.run.MAX_WARD_ROWS", 50)
    with pytest.raises(CohortError) as info:
        run_cohorts(make_figures((30, 30)), make_settings(method="ward"))
    assert "at most 50 applications (this round has 60)" in info.value.errors["method"][0]


def test_too_few_applications_for_k_are_refused(make_figures, make_settings):
    figures = make_figures((2,))
    with pytest.raises(CohortError) as info:
        run_cohorts(figures, make_settings(k={"min": 3, "max": 5}))
    assert "2 applications with distinct features are too few for 3 cohorts" in info.value.errors["k"][0]


def test_bad_figures_are_refused_cell_by_cell(make_figures, make_settings):
    figures = make_figures((10, 10)).astype({"households_resident": object, "category": object})
    figures.loc[2, "households_resident"] = "many"
    figures.loc[4, "category"] = "village"
    figures.loc[6, "aged_60_plus"] = -5  # a share, no log: allowed
    figures.loc[7, "residents_resident"] = -1  # under a log: refused
    figures.loc[9, "id"] = figures.loc[8, "id"]
    with pytest.raises(InputError) as info:
        run_cohorts(figures, make_settings())
    found = {(e.get("row"), e.get("column")) for e in info.value.errors}
    assert found == {(4, "households_resident"), (6, "category"), (9, "residents_resident"), (11, "id")}
    with pytest.raises(InputError) as info:
        run_cohorts(figures.drop(columns=["area_km2"]), make_settings())
    assert info.value.errors[0]["column"] == "area_km2"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000), sizes=st.tuples(st.integers(6, 20), st.integers(6, 20), st.integers(0, 20))
)
def test_any_row_order_gives_the_same_cohorts(make_figures, make_settings, seed, sizes):
    figures = make_figures(sizes, seed=seed)
    rng = np.random.default_rng(seed)
    figures["area_km2"] = figures["area_km2"] * np.exp(rng.normal(0, 1.0, len(figures)))  # blur the groups
    settings = make_settings(k={"min": 2, "max": 4}, min_cohort_size=3)
    first = run_cohorts(figures, settings)
    second = run_cohorts(figures.iloc[rng.permutation(len(figures))], settings)
    assert first.members["cohort"].equals(second.members["cohort"])
