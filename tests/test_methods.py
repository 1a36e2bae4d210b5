"""Indicator methods, scored through the engine, against hand-computed shares.

Every expected value below is worked out by hand from ``docs/criteria-format.md`` for the
leaves of ``tests/data/mini.yaml``: size (range by category, 10 points), staffing (ratio per
10,000 residents, target 18, 10 points), funding (threshold 50,000→5 / 100,000→10, 10 points),
services_offered (count_of, full at 3, 10 points), has_platform (boolean, weight 1 of 4 → 5
points), online (improvement, weight 3 of 4 → 15 points) and three AHP-weighted expert leaves.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from marshmallow import Schema, fields, post_load, validate

from evaluator.criteria import CriteriaError, CriteriaSet, build_criteria
from evaluator.criteria.registry import (
    REGISTRY,
    Method,
    field_problems,
    fmt,
    get_method,
    known_methods,
    register,
)
from evaluator.scoring.engine import score_round
from tests.conftest import find_node

# An application that earns full marks on every auto-scored leaf of mini.yaml.
FULL = {
    "category": "urban",
    "households": 2000,
    "residents": 10000,
    "workers": 18,
    "fund": 100000,
    "platform": True,
    "services": "employment;elderly;health",
    "online_rate": 80,
    "online_rate_prev": 70,
    "satisfaction": 90,
    "incident": False,
}
FULL_POINTS = {
    "size": 10,
    "staffing": 10,
    "funding": 10,
    "services_offered": 10,
    "has_platform": 5,
    "online": 15,
}


def applications(*rows: Mapping[str, Any]) -> pd.DataFrame:
    """A table of applications A0, A1, …: the full-marks application with some figures changed."""
    return pd.DataFrame([{"id": f"A{i}", **FULL, **row} for i, row in enumerate(rows)])


def scored(cs: CriteriaSet, *rows: Mapping[str, Any], scores: pd.DataFrame | None = None):
    """The results table of a round of these applications."""
    return score_round(cs, applications(*rows), scores).table()


def leaf_points(cs: CriteriaSet, leaf_id: str, *rows: Mapping[str, Any]) -> list[float]:
    """Points of one leaf for each application."""
    return scored(cs, *rows)[f"score.{leaf_id}"].tolist()


def with_params(raw: dict[str, Any], leaf_id: str, **params: Any) -> CriteriaSet:
    """Build the set with one leaf's params replaced."""
    find_node(raw, leaf_id)["params"] = params
    return build_criteria(raw, "test")


@pytest.fixture(scope="module")
def mini(make_criteria) -> CriteriaSet:
    return make_criteria()


# --------------------------------------------------------------------------- registry


def test_the_seven_built_in_methods_are_registered():
    assert known_methods() == ["boolean", "count_of", "expert", "improvement", "range", "ratio", "threshold"]
    for name in known_methods():
        method = get_method(name)
        assert method is not None and method.name == name
    assert get_method("nope") is None


def test_full_marks_application_scores_every_auto_leaf_in_full(mini):
    table = scored(mini, {})
    for leaf_id, points in FULL_POINTS.items():
        assert table.loc["A0", f"score.{leaf_id}"] == pytest.approx(points, abs=1e-12), leaf_id
    assert table.loc["A0", "section.basics"] == pytest.approx(40)
    assert table.loc["A0", "missing_figures"] == ""


# --------------------------------------------------------------------------- expert


def _expert_rows(app: str, marks: Mapping[str, list[float]]) -> list[dict[str, Any]]:
    rows = []
    for indicator, values in marks.items():
        for r, value in enumerate(values):
            rows.append(
                {"application_id": app, "reviewer_id": f"R{r}", "indicator_id": indicator, "score": value}
            )
    return rows


def test_expert_points_are_the_mean_of_three_reviewers(mini):
    scores = pd.DataFrame(
        _expert_rows("A0", {"plan_quality": [12, 15, 18], "onsite": [6, 9, 6], "novelty": [5, 4, 3]})
    )
    table = scored(mini, {}, scores=scores)
    assert table.loc["A0", "score.plan_quality"] == pytest.approx(15)
    assert table.loc["A0", "score.onsite"] == pytest.approx(7)
    assert table.loc["A0", "score.novelty"] == pytest.approx(4)
    assert table.loc["A0", "section.quality"] == pytest.approx(15 + 7 + 4 + 5 + 15)
    assert table.loc["A0", "base"] == pytest.approx(40 + 46)
    assert table.loc["A0", "n_reviews"] == 3
    assert table.loc["A0", "status"] == "ranked"


