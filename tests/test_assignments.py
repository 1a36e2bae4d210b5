"""Assignments through the API: automatic runs, manual changes, recusal, declared conflicts, expertise."""

from __future__ import annotations

from sqlalchemy import func, select

from evaluator.assignments.models import Assignment, ConflictDeclaration
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db

AUTO = "/api/v1/rounds/{}/assignments/auto"


def roster(make_reviewer, n, regions=("510104", "510107", "510302", "511102", "510603", "510781")):
    out = []
    for i in range(n):
        out.append(
            make_reviewer(region=regions[i % len(regions)], expertise=["basics"] if i % 2 else ["quality"])
        )
    return out


def active_pairs(rnd, kind="materials"):
    db.session.expire_all()
    return sorted(
        db.session.execute(
            select(Assignment.application_id, Assignment.reviewer_id).where(
                Assignment.round_id == rnd.id, Assignment.status == "active", Assignment.kind == kind
            )
        ).all()
    )


def test_auto_fills_every_panel_without_conflicts(client, admin, review_round, make_reviewer):
    rnd, apps = review_round(12, settings={"reviewers_per_application": 3})
    revs = roster(make_reviewer, 12)
    res = client.post(AUTO.format(rnd.id), json={"seed": 1}, headers=admin)
    assert res.status_code == 200, res.get_json()
    report = res.get_json()
    assert report["pairs_made"] == 36 and report["status"] == "complete" and report["uncovered"] == []
    assert report["staffed"] == 12 and report["loads"]["max"] <= report["max_load"]
    assert report["coverage"]["overall"] == 1.0 and report["coverage"]["fully_covered"] == 12
    region = {u.id: u.home_region_code for u, _ in revs}
    county = {a.id: a.organisation.county_code for a in apps}
    pairs = active_pairs(rnd)
    assert all(region[r][:6] != county[a] for a, r in pairs)
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "assignment.auto")
        )
        == 1
    )


def test_seed_determinism_and_keeping_existing(client, admin, review_round, make_reviewer):
    rnd, _apps = review_round(10, settings={"reviewers_per_application": 2})
    roster(make_reviewer, 8)
    client.post(AUTO.format(rnd.id), json={"seed": 7}, headers=admin)
    first = active_pairs(rnd)
    again = client.post(AUTO.format(rnd.id), json={"seed": 7}, headers=admin).get_json()
    assert again["pairs_made"] == 0 and again["kept"] == 20 and active_pairs(rnd) == first
    # wipe and redo with the same seed: the same pairs
    db.session.execute(Assignment.__table__.delete())
    db.session.commit()
    client.post(AUTO.format(rnd.id), json={"seed": 7}, headers=admin)
    assert active_pairs(rnd) == first


def test_auto_fills_only_the_gap(client, admin, review_round, make_reviewer):
    rnd, apps = review_round(4, settings={"reviewers_per_application": 3})
    roster(make_reviewer, 9)
    client.post(AUTO.format(rnd.id), json={}, headers=admin)
    row = db.session.scalars(select(Assignment).where(Assignment.application_id == apps[0].id)).first()
    removed = client.post(f"/api/v1/assignments/{row.id}/remove", json={"reason": "unwell"}, headers=admin)
    assert removed.status_code == 200 and removed.get_json()["status"] == "removed"
    report = client.post(AUTO.format(rnd.id), json={"seed": 3}, headers=admin).get_json()
    assert report["pairs_made"] == 1 and report["kept"] == 11
    panel = [r for a, r in active_pairs(rnd) if a == apps[0].id]
    assert len(panel) == 3 and row.reviewer_id not in panel


def test_phase_lock_and_roles(client, admin, make_round, review_round, make_reviewer, make_user):
    rnd = make_round("open")
    assert client.post(AUTO.format(rnd.id), json={}, headers=admin).status_code == 409
    _, reviewer = make_reviewer()
    rnd2, _ = review_round(2)
    assert client.post(AUTO.format(rnd2.id), json={}, headers=reviewer).status_code == 403
    assert client.post(AUTO.format(rnd2.id), json={}).status_code == 401
    assert client.post(AUTO.format(99999), json={}, headers=admin).status_code == 404
    bad = client.post(AUTO.format(rnd2.id), json={"seed": -1, "kind": "x"}, headers=admin)
    assert bad.status_code == 422 and {"seed", "kind"} <= set(bad.get_json()["errors"]["json"])
    assert client.post(AUTO.format(rnd2.id), json={"kind": "on_site"}, headers=admin).status_code == 422


def test_uncoverable_reasons(client, admin, review_round, make_reviewer):
    rnd, _apps = review_round(3, counties=["510104"], settings={"reviewers_per_application": 2})
    make_reviewer(region="510104")
    make_reviewer(region="510107")
    report = client.post(AUTO.format(rnd.id), json={}, headers=admin).get_json()
    assert report["status"] == "infeasible" and len(report["uncovered"]) == 3
    assert "1 are from the same county" in report["uncovered"][0]["reason"]
    assert report["uncovered"][0]["candidates"] == 1


