"""Attacks on the assignment endpoints: other roles, forged ids, bad bodies, other reviewers' rows."""

from __future__ import annotations

from sqlalchemy import select

from evaluator.assignments.models import Assignment
from evaluator.extensions import db


def setup(client, admin, review_round, make_reviewer):
    rnd, apps = review_round(2, counties=["510104"], settings={"reviewers_per_application": 1})
    a, ha = make_reviewer(region="510302")
    b, hb = make_reviewer(region="510603")
    client.post(f"/api/v1/rounds/{rnd.id}/assignments/auto", json={}, headers=admin)
    rows = db.session.scalars(select(Assignment).order_by(Assignment.id)).all()
    return rnd, apps, {a.id: ha, b.id: hb}, rows


def test_reviewers_see_only_their_own(client, admin, review_round, make_reviewer):
    rnd, _apps, headers, rows = setup(client, admin, review_round, make_reviewer)
    row = rows[0]
    owner = headers[row.reviewer_id]
    other = next(h for r, h in headers.items() if r != row.reviewer_id)
    assert client.get(f"/api/v1/assignments/{row.id}", headers=owner).status_code == 200
    assert client.get(f"/api/v1/assignments/{row.id}", headers=other).status_code == 404
    assert client.get(f"/api/v1/rounds/{rnd.id}/assignments", headers=owner).status_code == 403
    mine = client.get("/api/v1/assignments?mine=1", headers=owner).get_json()
    assert {m["reviewer_id"] for m in mine} == {row.reviewer_id}
    # a reviewer asking for someone else's rows still gets only their own
    forged = client.get(
        f"/api/v1/assignments?reviewer_id={next(r for r in headers if r != row.reviewer_id)}", headers=owner
    ).get_json()
    assert {m["reviewer_id"] for m in forged} <= {row.reviewer_id}
    assert (
        client.post(f"/api/v1/assignments/{row.id}/recuse", json={"reason": "x"}, headers=other).status_code
        == 404
    )
    assert (
        client.post(f"/api/v1/assignments/{row.id}/remove", json={"reason": "x"}, headers=owner).status_code
        == 403
    )
    assert client.get("/api/v1/assignments/2147483647", headers=owner).status_code == 404


def test_forged_ids_and_bad_bodies(client, admin, review_round, make_reviewer, make_round, make_user):
    rnd, apps, _headers, _rows = setup(client, admin, review_round, make_reviewer)
    _other_rnd, other_apps = review_round(1)
    office, _ = make_user("admin")
    url = f"/api/v1/rounds/{rnd.id}/assignments"
    res = client.post(
        url, json={"application_id": other_apps[0].id, "reviewer_id": _rows[0].reviewer_id}, headers=admin
    )
    assert res.status_code == 409  # an application of another round
    res = client.post(url, json={"application_id": apps[0].id, "reviewer_id": office.id}, headers=admin)
    assert res.status_code == 422 and "reviewer_id" in res.get_json()["errors"]
    for body in (
        {"application_id": "1", "reviewer_id": 1},
        {"application_id": 0, "reviewer_id": 1},
        {"application_id": 2**40, "reviewer_id": 1},
        {"reviewer_id": 1},
        [],
        "x",
    ):
        assert client.post(url, json=body, headers=admin).status_code == 422, body
    res = client.post(url, data="{not json", headers={**admin, "Content-Type": "application/json"})
    assert res.status_code in (400, 422)
    auto = f"/api/v1/rounds/{rnd.id}/assignments/auto"
    for body in (
        {"seed": "1"},
        {"seed": 2**40},
        {"reviewers_per_application": 0},
        {"max_load": 0},
        {"unknown": 1},
    ):
        assert client.post(auto, json=body, headers=admin).status_code == 422, body
    assert client.get(f"{url}?status=zzz", headers=admin).status_code == 422
    assert client.get(f"{url}?reviewer_id=-1", headers=admin).status_code == 422
    assert (
        client.put(f"/api/v1/users/{office.id}/expertise", json={"expertise": []}, headers=admin).status_code
        == 409
    )
    long = ["x" * 101]
    assert (
        client.put(
            f"/api/v1/users/{office.id}/expertise", json={"expertise": long}, headers=admin
        ).status_code
        == 422
    )