def test_expert_points_drop_highest_and_lowest_from_five_reviewers(mini):
    # AHP gives plan_quality 160/7 = 22.857 points: 22.8 is a valid score, above 22.857 is not.
    scores = pd.DataFrame(
        _expert_rows(
            "A0",
            {"plan_quality": [0, 12, 15, 18, 22.8], "onsite": [0, 1, 2, 3, 11], "novelty": [5, 5, 5, 5, 5]},
        )
    )
    table = scored(mini, {}, scores=scores)
    assert table.loc["A0", "score.plan_quality"] == pytest.approx(15)
    assert table.loc["A0", "score.onsite"] == pytest.approx(2)
    assert table.loc["A0", "score.novelty"] == pytest.approx(5)


def test_expert_points_with_too_few_reviewers_do_not_count(mini):
    scores = pd.DataFrame(_expert_rows("A0", {"plan_quality": [12, 18], "onsite": [6, 8], "novelty": [5, 3]}))
    table = scored(mini, {}, scores=scores)
    assert table.loc["A0", "status"] == "incomplete"
    assert np.isnan(table.loc["A0", "score.plan_quality"])
    assert table.loc["A0", "raw.plan_quality"] == pytest.approx(15)
    assert pd.isna(table.loc["A0", "rank"])


# --------------------------------------------------------------------------- range


BAND = {"field": "households", "lo": 1500, "hi": 4000, "below": 1000, "above": 2000}


@pytest.mark.parametrize(
    ("households", "points"),
    [
        (1500, 10),  # exactly at lo
        (4000, 10),  # exactly at hi
        (2750, 10),  # inside
        (1000, 5),  # halfway down the lower slope
        (1250, 7.5),  # a quarter of the way down
        (500, 0),  # lo − below
        (499, 0),  # beyond lo − below
        (0, 0),
        (5000, 5),  # halfway down the upper slope
        (6000, 0),  # hi + above
        (9000, 0),
    ],
)
def test_range_single_band(mini_raw, households, points):
    cs = with_params(mini_raw, "size", **BAND)
    assert leaf_points(cs, "size", {"households": households}) == [pytest.approx(points)]


def test_range_hard_edges(mini_raw):
    cs = with_params(mini_raw, "size", field="households", lo=1500, hi=4000)
    got = leaf_points(cs, "size", *({"households": h} for h in (1499, 1500, 4000, 4001)))
    assert got == [0, 10, 10, 0]


def test_range_unbounded_hi_and_lo(mini_raw):
    cs = with_params(copy.deepcopy(mini_raw), "size", field="households", lo=1500, hi=None, below=1000)
    got = leaf_points(cs, "size", *({"households": h} for h in (10**6, 1500, 1000, 500)))
    assert got == pytest.approx([10, 10, 5, 0])
    cs = with_params(mini_raw, "size", field="households", lo=None, hi=4000, above=2000)
    got = leaf_points(cs, "size", *({"households": h} for h in (0, 4000, 5000, 6000)))
    assert got == pytest.approx([10, 10, 5, 0])


@pytest.mark.parametrize(
    ("category", "households", "points"),
    [
        ("urban", 1500, 10),
        ("urban", 4000, 10),
        ("urban", 1000, 5),
        ("urban", 500, 0),
        ("urban", 5000, 5),
        ("urban", 6000, 0),
        ("relocation", 100, 10),  # norm null: full marks
        ("relocation", 100000, 10),
        ("搬迁", 0, 10),  # Chinese label of the choice
    ],
)
def test_range_by_category(mini, category, households, points):
    got = leaf_points(mini, "size", {"category": category, "households": households})
    assert got == [pytest.approx(points)]


# --------------------------------------------------------------------------- threshold


@pytest.mark.parametrize(
    ("fund", "points"),
    [(0, 0), (49999, 0), (50000, 5), (99999.5, 5), (100000, 10), (250000, 10)],
)
def test_threshold_min_steps(mini, fund, points):
    assert leaf_points(mini, "funding", {"fund": fund}) == [points]


def test_threshold_max_steps_lower_is_better(mini_raw, make_criteria):
    indicators = copy.deepcopy(mini_raw["indicators"])
    find_node({"indicators": indicators}, "funding")["params"] = {
        "field": "fund",
        "steps": [{"max": 1000, "points": 10}, {"max": 5000, "points": 6}, {"max": 20000, "points": 2}],
    }
    cs = make_criteria(indicators=indicators)
    assert cs.node_map["funding"].params.lower_is_better
    funds = [0, 1000, 1000.5, 5000, 5001, 20000, 20001, None]
    table = scored(cs, *({"fund": f} for f in funds))
    assert table["score.funding"].tolist() == [10, 10, 6, 6, 2, 2, 0, 0]
    assert table["missing_figures"].tolist() == [""] * 7 + ["fund"]


