"""The loads report gives its mean at full precision; the page rounds it for people."""

from __future__ import annotations

from evaluator.assignments.data import load_roster
from evaluator.assignments.service import coverage_report, reviewer_loads


def test_the_mean_load_is_not_rounded(app, make_scored_round):
    sr = make_scored_round(n_apps=5, n_reviewers=3, per_app=2)
    report = coverage_report(sr.rnd, "materials", 2)
    roster = load_roster(sr.rnd).ids
    loads = reviewer_loads(sr.rnd, "materials")
    expected = sum(loads.get(r, 0) for r in roster) / len(roster)
    assert expected != round(expected, 3)  # 10 assignments over 3 reviewers
    assert report["loads"]["mean"] == expected
