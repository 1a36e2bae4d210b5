"""Documented results of score_round on tiny rounds, with expected numbers worked out by hand.

The criteria are the mini set with the AHP-weighted expert block replaced by plain points
(plan_quality 20, onsite 10, novelty 10), so that every expected number is exact. With the FULL
figures every auto-scored leaf is at full marks (basics 40, digital 20: 60 points); with ZERO
figures every auto-scored leaf scores 0.
"""

from __future__ import annotations

import copy
import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from evaluator.scoring.aggregation import calibrate_zscore
from evaluator.scoring.engine import score_round
from evaluator.scoring.mcda import critic_weights, entropy_weights, topsis
from evaluator.scoring.sensitivity import weight_sensitivity

RAW = yaml.safe_load((Path(__file__).parent / "data" / "mini.yaml").read_text(encoding="utf-8"))
FULL = dict(
    category="relocation",
    households=100,
    residents=10000,
    workers=18,
    fund=100000,
    services="employment;elderly;health",
    platform=True,
    online_rate=80,
    online_rate_prev=70,
    satisfaction=90,
    incident=False,
)
ZERO = dict(
    FULL,
    category="urban",
    households=0,
    workers=0,
    fund=0,
    services="",
    platform=False,
    online_rate=0,
    online_rate_prev=0,
)


def easy_indicators():
    indicators = copy.deepcopy(RAW["indicators"])
    judged = indicators[1]["children"][0]
    del judged["ahp"]
    for child, points in zip(judged["children"], (20, 10, 10), strict=True):
        child["points"] = points
    return indicators


@pytest.fixture
def crit(make_criteria):
    def make(aggregation=None, **top):
        return make_criteria(
            indicators=easy_indicators(),
            aggregation={"method": "mean", "min_reviews": 1, **(aggregation or {})},
            **top,
        )

    return make


def app(app_id, figures=FULL, **kw):
    return {"id": app_id, **figures, **kw}


def marks(app_id, reviewer, plan=0.0, onsite=0.0, novelty=0.0):
    """One reviewer's three expert scores for one application."""
    return [
        {"application_id": app_id, "reviewer_id": reviewer, "indicator_id": i, "score": s}
        for i, s in (("plan_quality", plan), ("onsite", onsite), ("novelty", novelty))
    ]


def flag(app_id, reviewer, name="falsified_materials"):
    return {
        "application_id": app_id,
        "reviewer_id": reviewer,
        "indicator_id": None,
        "score": None,
        "flag": name,
    }


def run(cs, apps, scores=(), claims=()):
    return score_round(
        cs,
        pd.DataFrame(apps),
        pd.DataFrame(list(scores)) if scores else None,
        pd.DataFrame(list(claims), columns=["application_id", "bonus_id"]),
    )


def col(table, name):
    return table[name].tolist()


# --- aggregation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "given", "expected"),
    [
        ("trimmed_mean", [2, 4, 6, 20], 8.0),  # 4 < trim_from 5: plain mean 32 / 4
        ("trimmed_mean", [2, 2, 6, 10, 10], 6.0),  # one 2 and one 10 dropped: (2 + 6 + 10) / 3
        ("trimmed_mean", [1, 3, 5, 7, 9, 20], 6.0),  # (3 + 5 + 7 + 9) / 4
        ("mean", [2, 4, 6, 20], 8.0),
        ("median", [2, 4, 6, 20], 5.0),  # (4 + 6) / 2
        ("median", [20, 2, 4], 4.0),
    ],
)
def test_aggregation(crit, method, given, expected):
    cs = crit({"method": method, "trim_from": 5})
    scores = [row for k, s in enumerate(given) for row in marks("a", f"R{k}", plan=s)]
    table = run(cs, [app("a")], scores).table()
    assert table.loc["a", "score.plan_quality"] == pytest.approx(expected, abs=1e-12)
    assert table.loc["a", "raw.plan_quality"] == pytest.approx(expected, abs=1e-12)
    assert table.loc["a", "total"] == pytest.approx(60 + expected, abs=1e-12)