def test_manual_add_with_and_without_override(client, admin, review_round, make_reviewer):
    rnd, apps = review_round(1, counties=["510104"])
    near, _ = make_reviewer(region="510104001")
    far, _ = make_reviewer(region="510302", affiliation=apps[0].organisation.name)
    ok, _ = make_reviewer(region="510302")
    url = f"/api/v1/rounds/{rnd.id}/assignments"
    res = client.post(url, json={"application_id": apps[0].id, "reviewer_id": near.id}, headers=admin)
    assert res.status_code == 409 and "same region" in res.get_json()["errors"]["reviewer_id"][0]
    res = client.post(url, json={"application_id": apps[0].id, "reviewer_id": far.id}, headers=admin)
    assert res.status_code == 409 and "affiliation" in res.get_json()["errors"]["reviewer_id"][0]
    res = client.post(
        url,
        json={"application_id": apps[0].id, "reviewer_id": near.id, "override_reason": "only specialist"},
        headers=admin,
    )
    assert res.status_code == 201 and res.get_json()["override_reason"] == "only specialist"
    res = client.post(url, json={"application_id": apps[0].id, "reviewer_id": ok.id}, headers=admin)
    assert res.status_code == 201 and res.get_json()["override_reason"] is None
    again = client.post(url, json={"application_id": apps[0].id, "reviewer_id": ok.id}, headers=admin)
    assert again.status_code == 409
    listed = client.get(url + f"?application_id={apps[0].id}", headers=admin)
    assert listed.status_code == 200 and len(listed.get_json()) == 2, listed.get_json()
    bad = client.post(url, json={"application_id": apps[0].id, "reviewer_id": admin and 99999}, headers=admin)
    assert bad.status_code == 404


def test_remove_needs_reason(client, admin, review_round, make_reviewer):
    rnd, _apps = review_round(1)
    make_reviewer(region="510302")
    client.post(AUTO.format(rnd.id), json={"reviewers_per_application": 1}, headers=admin)
    row = db.session.scalars(select(Assignment)).one()
    assert (
        client.post(f"/api/v1/assignments/{row.id}/remove", json={"reason": " "}, headers=admin).status_code
        == 422
    )
    assert (
        client.post(f"/api/v1/assignments/{row.id}/remove", json={"reason": "x"}, headers=admin).status_code
        == 200
    )
    assert (
        client.post(f"/api/v1/assignments/{row.id}/remove", json={"reason": "x"}, headers=admin).status_code
        == 409
    )


