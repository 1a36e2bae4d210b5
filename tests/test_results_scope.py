"""Reviewing groups: materials reviewers score the indicators not checked on site, inspectors the
ones checked on site; completeness (partial reviews, min_reviews) is judged per group."""

from __future__ import annotations

import numpy as np
import pytest

from evaluator.criteria.scope import expert_scope
from evaluator.scoring.encoded import EncodedApplications, EncodedReviews, score_encoded
from evaluator.scoring.errors import InputError
from tests.test_results_api import all_lines, compute


def two_on_site(mini_raw, **aggregation):
    """The mini criteria with two indicators checked on site (onsite, novelty)."""
    from evaluator.criteria import build_criteria
    from tests.conftest import find_node

    find_node(mini_raw, "novelty")["check"] = ["on_site"]
    if aggregation:
        mini_raw["aggregation"] = {**mini_raw["aggregation"], **aggregation}
    return build_criteria(mini_raw, "test")


@pytest.fixture
def cs(mini_raw):
    return two_on_site(mini_raw)


def round_of(cs, n=2):
    ids = np.arange(1, n + 1, dtype=np.int64)
    columns = {
        "category": np.zeros(n, dtype=np.int64),
        "households": np.full(n, 2000.0),
        "residents": np.full(n, 5000.0),
        "satisfaction": np.full(n, 90.0),
        "incident": np.zeros(n, dtype=bool),
    }
    return EncodedApplications(ids=ids, columns=columns)


def rows(cs, panel, drop=()):
    """Score rows: panel = [(app, reviewer, group)], every indicator of the group at half points."""
    groups = np.stack([expert_scope(cs, k, True) for k in ("materials", "on_site")])
    leaf_pos = [j for j, leaf in enumerate(cs.leaves) if leaf.method == "expert"]
    out = {"app": [], "reviewer": [], "indicator": [], "score": [], "scope": []}
    for app, reviewer, g in panel:
        for k in np.flatnonzero(groups[g]):
            if (app, reviewer, k) in drop:
                continue
            out["app"].append(app)
            out["reviewer"].append(reviewer)
            out["indicator"].append(leaf_pos[k])
            out["score"].append(cs.expert_leaves[k].points / 2)
            out["scope"].append(g)
    return EncodedReviews(**{k: np.array(v) for k, v in out.items()}), groups


def full_panel(n_apps=2):
    return [(a, r, 0) for a in range(1, n_apps + 1) for r in (10, 11, 12)] + [
        (a, r, 1) for a in range(1, n_apps + 1) for r in (20, 21, 22)
    ]


def test_groups_score_their_own_indicators(cs):
    reviews, groups = rows(cs, full_panel())
    result = score_encoded(cs, round_of(cs), reviews, scopes=groups)
    assert result.complete.all() and (result.rank > 0).all()
    experts = [j for j, leaf in enumerate(cs.leaves) if leaf.method == "expert"]
    half = [cs.leaves[j].points / 2 for j in experts]
    np.testing.assert_allclose(result.leaf_points[:, experts], [half, half])
    assert list(result.n_reviews) == [6, 6]
    with pytest.raises(InputError):  # without groups, every review is partial
        score_encoded(
            cs, round_of(cs), EncodedReviews(reviews.app, reviews.reviewer, reviews.indicator, reviews.score)
        )


def test_partial_within_a_group_is_refused_or_dropped(cs, mini_raw):
    onsite = [leaf.id for leaf in cs.expert_leaves].index("onsite")
    reviews, groups = rows(cs, full_panel(), drop={(1, 20, onsite)})
    with pytest.raises(InputError) as caught:
        score_encoded(cs, round_of(cs), reviews, scopes=groups)
    message = caught.value.errors[0]["message"]
    assert "reviewer 20 scored 1 of 2" in message and "onsite" in message
    dropping = two_on_site(mini_raw, partial_reviews="drop")
    reviews, groups = rows(dropping, full_panel(), drop={(1, 20, onsite)})
    result = score_encoded(dropping, round_of(dropping), reviews, scopes=groups)
    assert len(result.notes) == 1 and "dropped" in str(result.notes[0])
    assert list(result.complete) == [False, True]  # two inspectors left on application 1


def test_an_indicator_outside_the_group_is_refused(cs):
    reviews, groups = rows(cs, full_panel())
    scope = reviews.scope.copy()
    scope[0] = 1 - scope[0]
    with pytest.raises(InputError) as caught:
        score_encoded(
            cs,
            round_of(cs),
            EncodedReviews(reviews.app, reviews.reviewer, reviews.indicator, reviews.score, scope=scope),
            scopes=groups,
        )
    assert any("reviewing group" in e["message"] for e in caught.value.errors)


def test_min_reviews_per_group(cs):
    panel = [p for p in full_panel() if not (p[0] == 2 and p[1] in (21, 22))]  # app 2: one inspector
    reviews, groups = rows(cs, panel)
    result = score_encoded(cs, round_of(cs), reviews, scopes=groups)
    assert list(result.complete) == [True, False]
    assert list(result.status) == ["ranked", "incomplete"]


def test_round_with_on_site_group_through_the_api(client, admin, make_scored_round):
    sr = make_scored_round(n_apps=6, n_reviewers=9, per_app=3, inspectors=3, on_site_group=True, seed=2)
    compute(client, admin, sr.rnd)
    lines = {line["application_id"]: line for line in all_lines(client, admin, sr.rnd)}
    assert all(line["n_reviews"] == 6 for line in lines.values())
    for app in sr.apps:
        got = client.get(f"/api/v1/applications/{app.id}/result", headers=admin).get_json()
        if got["status"] != "ranked":
            continue
        for entry in got["indicators"]:
            if entry["method"] != "expert":
                continue
            mine = [
                s["score"]
                for s in sr.ref_scores
                if s["application_id"] == str(app.id) and s["indicator_id"] == entry["indicator_id"]
            ]
            assert len(mine) == 3  # the materials panel or the inspectors, never both
            assert abs(entry["points"] - sum(mine) / 3) <= 1e-9