def test_too_few_reviews_is_incomplete_and_unranked(crit):
    cs = crit({"min_reviews": 3})
    scores = [
        row
        for r in ("R1", "R2", "R3")
        for row in marks("a", r, 20, 10, 10) + marks("b", r, 10, 5, 5) + marks("d", r, 15, 5, 5)
    ]
    scores += marks("c", "R1", 20, 10, 10) + marks("c", "R2", 20, 10, 10)
    table = run(cs, [app(x) for x in "abcd"], scores).table()
    # a 60 + 40 = 100, b 60 + 20 = 80, d 60 + 25 = 85; c has 2 < 3 reviewers.
    assert col(table, "status") == ["ranked", "ranked", "incomplete", "ranked"]
    assert table.loc["c", "n_reviews"] == 2
    for name in ("score.plan_quality", "section.quality", "base", "total", "percentile"):
        assert math.isnan(table.loc["c", name]), name
    assert table.loc["c", "score.size"] == 10  # auto-scored leaves still shown
    assert pd.isna(table.loc["c", "grade"]) and pd.isna(table.loc["c", "rank"])
    assert not table.loc["c", "recognised"]
    assert col(table, "total")[:2] + col(table, "total")[3:] == [100, 80, 85]
    assert [table.loc[x, "rank"] for x in "adb"] == [1, 2, 3]
    assert [table.loc[x, "percentile"] for x in "adb"] == [100, 50, 0]


# --- vetoes, bonus, grades ----------------------------------------------------------------------


def test_field_vetoes_are_decisive_and_list_every_reason(crit):
    cs = crit()
    apps = [app("a", incident=True, satisfaction=60, national_honours=1), app("b", satisfaction=70)]
    scores = marks("a", "R1", 20, 10, 10) + marks("b", "R1", 5, 5, 5)
    table = run(cs, apps, scores).table()
    a = table.loc["a"]
    assert a["total"] == 105  # 100 + national honour 5: still vetoed
    assert a["status"] == "vetoed" and a["vetoed"]
    assert a["veto_reasons"] == "重大事故；满意度低于70%"
    assert pd.isna(a["rank"]) and math.isnan(a["percentile"])
    assert a["grade"] == "failed" and not a["recognised"]
    assert table.loc["b", "rank"] == 1 and table.loc["b", "veto_reasons"] == ""  # 70 is not < 70


def test_flag_veto_needs_min_flags_distinct_reviewers(crit):
    cs = crit()
    scores = [row for x in "abcd" for row in marks(x, "R1", 20, 10, 10)]
    scores += [flag("a", "R1"), flag("a", "R1"), flag("a", "R2", "falsified_materials；falsified_materials")]
    scores += [flag("b", "R1"), flag("b", "R1", "falsified_materials;falsified_materials")]
    scores += [flag("c", "R1"), flag("c", "R2"), flag("c", "R3")]
    apps = [app("a"), app("b"), app("c", incident=True, satisfaction=50), app("d")]
    table = run(cs, apps, scores).table()
    assert col(table, "vetoed") == [True, False, True, False]
    assert col(table, "veto_reasons") == ["材料造假", "", "材料造假；重大事故；满意度低于70%", ""]
    assert col(table, "status") == ["vetoed", "ranked", "vetoed", "ranked"]
    assert table["rank"].isna().tolist() == [True, False, True, False]
    assert [table.loc["b", "rank"], table.loc["d", "rank"]] == [1, 2]