def test_threshold_best_step_wins_whatever_the_order(mini_raw):
    cs = with_params(
        mini_raw, "funding", field="fund", steps=[{"min": 100000, "points": 10}, {"min": 50000, "points": 5}]
    )
    assert leaf_points(cs, "funding", {"fund": 60000}, {"fund": 100000}) == [5, 10]


# --------------------------------------------------------------------------- ratio


@pytest.mark.parametrize(
    ("workers", "residents", "points"),
    [
        (18, 10000, 10),  # exactly the target
        (9, 10000, 5),  # half the target
        (27, 20000, 7.5),  # 13.5 per 10,000
        (36, 10000, 10),  # twice the target: capped at 1
        (0, 10000, 0),
        (5, 0, 0),  # zero denominator: 0 points (documented), not missing
        (0, 0, 0),
    ],
)
def test_ratio(mini, workers, residents, points):
    table = scored(mini, {"workers": workers, "residents": residents})
    assert table.loc["A0", "score.staffing"] == pytest.approx(points)
    assert table.loc["A0", "missing_figures"] == ""


# --------------------------------------------------------------------------- boolean


def test_boolean(mini):
    got = leaf_points(
        mini,
        "has_platform",
        {"platform": True},
        {"platform": False},
        {"platform": "是"},
        {"platform": "否"},
        {"platform": "yes"},
        {"platform": 0},
    )
    assert got == [5, 0, 5, 0, 5, 0]


def test_boolean_invert(mini_raw):
    cs = with_params(mini_raw, "has_platform", field="platform", invert=True)
    got = leaf_points(cs, "has_platform", {"platform": True}, {"platform": False}, {"platform": None})
    assert got == [0, 5, 0]


# --------------------------------------------------------------------------- count_of


@pytest.mark.parametrize(
    ("services", "points"),
    [
        ("employment", 10 / 3),
        ("employment;elderly", 20 / 3),
        ("employment;elderly;health", 10),
        ("employment;elderly;health;culture", 10),  # beyond full_at: capped
        ("养老、卫生", 20 / 3),  # labels and the 、 separator
        (["culture"], 10 / 3),
        ([], 0),
    ],
)
def test_count_of_all_choices(mini, services, points):
    assert leaf_points(mini, "services_offered", {"services": services}) == [pytest.approx(points)]


def test_count_of_subset_of_choices(mini_raw):
    cs = with_params(mini_raw, "services_offered", field="services", of=["elderly", "health"])
    got = leaf_points(
        cs,
        "services_offered",
        {"services": "employment;culture"},
        {"services": "elderly"},
        {"services": "elderly;health;culture"},
    )
    assert got == [0, 5, 10]


def test_count_of_subset_with_full_at(mini_raw):
    cs = with_params(
        mini_raw, "services_offered", field="services", of=["elderly", "health", "culture"], full_at=2
    )
    got = leaf_points(
        cs,
        "services_offered",
        {"services": "elderly"},
        {"services": "employment;elderly"},
        {"services": "elderly;health;culture"},
        {"services": "employment"},
    )
    assert got == [5, 5, 10, 0]


def test_count_of_repeated_choice_in_of_counts_one_tick_once(mini_raw):
    """``share = min(ticked ÷ full_at, 1)``: one ticked choice is one, however ``of`` is written.

    ``of: [elderly, elderly, health]`` either is refused, or ticking only ``elderly`` scores
    1 ÷ 2 of the points. ``_counted`` (methods.py) keeps the repeated index, so the tick counts
    twice and the leaf gets full marks.
    """
    find_node(mini_raw, "services_offered")["params"] = {
        "field": "services",
        "of": ["elderly", "elderly", "health"],
        "full_at": 2,
    }
    try:
        cs = build_criteria(mini_raw, "test")
    except CriteriaError as exc:
        assert "indicators[0].children[3].params.of" in exc.errors
        return
    assert leaf_points(cs, "services_offered", {"services": "elderly"}) == [5]


# --------------------------------------------------------------------------- improvement


@pytest.mark.parametrize(
    ("current", "previous", "points"),
    [
        (80, 70, 15),  # level 1, gain 1
        (40, 35, 7.5),  # 0.4 × 0.5 + 0.6 × 0.5
        (20, 15, 6),  # 0.4 × 0.25 + 0.6 × 0.5
        (50, 60, 3.75),  # negative gain clipped to 0: 0.4 × 0.625
        (100, 50, 15),  # both capped at 1
        (0, 0, 0),
        (40, 40, 3),  # no gain: 0.4 × 0.5
    ],
)
def test_improvement(mini, current, previous, points):
    got = leaf_points(mini, "online", {"online_rate": current, "online_rate_prev": previous})
    assert got == [pytest.approx(points)]


