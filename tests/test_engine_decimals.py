"""Scores that binary floating point holds only approximately (6.41, 0.1, 29.9) give the results
their decimals give: no spread where a reviewer gave one score, ties where totals are equal, the
band of a boundary reached exactly, the disagreement line (docs/scoring.md, "Comparing computed
figures"). Every expectation is worked out in exact fractions."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from evaluator.scoring.aggregation import calibrate_zscore
from evaluator.scoring.engine import score_round
from evaluator.scoring.tolerance import RELATIVE, at_least, beyond, negligible, order_with_ties, tie_classes

GRADES = [
    {"code": "excellent", "label": "优秀", "label_en": "Excellent", "min_total": 90},
    {"code": "good", "label": "良好", "label_en": "Good", "min_section_share": 0.6},
    {"code": "other", "label": "其他", "label_en": "Other"},
]


def decimal(k: int, places: int) -> tuple[Fraction, float]:
    """k / 10^places, exactly and as the float a person typing it gets."""
    exact = Fraction(k, 10**places)
    return exact, float(f"{k / 10**places:.{places}f}")


def decimals(top: float):
    """A score in [0, top] with one to three decimals, as (exact, float)."""
    return st.integers(1, 3).flatmap(
        lambda places: st.integers(0, int(top * 10**places)).map(lambda k: decimal(k, places))
    )


def expert_set(make_criteria, sections, **top):
    """A criteria set of expert leaves only: ``sections`` is [(section id, [leaf points, …]), …]."""
    indicators = [
        {
            "id": sid,
            "name": sid,
            "name_en": sid,
            "points": sum(points),
            "children": [
                {
                    "id": f"{sid}{k}",
                    "name": f"{sid}{k}",
                    "name_en": f"{sid}{k}",
                    "points": p,
                    "method": "expert",
                    "check": ["materials"],
                }
                for k, p in enumerate(points)
            ],
        }
        for sid, points in sections
    ]
    scale = sum(sum(points) for _, points in sections)
    return make_criteria(
        scale=scale,
        fields=[],
        materials=[],
        vetoes=[],
        bonus={"cap": 0, "items": []},
        indicators=indicators,
        **{"grades": GRADES, "ranking": {"tie_break": ["total", "id"]}, **top},
    )


def scored(cs, rows):
    """Score a round from (application, reviewer, leaf id, score) rows."""
    apps = sorted({r[0] for r in rows})
    frame = pd.DataFrame(rows, columns=["application_id", "reviewer_id", "indicator_id", "score"])
    return score_round(cs, pd.DataFrame({"id": apps}), frame)


def exact_mean(values) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def exact_sd(values) -> float:
    m = exact_mean(values)
    return math.sqrt(sum(((v - m) ** 2 for v in values), Fraction(0)) / len(values))


# ------------------------------------------------------------------------------- no spread


def calibration_case(constant: tuple[Fraction, float], times: int, others: list[tuple[Fraction, float]]):
    """Reviewer 0 gives ``constant`` to ``times`` applications, reviewer 1 ``others`` to the same."""
    score = np.array([constant[1]] * times + [o[1] for o in others])
    reviewer = np.array([0] * times + [1] * times)
    return score, reviewer, np.zeros(2 * times, dtype=np.int64)


@pytest.mark.parametrize(("typed", "places", "times"), [(641, 2, 5), (1, 1, 3), (51, 1, 6)])
def test_a_reviewer_who_gives_one_score_has_no_spread(typed, places, times):
    """Equal scores not exact in binary (6.41 five times, 0.1 three times, 5.1 six times): z = 0,
    calibrated = mean."""
    constant = decimal(typed, places)
    others = [decimal(k, 1) for k in range(20, 20 + 7 * times, 7)]
    score, reviewer, indicator = calibration_case(constant, times, others)
    calibrated = calibrate_zscore(score, reviewer, indicator, np.array([10.0]), 3)
    pooled = exact_mean([constant[0]] * times + [o[0] for o in others])
    assert calibrated[:times].tolist() == [calibrated[0]] * times
    assert abs(calibrated[0] - float(pooled)) <= 1e-12


@settings(max_examples=80, deadline=None)
@given(
    points=st.sampled_from([1, 5, 7, 10, 20, 100]),
    times=st.integers(3, 12),
    data=st.data(),
)
def test_constant_decimal_scores_calibrate_to_the_mean(make_criteria, points, times, data):
    constant = data.draw(decimals(points))
    others = data.draw(st.lists(decimals(points), min_size=times, max_size=times))
    score, reviewer, indicator = calibration_case(constant, times, others)
    calibrated = calibrate_zscore(score, reviewer, indicator, np.array([float(points)]), 3)
    everything = [constant[0]] * times + [o[0] for o in others]
    pooled, pooled_sd = exact_mean(everything), exact_sd(everything)
    tol = 1e-12 * points
    assert calibrated[:times].tolist() == [calibrated[0]] * times  # z exactly 0 for each
    assert abs(calibrated[0] - float(pooled)) <= tol
    mine = [o[0] for o in others]
    sd = exact_sd(mine)
    for got, (exact, _) in zip(calibrated[times:], others, strict=True):
        z = 0.0 if sd == 0 else float(exact - exact_mean(mine)) / sd
        assert abs(got - min(max(float(pooled) + z * pooled_sd, 0.0), points)) <= tol

    # The engine's applications get the mean of both calibrated scores, whatever the decimals.
    cs = expert_set(
        make_criteria,
        [("s", [points])],
        aggregation={"method": "mean", "min_reviews": 1, "calibration": "zscore"},
    )
    rows = [(f"a{i:02d}", "r0", "s0", constant[1]) for i in range(times)]
    rows += [(f"a{i:02d}", "r1", "s0", o[1]) for i, o in enumerate(others)]
    result = scored(cs, rows)
    expected = (calibrated[:times] + calibrated[times:]) / 2
    np.testing.assert_allclose(result.leaf_points[:, 0], expected, rtol=0, atol=tol)


# ------------------------------------------------------------------------------- ties and bands


def exact_aggregate(values: list[Fraction], method: str, trim_from: int) -> Fraction:
    values = sorted(values)
    if method == "trimmed_mean" and len(values) >= trim_from:
        values = values[1:-1]
    return exact_mean(values)


@settings(max_examples=30, deadline=None)
@given(
    method=st.sampled_from(["mean", "trimmed_mean"]),
    n_reviewers=st.integers(3, 6),
    n_apps=st.integers(2, 5),
    data=st.data(),
)
def test_totals_equal_in_decimals_tie(make_criteria, method, n_reviewers, n_apps, data):
    """Each application has a twin whose scores are the same decimals in another order, or moved
    between two leaves: equal totals in decimals, unequal in floating point. Twins tie on the
    total and go by id, the next key of the chain."""
    points = [30, 30, 40]
    cs = expert_set(
        make_criteria,
        [("x", points[:2]), ("y", points[2:])],
        aggregation={"method": method, "trim_from": 5, "min_reviews": 1},
    )
    ids = data.draw(st.permutations([f"a{k:02d}" for k in range(2 * n_apps)]))
    rows, exact = [], {}
    for a in range(n_apps):
        panel = [[data.draw(decimals(p)) for p in points] for _ in range(n_reviewers)]
        twin = [list(marks) for marks in reversed(panel)]
        # The twin's first reviewer moves part of a leaf-0 score to leaf 1 (same total).
        moved = min(twin[0][0][0], points[1] - twin[0][1][0])
        if method == "mean" and moved > 0:
            step = Fraction(int(moved * 10), 10)
            twin[0][0] = (twin[0][0][0] - step, float(twin[0][0][0] - step))
            twin[0][1] = (twin[0][1][0] + step, float(twin[0][1][0] + step))
        for aid, marks in ((ids[2 * a], panel), (ids[2 * a + 1], twin)):
            for r, row in enumerate(marks):
                rows += [(aid, f"r{r}", f"{'xxy'[j]}{(0, 1, 0)[j]}", value[1]) for j, value in enumerate(row)]
            exact[aid] = sum(
                (exact_aggregate([m[j][0] for m in marks], method, 5) for j in range(3)), Fraction(0)
            )
    result = scored(cs, rows)
    expected = sorted(exact, key=lambda aid: (-exact[aid], aid))
    got = [str(x) for x in result.ranked().index]
    assert got == expected
    for aid in expected:
        assert abs(result.total[result.position(aid)] - float(exact[aid])) <= 1e-9


@settings(max_examples=40, deadline=None)
@given(
    parts=st.integers(2, 4),
    places=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
@example(parts=2, places=1, seed=98).via("means of decimals that come to 89.99999999999999")
def test_a_total_of_exactly_90_in_decimals_gets_the_grade_of_90(make_criteria, parts, places, seed):
    """90 made of decimals — three reviewers' scores on each leaf, their means adding up to 90 —
    reaches the band whose boundary is 90; one last digit less does not."""
    cs = expert_set(
        make_criteria,
        [(f"s{k}", [100 / parts]) for k in range(parts)],
        aggregation={"method": "mean", "min_reviews": 1},
    )
    unit, top = 10**places, int(100 / parts * 10**places)
    rng = np.random.default_rng(seed)
    cells = np.full((3, parts), 270 * unit // (3 * parts))  # reviewers × leaves, in units
    cells[0, 0] += 270 * unit - cells.sum()
    for _ in range(50):  # move random amounts between cells: the sum stays 270 (means: 90)
        (a, b), (c, d) = rng.integers(0, 3, 2), rng.integers(0, parts, 2)
        step = int(rng.integers(0, unit * 10))
        if cells[a, c] - step >= 0 and cells[b, d] + step <= top:
            cells[a, c] -= step
            cells[b, d] += step
    rows = [
        ("on", f"r{r}", f"s{k}0", decimal(int(cells[r, k]), places)[1])
        for r in range(3)
        for k in range(parts)
    ]
    cells[0, 0] -= 1  # one last digit below
    rows += [
        ("below", f"r{r}", f"s{k}0", decimal(int(cells[r, k]), places)[1])
        for r in range(3)
        for k in range(parts)
    ]
    table = scored(cs, rows).table()
    assert table.loc["on", "grade"] == "excellent"
    assert table.loc["below", "grade"] != "excellent"


@settings(max_examples=60, deadline=None)
@given(points=st.sampled_from([7, 15, 20.5, 35]), places=st.integers(1, 3), leaves=st.integers(2, 4))
def test_a_section_share_on_the_boundary_reaches_it(make_criteria, points, places, leaves):
    """A section scored exactly 0.6 of its points in decimals passes the band's section rule."""
    cs = expert_set(
        make_criteria,
        [("s", [points / leaves] * leaves), ("t", [100 - points])],
        aggregation={"method": "mean", "min_reviews": 1},
        grades=GRADES[1:],
    )
    unit = 10**places
    wanted = Fraction(3, 5) * Fraction(points).limit_denominator(10) * unit
    if wanted.denominator != 1:  # 0.6 × points needs more decimals than drawn
        return
    parts = [int(wanted) // leaves] * leaves
    parts[0] += int(wanted) - sum(parts)
    rows = [("on", "r0", f"s{k}", decimal(p, places)[1]) for k, p in enumerate(parts)]
    rows.append(("on", "r0", "t0", 100 - points))
    parts[0] -= 1
    rows += [("below", "r0", f"s{k}", decimal(p, places)[1]) for k, p in enumerate(parts)]
    rows.append(("below", "r0", "t0", 100 - points))
    table = scored(cs, rows).table()
    assert table.loc["on", "grade"] == "good"
    assert table.loc["below", "grade"] == "other"


# ------------------------------------------------------------------------------- TOPSIS


@pytest.mark.parametrize("topsis", [{"weights": "critic"}, {"normalization": "minmax"}])
def test_noise_in_a_column_equal_in_decimals_never_weighs(make_criteria, topsis):
    """Every application gets 0.2 on leaf p (0.1, 0.2, 0.3 in different orders: 0.2 ± noise); leaf
    q decides. Without the noise, CRITIC weights and min-max normalisation would blow it up."""
    cs = expert_set(
        make_criteria,
        [("p", [1]), ("q", [99])],
        aggregation={"method": "mean", "min_reviews": 1},
        ranking={"method": "topsis", "topsis": topsis, "tie_break": ["closeness", "id"]},
    )
    orders = [(0.1, 0.2, 0.3), (0.3, 0.2, 0.1), (0.2, 0.3, 0.1)]
    rows = []
    for a, order in enumerate(orders):
        for r, value in enumerate(order):
            rows += [(f"a{a}", f"r{r}", "p0", value), (f"a{a}", f"r{r}", "q0", 50.0 + 10 * a)]
    result = scored(cs, rows)
    assert len({float(x) for x in result.leaf_points[:, 0]}) > 1  # the noise is there
    assert [str(x) for x in result.ranked().index] == ["a2", "a1", "a0"]
    assert result.closeness.tolist() == [0.0, 0.5, 1.0]


# ------------------------------------------------------------------------------- the helper


def test_the_tolerance_is_relative_to_the_scale():
    assert negligible(8.9e-16, 10.0) and negligible(0.0, 0.0) and not negligible(1e-6, 10.0)
    assert not negligible(np.nan, 10.0)
    assert at_least(89.99999999999999, 90, 100) and not at_least(89.999, 90, 100)
    assert at_least(8.9e8 - 0.5, 8.9e8, 1e9) and not at_least(8.9e8 - 2, 8.9e8, 1e9)
    assert not beyond(2.1000000000000005, 0.3 * 7, 7) and beyond(2.11, 0.3 * 7, 7)
    assert not at_least(np.nan, 0, 1) and not beyond(np.nan, 0, 1)
    assert RELATIVE == 1e-9


@given(st.lists(st.integers(0, 10**4), min_size=1, max_size=30))
def test_values_equal_in_decimals_share_a_class(tenths):
    """Sums of tenths in two orders differ in floating point; their classes do not, and the classes
    keep the order of the exact values."""
    forward = np.array([sum([0.1] * k) for k in tenths])
    backward = np.array([k / 10 for k in tenths])
    values = np.concatenate([forward, backward])
    classes = tie_classes(values, 1000.0)
    exact = np.concatenate([tenths, tenths])
    assert np.array_equal(classes[: len(tenths)], classes[len(tenths) :])
    assert np.array_equal(np.argsort(classes, kind="stable"), np.argsort(exact, kind="stable"))


def test_order_with_ties_keeps_the_baseline_order_of_ties():
    values = np.array([[0.1 + 0.2, 0.3, 0.5, 0.3 - 1e-12, 0.2]])
    assert order_with_ties(values, 1.0).tolist() == [[2, 0, 1, 3, 4]]
    assert tie_classes(np.array([1.0, np.nan, 0.5]), 1.0).tolist() == [1, 2, 0]