def test_bonus_by_condition_and_claim_is_capped(crit):
    cs = crit()
    apps = [
        app("a", national_honours=1),
        app("b"),
        app("c", national_honours=2),
        app("d", national_honours=0),
        app("e"),
    ]
    claims = [("b", "meeting"), ("c", "meeting"), ("d", "national")]
    table = run(cs, apps, [r for x in "abcde" for r in marks(x, "R1")], claims).table()
    # base 60 each; a 5 (auto), b 4 (claim), c 5 + 4 = 9 → cap 6, d 5 (claimed), e 0.
    assert col(table, "bonus") == [5, 4, 6, 5, 0]
    assert col(table, "total") == [65, 64, 66, 65, 60]
    assert col(table, "bonus_items") == ["national", "meeting", "national；meeting", "national", ""]


def test_grade_needs_every_section_share(crit):
    cs = crit(
        bonus={
            "cap": 20,
            "items": [
                {
                    "id": "big",
                    "name": "大",
                    "name_en": "Big",
                    "points": 20,
                    "when": {"field": "national_honours", "op": "ge", "value": 1},
                }
            ],
        }
    )
    apps = [app("a", fund=0, services="", national_honours=1), app("b", national_honours=1)]
    table = run(cs, apps, marks("a", "R1", 20, 10, 10) + marks("b", "R1", 20, 10, 10)).table()
    # a: basics 20 / 40 = 50 % < 60 %, quality 60, bonus 20 → total 100 but only "qualified".
    assert col(table, "total") == [100, 120]
    assert col(table, "grade") == ["qualified", "excellent"]
    assert col(table, "recognised") == [False, True]


def test_grade_boundaries_count(crit):
    cs = crit()
    apps = [*(app(x) for x in "abcd"), app("e", platform=False, online_rate=0, online_rate_prev=0)]
    scores = (
        marks("a", "R1", 10, 5, 5)  # 40 + 20 + 20 = 80.0 exactly
        + marks("b", "R1", 8, 4, 4)  # 40 + 20 + 16 = 76, + claim 4 = 80; quality 36/60 = 0.6
        + marks("c", "R1", 8, 4, 3.5)  # 79.5
        + marks("d", "R1", 15, 7.5, 7.5)  # 90.0 exactly
        + marks("e", "R1", 20, 10, 6)
    )  # basics 40 + quality 36 (0.6) = 76
    table = run(cs, apps, scores, [("b", "meeting"), ("c", "meeting")]).table()
    assert col(table, "total") == [80, 80, 79.5, 90, 76]
    assert col(table, "grade") == ["recognisable", "recognisable", "qualified", "excellent", "qualified"]
    assert col(table, "recognised") == [True, True, False, True, False]


# --- tie-break ----------------------------------------------------------------------------------


def test_tie_break_sections_then_submitted_at_then_id(crit):
    cs = crit()
    apps = [
        app("x0", services="", submitted_at="2026-03-01"),  # basics 30 + quality 50 = 80
        app("x1", submitted_at="2026-03-05"),  # basics 40 + quality 40 = 80
        app("y0", submitted_at="2026-03-09 10:00"),  # 70, later
        app("y1", submitted_at="2026-03-09 09:00"),  # 70, earlier
        app("z1", submitted_at="2026-03-02"),
        app("z0", submitted_at="2026-03-02"),
    ]  # 60, same
    scores = (
        marks("x0", "R1", 15, 7.5, 7.5)
        + marks("x1", "R1", 10, 5, 5)
        + marks("y0", "R1", 5, 2.5, 2.5)
        + marks("y1", "R1", 5, 2.5, 2.5)
        + marks("z1", "R1")
        + marks("z0", "R1")
    )
    result = run(cs, apps, scores)
    assert col(result.table(), "total") == [80, 80, 70, 70, 60, 60]
    assert list(result.ranked().index) == ["x1", "x0", "y1", "y0", "z0", "z1"]


def test_totals_equal_up_to_float_noise_are_ties(crit):
    cs = crit()
    apps = [app("p", ZERO, submitted_at="2026-03-02"), app("q", ZERO, submitted_at="2026-03-01")]
    scores = marks("p", "R1", 0.1, 0.2) + marks("q", "R1", 0.3)
    table = run(cs, apps, scores).table()
    assert table.loc["p", "total"] > table.loc["q", "total"]  # 0.30000000000000004 vs 0.3
    assert col(table, "rank") == [2, 1]  # a tie on total and sections: q was submitted first


