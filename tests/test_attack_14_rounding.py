"""Where people read computed figures, one rule (docs/results.md, "Numbers"): points with 2 decimals
and shares as whole percentages, rounded half up once the floating-point noise is dropped — and an
indicator's maximum read on a page is a score the service takes.

- The radar chart beside the breakdown's table wrote its shares with Python's own rounding (half to
  even on the binary value): a section at 12.5 % read 13 % in the table and 12 % in the chart.
- A reviewer who scores exactly as the rest of the panel has a bias of floating-point noise; when
  the noise is negative the statistics page read "-0%".
- The bins of the distribution of totals were labelled with up to six significant digits
  (5.125–10.25 with a bonus cap of 2.5).
- An indicator whose points the criteria compute (AHP weights: 22.857142857142858 points) showed
  "0 to 22.86 points" on the scoring page, and 22.86 was then refused as above the maximum.
"""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest

from evaluator.extensions import db
from tests.pages import post, versioned


def test_the_radar_chart_rounds_its_shares_as_the_table_beside_it(app):
    from evaluator.results.pages.radar import radar_chart
    from evaluator.results.service import shown

    shares = [0.125, 0.145, 0.285]
    svg = str(radar_chart(["甲", "乙", "丙"], shares, [0.5, 0.5, 0.5], "t"))
    written = re.findall(r">(?:甲|乙|丙)</tspan><tspan[^>]*>(\d+)%</tspan>", svg)
    # The table's cell for the same share (results/_parts.html, pct): 13 %, 15 %, 29 %.
    template = (
        '{% from "results/_parts.html" import pct with context %}'
        "{% for s in shares %}{{ pct(s) }} {% endfor %}"
    )
    table = app.jinja_env.from_string(template).render(shares=shares, shown=shown)
    assert table.split() == ["13%", "15%", "29%"]
    assert [f"{w}%" for w in written] == table.split()


def test_a_reviewer_scoring_as_the_panel_is_not_shown_minus_zero(
    client, admin, page_client, make_scored_round
):
    """Three reviewers give every application the same scores: each one's bias is noise
    (-2.2e-19 here), which the page must show as 0 %, not -0 %."""
    from evaluator.reviews.models import Review

    sr = make_scored_round(n_apps=3, n_reviewers=3, per_app=3)
    n = len(sr.criteria.expert_leaves)
    for review in db.session.scalars(db.select(Review)):
        review.scores = np.full(n, 0.03).astype("<f8").tobytes()
        review.vetoes = []
    db.session.commit()
    assert client.post(f"/api/v1/rounds/{sr.rnd.id}/results/compute", headers=admin).status_code == 201
    stats = client.get(f"/api/v1/rounds/{sr.rnd.id}/results/reviewers", headers=admin).get_json()
    assert all(abs(s["bias"]) < 1e-12 for s in stats) and any(s["bias"] < 0 for s in stats)
    html = page_client("admin").get(f"/office/rounds/{sr.rnd.id}/results/reviewers").get_data(as_text=True)
    table = html[html.index('id="reviewers"') :]
    assert "-0%" not in table and "-0.00" not in table
    assert ">0%<" in table


def test_the_distribution_labels_its_bins_with_two_decimals(
    client, admin, page_client, make_scored_round, mini_raw
):
    """With a bonus cap of 2.5 the highest total is 102.5: the bins' edges (on the grade cut-offs)
    are labelled as points, never with more than 2 decimals."""
    raw = copy.deepcopy(mini_raw)
    raw["bonus"]["cap"] = 2.5
    sr = make_scored_round(n_apps=8, criteria=raw)
    assert client.post(f"/api/v1/rounds/{sr.rnd.id}/results/compute", headers=admin).status_code == 201
    html = page_client("admin").get(f"/office/rounds/{sr.rnd.id}/results").get_data(as_text=True)
    chart = html[html.index('class="chart-histogram"') :]
    chart = chart[: chart.index("</svg>")]
    labels = re.findall(r">(\d[\d.]*–\d[\d.]*)</text>", chart)
    assert labels, chart[:500]
    numbers = [n for label in labels for n in label.split("–")]
    assert all(len(n.partition(".")[2]) <= 2 for n in numbers), labels


def test_the_maximum_a_scoring_page_shows_is_a_score_it_takes(page_client, make_review_case):
    """The mini criteria weigh the judged indicators by AHP: 22.857142857142858, 11.428571428571423
    and 5.714285714285713 points. The page reads "0 to 22.86 points"; a reviewer giving full marks
    types 22.86 and must not be told it lies outside 0 to 22.85714285714286."""
    from evaluator.reviews.models import Review
    from evaluator.reviews.service import scores_by_id
    from evaluator.rounds.service import round_criteria

    case = make_review_case(applications=1, reviewers=1)
    assignment = case.assignment()
    c = page_client(user=case.reviewers[0][0])
    html = c.get(f"/reviewer/assignments/{assignment.id}").get_data(as_text=True)
    shown = re.findall(r"\(0 to ([\d.]+) points\)", html)  # plan_quality, the first indicator
    assert shown and shown[0] == "22.86", shown
    form = versioned_form(assignment, {"scores.plan_quality": "22.86"})
    res = post(c, f"/reviewer/assignments/{assignment.id}", form)
    text = res.get_data(as_text=True)
    assert res.status_code == 302, re.findall(r"A score lies between[^<]*", text)
    review = db.session.scalar(db.select(Review).where(Review.assignment_id == assignment.id))
    assert review is not None
    stored = scores_by_id(review, round_criteria(case.round))["plan_quality"]
    assert stored == pytest.approx(22.857142857142858, rel=1e-12)  # full marks, stored as the points
    form = versioned_form(assignment, {"scores.plan_quality": "22.87"})
    refused = post(c, f"/reviewer/assignments/{assignment.id}", form).get_data(as_text=True)
    assert "A score lies between 0 and 22.86." in refused


def versioned_form(assignment, data: dict) -> dict:
    """The scoring form as the page posts it: the review's version (0 before its first save)."""
    from evaluator.reviews.models import Review

    review = db.session.scalar(db.select(Review).where(Review.assignment_id == assignment.id))
    return {**data, "version": "0"} if review is None else versioned(review, data)
