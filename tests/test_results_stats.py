"""Disagreement detection and reviewer statistics of a computed round."""

from __future__ import annotations

import numpy as np

from evaluator.assignments.models import Assignment
from evaluator.extensions import db
from evaluator.results.stats import disagrees
from evaluator.reviews.models import Review
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