# --- z-score calibration ------------------------------------------------------------------------


def harsh_and_lenient():
    """A gives 2, 4, 6 on every indicator of a, b, c; B gives 2 more on every one."""
    return [
        row
        for x, s in zip("abc", (2, 4, 6), strict=True)
        for r, d in (("A", 0), ("B", 2))
        for row in marks(x, r, s + d, s + d, s + d)
    ]


def test_calibration_maps_harsh_and_lenient_reviewers_to_the_same_scores(crit):
    # Per reviewer: z = -√1.5, 0, +√1.5. Pooled 2,4,6,4,6,8: mean 5, sd √(22/6). So both map
    # to 5 ∓ √1.5·√(11/3) = 5 ∓ √5.5; the raw mean of (s, s + 2) is 3, 5, 7.
    calibrated = calibrate_zscore(
        np.array([2.0, 4, 6, 4, 6, 8]),
        np.array([0, 0, 0, 1, 1, 1]),
        np.zeros(6, dtype=np.int64),
        np.array([20.0]),
        3,
    )
    assert calibrated[:3] == pytest.approx(calibrated[3:], abs=1e-12)
    table = run(
        crit({"min_reviews": 2, "calibration": "zscore"}), [app(x) for x in "abc"], harsh_and_lenient()
    ).table()
    expected = [5 - math.sqrt(5.5), 5, 5 + math.sqrt(5.5)]
    for leaf in ("plan_quality", "onsite", "novelty"):
        assert col(table, f"score.{leaf}") == pytest.approx(expected, abs=1e-12)
        assert col(table, f"raw.{leaf}") == [3, 5, 7]


def test_calibration_min_scores_is_respected(crit):
    cs = crit({"min_reviews": 2, "calibration": "zscore", "calibration_min_scores": 4})
    table = run(cs, [app(x) for x in "abc"], harsh_and_lenient()).table()
    assert col(table, "score.plan_quality") == col(table, "raw.plan_quality") == [3, 5, 7]


def test_calibrated_scores_are_clipped_to_the_indicator_points(crit):
    # novelty: A 0, 0, 9 (mean 3, sd √18); B 10, 10, 10 (no spread: z = 0). Pooled mean 6.5,
    # sd √21.25. A's 9 → 6.5 + (6/√18)·√21.25 = 13.02 → clipped to 10; A's 0 → 6.5 − 3·√(21.25/18).
    # onsite mirrors it: A 10, 10, 1; B 0, 0, 0; pooled mean 3.5; A's 1 → −3.02 → clipped to 0.
    cs = crit({"min_reviews": 2, "calibration": "zscore"})
    scores = [
        row
        for x, nov, ons in zip("abc", (0, 0, 9), (10, 10, 1), strict=True)
        for row in marks(x, "A", 5, ons, nov) + marks(x, "B", 5, 0, 10)
    ]
    table = run(cs, [app(x) for x in "abc"], scores).table()
    low, high = 6.5 - 3 * math.sqrt(21.25 / 18), 3.5 + 3 * math.sqrt(21.25 / 18)
    assert col(table, "score.novelty") == pytest.approx([(low + 6.5) / 2] * 2 + [(10 + 6.5) / 2])
    assert col(table, "score.onsite") == pytest.approx([(high + 3.5) / 2] * 2 + [(0 + 3.5) / 2])
    assert col(table, "score.plan_quality") == [5, 5, 5]
    assert col(table, "raw.novelty") == [5, 5, 9.5]
    assert col(table, "raw.onsite") == [5, 5, 0.5]


# --- TOPSIS -------------------------------------------------------------------------------------