def test_improvement_custom_weights(mini_raw):
    cs = with_params(
        mini_raw,
        "online",
        current="online_rate",
        previous="online_rate_prev",
        level_target=80,
        gain_target=10,
        level_weight=0.7,
        gain_weight=0.3,
    )
    got = leaf_points(
        cs,
        "online",
        {"online_rate": 40, "online_rate_prev": 40},
        {"online_rate": 40, "online_rate_prev": 35},
        {"online_rate": 30, "online_rate_prev": 90},
    )
    assert got == pytest.approx([15 * 0.35, 15 * (0.35 + 0.15), 15 * 0.7 * 30 / 80])


# --------------------------------------------------------------------------- missing figures


def test_missing_optional_figures_score_zero_and_are_listed(mini):
    table = scored(
        mini,
        {},
        {"workers": None, "fund": None, "services": None, "platform": None, "online_rate_prev": None},
        {"online_rate": ""},
    )
    full, gaps, blank = table.loc["A0"], table.loc["A1"], table.loc["A2"]
    for leaf_id in ("staffing", "funding", "services_offered", "has_platform", "online"):
        assert gaps[f"score.{leaf_id}"] == 0, leaf_id
        assert full[f"score.{leaf_id}"] == FULL_POINTS[leaf_id]
    assert gaps["score.size"] == 10
    assert gaps["section.basics"] == 10
    assert gaps["missing_figures"] == "workers,fund,services,platform,online_rate_prev"
    assert full["missing_figures"] == ""
    assert blank["score.online"] == 0
    assert blank["missing_figures"] == "online_rate"


def test_missing_figure_is_explained(mini):
    result = score_round(mini, applications({"fund": None}))
    (line,) = [x for x in result.explain("A0")["indicators"] if x["indicator_id"] == "funding"]
    assert line["points"] == 0
    assert line["detail"].endswith("figure missing: 0 points")
    assert line["detail"].startswith("fund = —")


# --------------------------------------------------------------------------- extensibility


@dataclass(frozen=True)
class _ShareParams:
    field: str
    full: float


class _ShareSchema(Schema):
    field = fields.String(required=True)
    full = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False))

    @post_load
    def _make(self, d: dict[str, Any], **kw: Any) -> _ShareParams:
        return _ShareParams(**d)


def _share_score(p: _ShareParams, figures: Any, points: float) -> np.ndarray:
    return np.clip(figures.number(p.field) / p.full, 0.0, 1.0)


SHARE = Method(
    name="share_of_full",
    schema=_ShareSchema,
    score=_share_score,
    uses=lambda p: (p.field,),
    check=lambda p, declared, points: field_problems(declared, p.field, ("int", "float"), "params.field"),
    describe=lambda p, values: f"{p.field} = {fmt(values.get(p.field))} of {fmt(p.full)}",
)


def test_a_registered_method_loads_and_scores(mini_raw):
    leaf = find_node(mini_raw, "funding")
    leaf["method"] = "share_of_full"
    leaf["params"] = {"field": "fund", "full": 200000}
    assert "share_of_full" not in REGISTRY
    with pytest.raises(CriteriaError) as info:
        build_criteria(copy.deepcopy(mini_raw))
    assert "unknown method 'share_of_full'" in info.value.errors["indicators[0].children[2].method"][0]

    try:
        register(SHARE)
        assert "share_of_full" in known_methods()
        cs = build_criteria(copy.deepcopy(mini_raw))
        assert cs.node_map["funding"].params == _ShareParams("fund", 200000.0)
        result = score_round(cs, applications({"fund": 50000}, {"fund": 400000}, {"fund": None}))
        table = result.table()
        assert table["score.funding"].tolist() == [2.5, 10, 0]
        assert table["missing_figures"].tolist() == ["", "", "fund"]
        (line,) = [x for x in result.explain("A0")["indicators"] if x["indicator_id"] == "funding"]
        assert line["detail"] == "fund = 50,000 of 200,000"

        # its own checks run, with paths below the leaf
        leaf["params"] = {"field": "platform", "full": 0}
        with pytest.raises(CriteriaError) as info:
            build_criteria(copy.deepcopy(mini_raw))
        assert "indicators[0].children[2].params.full" in info.value.errors
        leaf["params"] = {"field": "platform", "full": 1}
        with pytest.raises(CriteriaError) as info:
            build_criteria(copy.deepcopy(mini_raw))
        assert "is bool" in info.value.errors["indicators[0].children[2].params.field"][0]
    finally:
        REGISTRY.pop("share_of_full", None)
    assert "share_of_full" not in known_methods()