def test_recusal_and_reassignment(client, admin, review_round, make_reviewer):
    rnd, _apps = review_round(1, counties=["510104"], settings={"reviewers_per_application": 1})
    first, h1 = make_reviewer(region="510302")
    second, _ = make_reviewer(region="510603")
    _third, h3 = make_reviewer(region="510104")  # same county: never the replacement
    client.post(AUTO.format(rnd.id), json={"seed": 0}, headers=admin)
    row = db.session.scalars(select(Assignment)).one()
    owner = h1 if row.reviewer_id == first.id else None
    other = second if row.reviewer_id == first.id else first
    if owner is None:  # the solver chose the second reviewer: recuse as them
        from evaluator.web.security import issue_token

        token, _ = issue_token(second)
        db.session.commit()
        owner = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/assignments/{row.id}/recuse"
    assert client.post(url, json={"reason": "x"}, headers=h3).status_code == 404  # not theirs: not found
    assert client.post(url, json={}, headers=owner).status_code == 422
    res = client.post(url, json={"reason": "I know them"}, headers=owner)
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    # The recusing reviewer learns that a replacement was found, never who it is.
    assert body["assignment"]["status"] == "recused" and "reviewer_id" not in body["replacement"]
    assert db.session.get(Assignment, body["replacement"]["id"]).reviewer_id == other.id
    # the replacement recuses too: nobody is left
    from evaluator.web.security import issue_token

    token, _ = issue_token(other)
    db.session.commit()
    res = client.post(
        f"/api/v1/assignments/{body['replacement']['id']}/recuse",
        json={"reason": "also"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert (
        res.get_json()["replacement"] is None
        and "No reviewer is available" in res.get_json()["no_replacement_reason"]
    )
    mine = client.get("/api/v1/assignments?mine=1", headers=owner)
    assert mine.status_code == 200 and mine.get_json() == []


def test_declared_conflicts_bind_once_the_office_accepts_them(client, admin, review_round, make_reviewer):
    rnd, apps = review_round(1, counties=["510104"], settings={"reviewers_per_application": 1})
    _a, ha = make_reviewer(region="510302")
    b, _ = make_reviewer(region="510603")
    url = f"/api/v1/rounds/{rnd.id}/conflicts"
    name = apps[0].organisation.name
    assert client.post(url, json={"organisation": name, "reason": ""}, headers=ha).status_code == 422
    assert (
        client.post(url, json={"organisation": name, "reason": "my cousin"}, headers=admin).status_code == 403
    )
    res = client.post(url, json={"organisation": name, "reason": "my cousin"}, headers=ha)
    assert res.status_code == 201 and res.get_json()["status"] == "pending"
    again = client.post(url, json={"organisation": f"  {name} ", "reason": "again"}, headers=ha)
    assert again.status_code == 201 and again.get_json()["id"] == res.get_json()["id"]
    assert db.session.scalar(select(func.count()).select_from(ConflictDeclaration)) == 1
    decided = client.post(
        f"/api/v1/conflicts/{res.get_json()['id']}/decision",
        json={"decision": "accepted", "reason": "亲属关系属实"},
        headers={**admin, "If-Match": res.headers["ETag"]},
    )
    assert decided.status_code == 200 and decided.get_json()["status"] == "accepted", decided.get_json()
    client.post(AUTO.format(rnd.id), json={}, headers=admin)
    assert [r for _, r in active_pairs(rnd)] == [b.id]


def test_expertise(client, admin, review_round, make_reviewer):
    review_round(1)
    rev, h = make_reviewer()
    _other, h2 = make_reviewer()
    url = f"/api/v1/users/{rev.id}/expertise"
    res = client.put(url, json={"expertise": ["basics", "quality"]}, headers=h)
    assert res.status_code == 200 and res.get_json()["expertise"] == ["basics", "quality"]
    assert client.put(url, json={"expertise": ["nope"]}, headers=h).status_code == 422
    assert client.put(url, json={"expertise": []}, headers=h2).status_code == 404  # another reviewer
    assert client.put(url, json={"affiliation": "四川大学"}, headers=h).status_code == 403
    res = client.put(url, json={"affiliation": "四川大学"}, headers=admin)
    assert res.status_code == 200 and res.get_json()["affiliation"] == "四川大学"
    assert client.get(url, headers=h).get_json()["expertise"] == ["basics", "quality"]


def test_on_site_group(client, admin, review_round, make_reviewer):
    rnd, _apps = review_round(
        3, settings={"on_site_group": True, "inspectors_per_application": 2, "reviewers_per_application": 2}
    )
    roster(make_reviewer, 8)
    assert client.post(AUTO.format(rnd.id), json={}, headers=admin).get_json()["pairs_made"] == 6
    res = client.post(AUTO.format(rnd.id), json={"kind": "on_site"}, headers=admin).get_json()
    assert res["pairs_made"] == 6 and len(active_pairs(rnd, "on_site")) == 6
    listed = client.get(f"/api/v1/rounds/{rnd.id}/assignments?kind=on_site&page_size=2", headers=admin)
    assert len(listed.get_json()) == 2 and "X-Pagination" in listed.headers


def test_no_reviewers_and_no_applications(client, admin, review_round, make_round):
    rnd, _ = review_round(2)
    report = client.post(AUTO.format(rnd.id), json={}, headers=admin).get_json()
    assert report["status"] == "infeasible" and len(report["uncovered"]) == 2 and report["pairs_made"] == 0
    empty = make_round("review")
    report = client.post(AUTO.format(empty.id), json={}, headers=admin).get_json()
    assert report["status"] == "complete" and report["applications"] == 0


def test_one_roster_and_one_load_for_the_run_the_pages_and_the_manual_add(
    client, admin, review_round, make_reviewer
):
    from evaluator.assignments import conflicts, service

    rnd, _ = review_round(4, settings={"reviewers_per_application": 2})
    b, a, gone = (make_reviewer(region="513401")[0] for _ in range(3))
    b.display_name, a.display_name, gone.display_name, gone.active = "Beta", "Alpha", "Gamma", False
    db.session.commit()
    # The active reviewers by name (the pages' choice), by id (the solver's roster), counted (the cap).
    assert [u.id for u in service.active_reviewers()] == sorted([a.id, b.id], key=lambda i: i != a.id)
    assert service.load_roster(rnd).ids == sorted([a.id, b.id])
    assert conflicts.round_cap(rnd, "materials") == 5  # ceil(4 applications × 2 / 2 reviewers) + 1
    assert client.post(AUTO.format(rnd.id), json={"seed": 1}, headers=admin).status_code == 200
    # One load: the run's report, the pages, the manual add's cap check.
    assert service.reviewer_loads(rnd, "materials") == {a.id: 4, b.id: 4}
    assert service.reviewer_loads(rnd, "on_site") == {}
    assert service.reviewer_loads(rnd, "materials", b.id) == {b.id: 4}
    assert conflicts.active_load(rnd, b.id, "materials") == 4
    assert conflicts.active_load(rnd, gone.id, "materials") == 0
    assert service.coverage_report(rnd, "materials", 2)["loads"] == {"min": 4, "max": 4, "mean": 4.0}