def topsis_round(crit, weights, apps):
    cs = crit({"min_reviews": 2}, ranking={"method": "topsis", "topsis": {"weights": weights}})
    scores = [
        row
        for k, a in enumerate(apps)
        for r in ("R1", "R2")[: 1 if a["id"] == "inc" else 2]
        for row in marks(a["id"], r, 4 + 3 * k, 10 - k, k)
    ]
    return cs, run(cs, apps, scores, [(a["id"], "meeting") for a in apps if a["id"] == "a2"])


@pytest.mark.parametrize("weights", ["criteria", "entropy", "critic"])
def test_topsis_closeness_and_ranks(crit, weights):
    apps = [
        app("a0"),
        app("a1", fund=50000),
        app("a2", services="employment"),
        app("a3", platform=False, national_honours=1),
        app("vet", incident=True),
        app("inc"),
    ]
    cs, result = topsis_round(crit, weights, apps)
    table = result.table()
    eligible = table["status"] == "ranked"
    assert list(table.index[eligible]) == ["a0", "a1", "a2", "a3"]
    matrix = table.loc[eligible, [f"score.{leaf.id}" for leaf in cs.leaves] + ["bonus"]].to_numpy(float)
    w = {
        "criteria": np.array([leaf.points for leaf in cs.leaves] + [cs.bonus_cap]),
        "entropy": entropy_weights(matrix),
        "critic": critic_weights(matrix),
    }[weights]
    assert table.loc[eligible, "closeness"].to_numpy() == pytest.approx(topsis(matrix, w, True), abs=1e-12)
    assert table.loc[~eligible, "closeness"].isna().all()
    ranked = result.ranked()
    assert ranked["closeness"].is_monotonic_decreasing and ranked["closeness"].is_unique
    assert list(ranked["rank"]) == [1, 2, 3, 4]


@pytest.mark.parametrize("weights", ["entropy", "critic"])
def test_topsis_with_a_single_eligible_application(crit, weights):
    # Entropy/CRITIC weights need 2 rows; one eligible application keeps the criteria weights.
    _, result = topsis_round(crit, weights, [app("a0"), app("vet", incident=True)])
    assert col(result.table(), "rank")[0] == 1


# --- explanations -------------------------------------------------------------------------------


def explained_round(crit):
    apps = [app("a", national_honours=1, services="employment;health"), app("b", workers=9)]
    scores = [
        row for r, s in (("R1", 4), ("R2", 8), ("R3", 6)) for x in "ab" for row in marks(x, r, s, s / 2, 1)
    ]
    return run(crit(), apps, scores)


def test_explain_adds_up_and_shows_its_working(crit):
    from evaluator.criteria.registry import get_method

    result = explained_round(crit)
    info = result.explain("a")
    lines = {line["indicator_id"]: line for line in info["indicators"]}
    # a: basics 10 + 10 + 10 + 20/3 (2 of 3 services); quality: means 6, 3, 1 + digital 20
    # → base 36.667 + 30 = 66.667; bonus 5 (national honour) → total 71.667.
    assert info["base"] == pytest.approx(40 - 10 / 3 + 30, abs=1e-6) and info["bonus"] == 5
    assert info["total"] == pytest.approx(75 - 10 / 3, abs=1e-6)
    assert sum(line["points"] for line in lines.values()) == pytest.approx(info["base"], abs=1e-5)
    assert sum(line["share_of_total"] for line in lines.values()) == pytest.approx(
        info["base"] / info["total"], abs=1e-5
    )
    for leaf in result.criteria.auto_leaves:
        assert get_method(leaf.method).uses(leaf.params)[0] in lines[leaf.id]["detail"], leaf.id
    assert lines["plan_quality"]["detail"].startswith("3 expert scores: 4, 6, 8")
    assert lines["onsite"]["detail"].startswith("3 expert scores: 2, 3, 4")
    with pytest.raises(KeyError):
        result.explain("nope")


def test_contributions_cover_every_leaf_and_add_up_to_base(crit):
    result = explained_round(crit)
    contributions = result.contributions()
    assert len(contributions) == 2 * len(result.criteria.leaves) == 18
    sums = contributions.groupby("application_id")["points"].sum()
    assert sums.to_dict() == pytest.approx(dict(zip(result.ids, result.base, strict=True)), abs=1e-9)


