"""Results through the API equal the engine's and the per-application reference's on the same data."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.results.inputs import read_round
from evaluator.results.models import ApplicationResult, ResultSnapshot
from evaluator.scoring.encoded import EncodedApplications, EncodedClaims, EncodedReviews, score_encoded
from tests.reference import reference_round


def compute(client, headers, rnd):
    response = client.post(f"/api/v1/rounds/{rnd.id}/results/compute", headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def all_lines(client, headers, rnd, **query):
    response = client.get(
        f"/api/v1/rounds/{rnd.id}/results", headers=headers, query_string={"page_size": 100, **query}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def close(a, b):
    if (
        a is None
        or b is None
        or (isinstance(a, float) and math.isnan(a))
        or (isinstance(b, float) and math.isnan(b))
    ):
        return (a is None or a != a) and (b is None or b != b)
    return abs(a - b) <= 1e-9


@pytest.mark.parametrize("calibration", [None, "zscore"])
def test_results_equal_engine_and_reference(client, admin, make_scored_round, calibration):
    sr = make_scored_round(n_apps=12, n_reviewers=7, per_app=5, seed=3, short=(2, 7), calibration=calibration)
    snapshot = compute(client, admin, sr.rnd)
    assert snapshot["counts"]["incomplete"] == 2
    lines = {line["application_id"]: line for line in all_lines(client, admin, sr.rnd)}
    assert len(lines) == 12

    # The engine called directly on arrays built independently from the fixture's own records.
    cs = sr.criteria
    inputs = read_round(sr.rnd, cs, False)
    expected = score_encoded(cs, inputs.applications, inputs.reviews, inputs.claims)
    leaf_pos = {leaf.id: j for j, leaf in enumerate(cs.leaves)}
    mine = [s for s in sr.ref_scores if s["indicator_id"]]
    flags = [s for s in sr.ref_scores if not s["indicator_id"]]
    direct = EncodedReviews(
        app=np.array([int(s["application_id"]) for s in mine + flags]),
        reviewer=np.array([int(s["reviewer_id"]) for s in mine + flags]),
        indicator=np.array([leaf_pos[s["indicator_id"]] for s in mine] + [-1] * len(flags)),
        score=np.array([s["score"] for s in mine] + [np.nan] * len(flags)),
        flag=np.array([-1] * len(mine) + [0] * len(flags)),
    )
    items = [b.id for b in cs.bonus_items]
    claims = EncodedClaims(
        app=np.array([int(a) for a, _ in sr.ref_claims], dtype=np.int64),
        item=np.array([items.index(b) for _, b in sr.ref_claims], dtype=np.int64),
    )
    again = score_encoded(
        cs,
        EncodedApplications(
            inputs.ids,
            inputs.applications.columns,
            inputs.applications.missing,
            inputs.applications.submitted_at,
        ),
        direct,
        claims,
    )
    np.testing.assert_allclose(again.total, expected.total, atol=1e-9, equal_nan=True)
    np.testing.assert_array_equal(again.rank, expected.rank)

    reference = reference_round(cs, sr.ref_apps, sr.ref_scores, sr.ref_claims)
    uncalibrated = replace(cs, aggregation=replace(cs.aggregation, calibration="none"))
    plain = reference_round(uncalibrated, sr.ref_apps, sr.ref_scores, sr.ref_claims)
    for i, aid in enumerate(expected.ids):
        line = lines[int(aid)]
        ref = reference[aid]
        assert close(line["total"], float(expected.total[i])), aid
        assert line["rank"] == (int(expected.rank[i]) or None)
        assert line["status"] == expected.status[i]
        assert line["n_reviews"] == ref["n_reviews"]
        if calibration is None:
            assert close(line["total"], ref["total"]), aid
            assert line["grade"] == (ref["grade"] if ref["complete"] or ref["vetoed"] else None)
            for s in cs.indicators:
                assert close(line["sections"][s.id], ref["sections"][s.id])
        else:
            assert close(line["total"], ref["total"]), aid  # the reference calibrates too
            assert close(line["raw_total"], plain[aid]["total"]), aid  # and without calibration
        breakdown = client.get(f"/api/v1/applications/{aid}/result", headers=admin).get_json()
        for entry in breakdown["indicators"]:
            assert close(entry["points"], ref["leaf_points"][entry["indicator_id"]]), (aid, entry)
        assert sorted(v["id"] for v in breakdown["vetoes"]) == ref["vetoes"]
        assert close(breakdown["bonus"], ref["bonus"])
    ranked = [line for line in all_lines(client, admin, sr.rnd) if line["rank"]]
    assert [line["rank"] for line in ranked] == list(range(1, len(ranked) + 1))


def test_incomplete_listed_not_ranked(client, admin, make_scored_round):
    sr = make_scored_round(n_apps=6, short=(1, 4))
    compute(client, admin, sr.rnd)
    lines = all_lines(client, admin, sr.rnd, status="incomplete")
    short = {sr.apps[1].id, sr.apps[4].id}
    assert lines and {line["application_id"] for line in lines} <= short  # a vetoed one shows as vetoed
    assert all(line["rank"] is None and line["total"] is None and line["grade"] is None for line in lines)
    everything = all_lines(client, admin, sr.rnd)
    by_id = {line["application_id"]: line for line in everything}
    assert all(by_id[a]["rank"] is None and by_id[a]["status"] in ("incomplete", "vetoed") for a in short)
    assert everything[-1]["status"] == "incomplete"
    assert all(line["n_reviews"] == 2 for line in lines)


def test_snapshot_hashes_and_audit(client, admin, make_scored_round):
    sr = make_scored_round(n_apps=5)
    first = compute(client, admin, sr.rnd)
    second = compute(client, admin, sr.rnd)
    assert first["input_sha256"] == second["input_sha256"] and len(first["input_sha256"]) == 64
    assert first["criteria_sha256"] == sr.rnd.criteria_sha256
    assert first["engine_version"]
    assert second["id"] > first["id"]
    assert db.session.query(ResultSnapshot).count() == 2
    assert db.session.query(ApplicationResult).count() == 10
    events = db.session.query(AuditEvent).filter_by(action="results.computed").all()
    assert len(events) == 2 and events[-1].summary["input_sha256"] == second["input_sha256"]
    # A changed score changes the input hash.
    from evaluator.reviews.models import Review

    review = db.session.query(Review).filter_by(status="submitted").first()
    values = np.frombuffer(review.scores, dtype="<f8").copy()
    values[0] = 0.0 if values[0] else 1.0
    review.scores = values.tobytes()
    db.session.commit()
    assert compute(client, admin, sr.rnd)["input_sha256"] != first["input_sha256"]


def test_the_api_gives_full_precision_and_one_name_for_the_raw_total(client, admin, make_scored_round):
    """Sections, totals and statistics unrounded; the total without calibration is ``raw_total``
    in the list and in the breakdown (``raw_points`` per indicator and section)."""
    sr = make_scored_round(n_apps=5, n_reviewers=5, per_app=4, calibration="zscore")
    compute(client, admin, sr.rnd)
    digits = []
    for line in all_lines(client, admin, sr.rnd):
        detail = client.get(f"/api/v1/applications/{line['application_id']}/result", headers=admin).get_json()
        assert "uncalibrated_total" not in detail and detail["raw_total"] == line["raw_total"]
        for section in detail["sections"]:
            assert "uncalibrated_points" not in section and "raw_points" in section
            assert line["sections"][section["section_id"]] == section["points"]  # the same float
            digits.append(section["points"])
        assert all("raw_points" in x and "uncalibrated_points" not in x for x in detail["indicators"])
    assert any(x is not None and x != round(x, 9) for x in digits)  # nothing was rounded on the way
    stats = client.get(f"/api/v1/rounds/{sr.rnd.id}/results/reviewers", headers=admin).get_json()
    assert any(s["mean_share"] != round(s["mean_share"], 6) for s in stats)
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "raw_total" in schemas["Breakdown"]["properties"]
    assert "uncalibrated_total" not in schemas["Breakdown"]["properties"]
    assert "raw_total" in schemas["ResultLine"]["properties"]
    for name in ("IndicatorResult", "SectionResult"):
        assert set(schemas[name]["properties"]) >= {"points", "calibrated_points", "raw_points"}


SAME = dict(
    category="relocation",
    households=100,
    residents=10000,
    workers=18,
    fund=100000.0,
    services=["employment", "elderly", "health"],
    platform=True,
    online_rate=80.0,
    online_rate_prev=70.0,
    satisfaction=90.0,
    incident=False,
)


def test_totals_equal_in_decimals_sort_together_by_rank(client, admin, make_scored_round):
    """Two applications with the same figures and the same total in decimals (83.6), reached by
    different scores: floating point makes the second 83.60000000000001. Sorted by total, they
    come in rank order (a tie, then the id), not in the order of the noise."""
    from tests.test_results_stats import set_scores

    sr = make_scored_round(n_apps=2, n_reviewers=4, per_app=4)
    for application in sr.apps:
        application.figures = dict(SAME)
        application.bonus_claims = []
        application.submitted_at = sr.apps[0].submitted_at
    panels = [
        [(14.2, 6.1), (11.4, 8.9), (10.6, 9.7), (11.5, 8.8)],
        [(10.5, 9.8), (13.5, 6.8), (13.2, 7.1), (11.7, 8.6)],
    ]
    order = {r.id: k for k, r in enumerate(sr.reviewers)}

    def value(i, reviewer, leaf):
        plan, onsite = panels[i][order[reviewer]]
        return {"plan_quality": plan, "onsite": onsite}.get(leaf.id, 3.3)

    set_scores(sr, value)
    compute(client, admin, sr.rnd)
    lines = {x["application_id"]: x for x in all_lines(client, admin, sr.rnd)}
    first, second = (lines[a.id] for a in sr.apps)
    assert abs(first["total"] - 83.6) <= 1e-9 and abs(second["total"] - 83.6) <= 1e-9
    assert (first["rank"], second["rank"]) == (1, 2)  # a tie on the total and the sections: the id
    for descending in ("true", "false"):
        ordered = all_lines(client, admin, sr.rnd, sort="total", descending=descending)
        assert [x["application_id"] for x in ordered] == [a.id for a in sr.apps], descending
