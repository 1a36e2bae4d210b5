"""Who may compute and read results, in which phases, and what bad requests get."""

from __future__ import annotations

import pytest

from evaluator.extensions import db
from tests.test_results_api import compute


@pytest.mark.parametrize("phase", ["draft", "open", "notice", "final"])
def test_compute_refused_outside_review(client, admin, make_scored_round, phase):
    sr = make_scored_round(n_apps=2, phase=phase)
    response = client.post(f"/api/v1/rounds/{sr.rnd.id}/results/compute", headers=admin)
    assert response.status_code == 409


def test_compute_after_scoring_closed_and_read_in_notice(client, admin, make_scored_round):
    sr = make_scored_round(n_apps=3, phase="scoring_closed")
    compute(client, admin, sr.rnd)
    sr.rnd.phase = "notice"
    db.session.commit()
    assert client.get(f"/api/v1/rounds/{sr.rnd.id}/results", headers=admin).status_code == 200
    assert client.post(f"/api/v1/rounds/{sr.rnd.id}/results/compute", headers=admin).status_code == 409


@pytest.mark.parametrize("role", ["reviewer", "applicant", "county_office", "city_office"])
def test_other_roles_refused(client, admin, make_user, make_scored_round, role):
    sr = make_scored_round(n_apps=2)
    compute(client, admin, sr.rnd)
    _, headers = make_user(
        role,
        **(
            {"home_region_code": "510107"}
            if role == "county_office"
            else {"home_region_code": "510100"}
            if role == "city_office"
            else {}
        ),
    )
    base = f"/api/v1/rounds/{sr.rnd.id}/results"
    for method, url in [
        ("post", f"{base}/compute"),
        ("get", base),
        ("get", f"{base}/reviewers"),
        ("get", f"{base}/disagreements"),
        ("get", f"{base}/export"),
        ("get", f"{base}/snapshot"),
        ("get", f"/api/v1/applications/{sr.apps[0].id}/result"),
    ]:
        assert getattr(client, method)(url, headers=headers).status_code == 403, url
        assert getattr(client, method)(url).status_code == 401, url


def test_not_found_and_bad_queries(client, admin, make_scored_round, make_draft):
    sr = make_scored_round(n_apps=2)
    base = f"/api/v1/rounds/{sr.rnd.id}/results"
    assert client.get(base, headers=admin).status_code == 404  # nothing computed yet
    assert client.get(f"/api/v1/applications/{sr.apps[0].id}/result", headers=admin).status_code == 404
    compute(client, admin, sr.rnd)
    assert client.post("/api/v1/rounds/999999/results/compute", headers=admin).status_code == 404
    assert client.get("/api/v1/applications/999999/result", headers=admin).status_code == 404
    _, draft = make_draft()
    assert client.get(f"/api/v1/applications/{draft.id}/result", headers=admin).status_code == 404
    for query in (
        {"status": "bogus"},
        {"sort": "password"},
        {"city_code": "x' or 1=1"},
        {"disagreement": "maybe"},
        {"page_size": 10**6},
        {"page": 0},
    ):
        response = client.get(base, headers=admin, query_string=query)
        assert response.status_code == 422, query
        assert response.get_json()["code"] == 422
    lines = client.get(base, headers=admin, query_string={"city_code": "510300"}).get_json()
    assert all(line["city_code"] == "510300" for line in lines) and len(lines) == 1
    desc = client.get(base, headers=admin, query_string={"sort": "total", "descending": "true"}).get_json()
    totals = [line["total"] for line in desc if line["total"] is not None]
    assert totals == sorted(totals, reverse=True)
    response = client.get(base, headers=admin, query_string={"page_size": 1})
    assert len(response.get_json()) == 1 and "X-Pagination" in response.headers


def test_withdrawn_and_declined_are_left_out(client, admin, make_scored_round):
    sr = make_scored_round(n_apps=4)
    sr.apps[0].status = "declined"
    db.session.commit()
    snapshot = compute(client, admin, sr.rnd)
    assert sum(snapshot["counts"].values()) == 3


def test_unscorable_data_is_refused_with_every_problem(client, admin, make_scored_round):
    from evaluator.reviews.models import Review

    sr = make_scored_round(n_apps=3)
    review = db.session.query(Review).filter_by(status="submitted").first()
    review.scores = review.scores[:-8]
    db.session.commit()
    response = client.post(f"/api/v1/rounds/{sr.rnd.id}/results/compute", headers=admin)
    assert response.status_code == 422 and "reviews" in response.get_json()["errors"]
