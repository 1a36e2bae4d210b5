"""Disagreement detection and reviewer statistics of a computed round."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from evaluator.assignments.models import Assignment
from evaluator.extensions import db
from evaluator.results.stats import disagreements, disagrees, distribution, reviewer_stats
from evaluator.reviews.models import Review
from tests.test_engine_decimals import decimal, exact_mean, exact_sd, expert_set, scored
from tests.test_results_api import compute


def set_scores(sr, value_of):
    """Every counted review's scores replaced: ``value_of(application index, reviewer, leaf)``."""
    index = {a.id: i for i, a in enumerate(sr.apps)}
    experts = sr.criteria.expert_leaves
    for review, assignment in db.session.query(Review, Assignment).join(
        Assignment, Review.assignment_id == Assignment.id
    ):
        if review.status != "submitted" or assignment.status != "active":
            continue
        values = [
            value_of(index[assignment.application_id], assignment.reviewer_id, leaf) for leaf in experts
        ]
        review.scores = np.array(values, dtype="<f8").tobytes()
        review.vetoes = []
    db.session.commit()


def test_disagreement_flags_and_lists_anonymised(client, admin, make_scored_round):
    sr = make_scored_round(n_apps=5, n_reviewers=6, per_app=4)
    lowest = {}

    def value(i, reviewer, leaf):
        if i == 1 and leaf.id == "novelty":
            first = lowest.setdefault(i, reviewer)
            return 0.0 if reviewer == first else leaf.points * 0.5
        return leaf.points * 0.5

    set_scores(sr, value)
    compute(client, admin, sr.rnd)
    listed = client.get(f"/api/v1/rounds/{sr.rnd.id}/results/disagreements", headers=admin).get_json()
    assert len(listed) == 1
    item = listed[0]
    assert item["application_id"] == sr.apps[1].id and item["indicator_id"] == "novelty"
    assert item["organisation"] == sr.apps[1].organisation.name
    assert sorted(s["expert"] for s in item["scores"]) == ["A", "B", "C", "D"]
    assert sorted(s["score"] for s in item["scores"])[0] == 0.0
    assert "reviewer_id" not in str(item)
    flagged = client.get(
        f"/api/v1/rounds/{sr.rnd.id}/results", headers=admin, query_string={"disagreement": "true"}
    ).get_json()
    assert [line["application_id"] for line in flagged] == [sr.apps[1].id]
    breakdown = client.get(f"/api/v1/applications/{sr.apps[1].id}/result", headers=admin).get_json()
    novelty = next(x for x in breakdown["indicators"] if x["indicator_id"] == "novelty")
    assert novelty["disagreement"] and novelty["spread"] > 0


def test_spread_at_the_threshold_is_not_disagreement(client, admin, make_scored_round):
    sr = make_scored_round(n_apps=3, n_reviewers=5, per_app=4)
    sr.rnd.settings = {"disagreement_spread": 0.5}
    db.session.commit()
    first = {}

    def value(i, reviewer, leaf):  # exactly 0.5 × points apart: not beyond the spread
        return (
            0.25 * leaf.points if first.setdefault((i, leaf.id), reviewer) == reviewer else 0.75 * leaf.points
        )

    set_scores(sr, value)
    compute(client, admin, sr.rnd)
    assert client.get(f"/api/v1/rounds/{sr.rnd.id}/results/disagreements", headers=admin).get_json() == []


def test_one_rule_says_where_reviewers_disagree():
    spread = np.array([[0.0, 3.0, 3.0 + 1e-6], [np.nan, 10.0, 2.9]])
    points = np.array([10.0, 10.0, 10.0])
    assert disagrees(spread, 0.3, points).tolist() == [[False, False, True], [False, True, False]]
    assert not disagrees(np.nan, 0.3, 10.0) and not disagrees(3.0, 0.3, 10) and disagrees(3.01, 0.3, 10)


