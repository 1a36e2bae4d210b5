"""A reviewer's queue over the API (``GET /assignments?mine=true``): one round's with ``round_id``, a
page of 50 by default, and both said in the OpenAPI document."""

from __future__ import annotations

import json

import pytest

from evaluator.assignments.models import Assignment
from evaluator.extensions import db


@pytest.fixture
def queue(review_round, make_reviewer):
    """A reviewer with 12 assignments in one round and 3 in another (and one recused), and another
    reviewer with one assignment in the second round."""
    first, first_apps = review_round(13)
    second, second_apps = review_round(4)
    reviewer, headers = make_reviewer()
    other, _ = make_reviewer()
    for application in first_apps[:12] + second_apps[:3]:
        db.session.add(
            Assignment(round_id=application.round_id, application_id=application.id, reviewer_id=reviewer.id)
        )
    db.session.add(
        Assignment(
            round_id=first.id, application_id=first_apps[12].id, reviewer_id=reviewer.id, status="recused"
        )
    )
    db.session.add(Assignment(round_id=second.id, application_id=second_apps[3].id, reviewer_id=other.id))
    db.session.commit()
    return first, second, reviewer, headers


def test_a_reviewers_queue_of_one_round(client, queue):
    first, second, reviewer, headers = queue
    res = client.get("/api/v1/assignments?mine=true", headers=headers)
    assert res.status_code == 200 and len(res.json) == 15  # one page: 50 by default, no longer 10
    assert json.loads(res.headers["X-Pagination"])["total"] == 15
    for rnd, count in ((first, 12), (second, 3)):
        res = client.get(f"/api/v1/assignments?mine=true&round_id={rnd.id}", headers=headers)
        assert res.status_code == 200
        assert len(res.json) == count and {row["round_id"] for row in res.json} == {rnd.id}
        assert {row["reviewer_id"] for row in res.json} == {reviewer.id}
    res = client.get(f"/api/v1/assignments?mine=true&round_id={first.id}&status=recused", headers=headers)
    assert [row["status"] for row in res.json] == ["recused"]
    res = client.get("/api/v1/assignments?mine=true&round_id=2147483647", headers=headers)
    assert res.status_code == 404 and res.json["message"] == "No round 2147483647."
    for bad in ("0", "abc", "2147483648"):
        res = client.get(f"/api/v1/assignments?round_id={bad}", headers=headers)
        assert res.status_code == 422 and list(res.json["errors"]["query"]) == ["round_id"], bad


def test_the_office_lists_one_rounds_assignments_of_every_reviewer(client, admin, queue):
    _first, second, _reviewer, _headers = queue
    res = client.get(f"/api/v1/assignments?round_id={second.id}", headers=admin)
    assert res.status_code == 200 and len(res.json) == 4
    assert len({row["reviewer_id"] for row in res.json}) == 2


def test_the_page_sizes_are_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json
    parameters = {p["name"]: p for p in doc["paths"]["/api/v1/assignments"]["get"]["parameters"]}
    assert parameters["round_id"]["schema"]["maximum"] == 2**31 - 1
    size = parameters["page_size"]
    assert size["schema"]["default"] == 50 and size["schema"]["maximum"] == 100
    assert size["description"] == "Items per page: 50 unless given, at most 100."
    # Every list says its own, in words as in the schema.
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []) if method != "parameters" else []:
                if parameter["name"] == "page_size":
                    schema = parameter["schema"]
                    expected = (
                        f"Items per page: {schema['default']} unless given, at most {schema['maximum']}."
                    )
                    assert parameter["description"] == expected, path