# --- weight sensitivity -------------------------------------------------------------------------


def sensitivity_round(crit):
    """Six close applications of different profiles, one vetoed, one incomplete."""
    cs = crit({"min_reviews": 2})
    profiles = [
        ("a", {}, 14),
        ("b", {"fund": 50000}, 18),
        ("c", {"services": "culture"}, 20),
        ("d", {"online_rate": 60}, 19),
        ("e", {"platform": False}, 20),
        ("f", {}, 13),
        ("vet", {"satisfaction": 10}, 20),
        ("inc", {}, 20),
    ]
    apps = [app(x, **figures) for x, figures, _ in profiles]
    scores = [
        row
        for x, _, plan in profiles
        for r in (("R1",) if x == "inc" else ("R1", "R2"))
        for row in marks(x, r, plan, 10 - plan / 4, plan / 2)
    ]
    return run(cs, apps, scores)


def test_sensitivity_is_reproducible_per_seed(crit):
    result = sensitivity_round(crit)
    first = weight_sensitivity(result, perturbation=0.5, draws=200, top_k=2, seed=7).table
    again = weight_sensitivity(result, perturbation=0.5, draws=200, top_k=2, seed=7).table
    other = weight_sensitivity(result, perturbation=0.5, draws=200, top_k=2, seed=8).table
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    assert set(first.index) == {"a", "b", "c", "d", "e", "f"}  # vetoed and incomplete left out
    assert (first["p_top_k"] > 0).sum() > 2  # the weights matter in this round


def test_sensitivity_without_perturbation_keeps_every_rank(crit):
    result = sensitivity_round(crit)
    table = weight_sensitivity(result, perturbation=0, draws=50, top_k=3).table
    for key in ("rank_min", "rank_p5", "rank_median", "rank_p95", "rank_max"):
        assert (table[key] == table["rank"]).all(), key
    assert col(table, "p_top_k") == [1.0 if r <= 3 else 0.0 for r in table["rank"]]


def test_sensitivity_rank_quantiles_are_ordered(crit):
    table = weight_sensitivity(sensitivity_round(crit), perturbation=0.4, draws=300, top_k=2).table
    keys = ["rank_min", "rank_p5", "rank_median", "rank_p95", "rank_max"]
    for low, high in itertools.pairwise(keys):
        assert (table[low] <= table[high]).all(), (low, high)
    assert table["p_top_k"].between(0, 1).all()


def test_sensitivity_without_perturbation_keeps_float_noise_ties(crit):
    # q (0.1 + 5.0, submitted first) and p (2.3 + 2.6 + 0.2) tie up to float noise: the engine
    # ranks q first, and with perturbation 0 every draw must keep that order.
    apps = [app("p", ZERO, submitted_at="2026-03-02"), app("q", ZERO, submitted_at="2026-03-01")]
    result = run(crit(), apps, marks("p", "R1", 2.3, 2.6, 0.2) + marks("q", "R1", 0.1, 5.0))
    assert abs(result.total[0] - result.total[1]) < 1e-9 and list(result.rank) == [2, 1]
    table = weight_sensitivity(result, perturbation=0, draws=10, top_k=1).table
    assert list(table.index) == ["q", "p"] and col(table, "rank") == [1, 2]
    assert col(table, "rank_min") == col(table, "rank_max") == [1, 2]
    assert col(table, "p_top_k") == [1.0, 0.0]


@pytest.mark.parametrize(
    "kwargs", [{"perturbation": 1.5}, {"perturbation": -0.1}, {"draws": 0}, {"top_k": 0}]
)
def test_sensitivity_refuses_bad_arguments(crit, kwargs):
    with pytest.raises(ValueError):
        weight_sensitivity(sensitivity_round(crit), **kwargs)