def test_reviewer_statistics_show_a_lenient_reviewer(client, admin, make_scored_round):
    sr = make_scored_round(n_apps=10, n_reviewers=5, per_app=4, seed=5)
    lenient = sr.reviewers[0].id
    set_scores(sr, lambda i, r, leaf: leaf.points if r == lenient else leaf.points * (0.4 + 0.02 * i))
    compute(client, admin, sr.rnd)
    stats = client.get(f"/api/v1/rounds/{sr.rnd.id}/results/reviewers", headers=admin).get_json()
    by_id = {s["reviewer_id"]: s for s in stats}
    top = by_id[lenient]
    assert stats[0]["reviewer_id"] == lenient  # the most lenient first
    assert top["lean"] == "lenient" and top["bias"] > 0.4
    assert top["mean_share"] == 1.0 and top["sd_share"] == 0.0
    assert top["calibration_shift"] < 0  # z-score calibration pulls their scores down
    assert top["name"] == sr.reviewers[0].display_name
    others = [s for s in stats if s["reviewer_id"] != lenient]
    assert all(s["bias"] < 0 for s in others)
    assert sum(s["scores"] for s in stats) == 10 * 4 * len(sr.criteria.expert_leaves)


def test_distribution_and_medians_in_the_summary(client, admin, make_scored_round):
    sr = make_scored_round(n_apps=8)
    compute(client, admin, sr.rnd)
    from evaluator.results import service as results

    snapshot = results.latest(sr.rnd)
    hist = snapshot.summary["distribution"]
    assert len(hist["edges"]) == len(hist["counts"]) + 1
    assert sum(hist["counts"]) == snapshot.summary["counts"]["ranked"]
    assert len(snapshot.summary["section_medians"]) == len(sr.criteria.indicators)


def test_bonus_counts_when_a_majority_of_the_reviews_verified_it(client, admin, make_scored_round):
    sr = make_scored_round(n_apps=2, n_reviewers=6, per_app=4)
    index = {a.id: i for i, a in enumerate(sr.apps)}
    seen: dict[int, int] = {}
    for review, assignment in db.session.query(Review, Assignment).join(
        Assignment, Review.assignment_id == Assignment.id
    ):
        if review.status != "submitted" or assignment.status != "active":
            continue
        i = index[assignment.application_id]
        k = seen[i] = seen.get(i, 0) + 1
        wanted = 2 if i == 0 else 3  # application 0: a tie (2 of 4); application 1: 3 of 4
        review.bonus_verified = {"meeting": k <= wanted}
        review.vetoes = []
    sr.apps[1].bonus_claims = ["meeting"]
    db.session.commit()
    compute(client, admin, sr.rnd)
    got = [client.get(f"/api/v1/applications/{a.id}/result", headers=admin).get_json() for a in sr.apps]
    assert [b["id"] for b in got[0]["bonus_items"] if b["id"] == "meeting"] == []
    assert "meeting" in [b["id"] for b in got[1]["bonus_items"]]


# ------------------------------------------------------------------ decimals not exact in binary


def test_a_reviewer_with_one_decimal_score_calibrates_to_the_mean(client, admin, make_scored_round):
    """5.1 given to every application: no spread, z = 0, the calibrated score is the round's mean,
    and the reviewer's calibration shift is that mean minus 5.1 (not plus a standard deviation)."""
    sr = make_scored_round(n_apps=6, n_reviewers=3, per_app=3, calibration="zscore")
    steady = sr.reviewers[0].id
    given = {
        sr.reviewers[1].id: [decimal(13 + 7 * i, 1) for i in range(6)],
        sr.reviewers[2].id: [decimal(22 + 4 * i, 1) for i in range(6)],
        steady: [decimal(51, 1)] * 6,
    }
    set_scores(sr, lambda i, reviewer, leaf: given[reviewer][i][1])
    compute(client, admin, sr.rnd)

    everything = [v[0] for values in given.values() for v in values]
    mean, sd = exact_mean(everything), exact_sd(everything)

    def calibrated(reviewer: int, i: int, points: float) -> float:
        mine = [v[0] for v in given[reviewer]]
        spread = exact_sd(mine)
        z = 0.0 if spread == 0 else float(given[reviewer][i][0] - exact_mean(mine)) / spread
        return min(max(float(mean) + z * sd, 0.0), points)

    for i, application in enumerate(sr.apps):
        detail = client.get(f"/api/v1/applications/{application.id}/result", headers=admin).get_json()
        for entry in detail["indicators"]:
            if entry["method"] != "expert":
                continue
            points = entry["max_points"]
            expected = sum(calibrated(r, i, points) for r in given) / 3
            assert abs(entry["calibrated_points"] - expected) <= 1e-9, (i, entry["indicator_id"])
    stats = client.get(f"/api/v1/rounds/{sr.rnd.id}/results/reviewers", headers=admin).get_json()
    mine = next(s for s in stats if s["reviewer_id"] == steady)
    experts = sr.criteria.expert_leaves
    shift = sum(float(mean - Fraction(51, 10)) / leaf.points for leaf in experts) / len(experts)
    assert abs(mine["calibration_shift"] - shift) <= 1e-9


def _engine_round(make_criteria, points, rows):
    cs = expert_set(make_criteria, [("s", points)], aggregation={"method": "mean", "min_reviews": 1})
    return scored(cs, rows)


def test_a_reviewer_exactly_ten_points_of_a_hundred_apart_is_typical(make_criteria):
    """0.8 against 0.7 is a difference of 0.10000000000000009 in floating point: on the line, typical;
    0.85 against 0.7 is beyond it."""
    for high, lean in ((8.0, ["typical", "typical"]), (8.5, ["lenient", "harsh"])):
        rows = [(f"{i}", r, "s0", value) for i in range(3) for r, value in (("10", high), ("11", 7.0))]
        stats = reviewer_stats(_engine_round(make_criteria, [10], rows), 3)
        assert [s["lean"] for s in stats] == lean, high
    assert stats[0]["bias"] == pytest.approx(0.15, abs=1e-12)


def test_one_decimal_score_given_everyone_has_no_spread(make_criteria):
    rows = [(f"{i}", r, "s0", value) for i in range(5) for r, value in (("10", 6.41), ("11", 2.0 + i))]
    stats = reviewer_stats(_engine_round(make_criteria, [10], rows), 3)
    assert stats[0]["sd_share"] == 0.0 and stats[0]["mean_share"] == pytest.approx(0.641, abs=1e-15)
    assert stats[0]["calibration_shift"] == pytest.approx((6.41 + 4.0) / 2 / 10 - 0.641, abs=1e-12)


def test_a_total_on_a_bin_edge_counts_in_the_bin_it_opens(make_criteria):
    """Means of decimals that make 85 come to 84.99999999999999: the total is in the 85–90 bin."""
    rows = [("1", f"r{k}", "s0", v) for k, v in enumerate([49.16, 48.03, 48.08])]
    rows += [("1", f"r{k}", "s1", v) for k, v in enumerate([36.24, 23.56, 49.93])]
    result = _engine_round(make_criteria, [50, 50], rows)
    assert result.total[0] != 85.0 and abs(result.total[0] - 85.0) <= 1e-9  # the noise is there
    hist = distribution(result)
    assert hist["edges"][17] == 85.0 and hist["counts"][17] == 1 and sum(hist["counts"]) == 1


@settings(max_examples=40, deadline=None)
@given(
    points=st.sampled_from([7, 10, 20.5, 35]),
    share=st.sampled_from(["0.25", "0.3", "0.5"]),
    places=st.integers(1, 3),
    low=st.integers(0, 10**6),
)
@example(points=7, share="0.3", places=1, low=23).via("4.4 − 2.3 = 2.1000000000000005 > 0.3 × 7")
def test_a_spread_on_the_line_in_decimals_is_not_disagreement(make_criteria, points, share, places, low):
    """Two scores exactly ``share`` × points apart in decimals are on the line; one last digit
    further apart is beyond it."""
    unit = 10**places
    line = Fraction(share) * Fraction(str(points)) * unit
    top = int(Fraction(str(points)) * unit)
    assume(line.denominator == 1 and line + 1 <= top)
    low %= top - int(line)
    for extra, beyond_line in ((0, False), (1, True)):
        high = low + int(line) + extra
        rows = [("1", "r0", "s0", decimal(low, places)[1]), ("1", "r1", "s0", decimal(high, places)[1])]
        result = _engine_round(make_criteria, [points], rows)
        gap, flagged, listed, _line = disagreements(result, float(share))
        assert bool(flagged[0]) is beyond_line, (low, high)
        assert len(listed) == int(beyond_line)
        assert bool(disagrees(gap[0, 0], float(share), points)) is beyond_line
