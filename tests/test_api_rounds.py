"""Rounds through the API: created by admins with the criteria frozen in, moved forward only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.rounds.models import Round


def test_login_issues_a_token_that_works(client, make_user):
    user, _ = make_user("admin")
    res = client.post(
        "/api/v1/auth/token", json={"username": user.username, "password": "correct horse battery"}
    )
    assert res.status_code == 201, res.json
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {res.json['token']}"})
    assert me.status_code == 200 and me.json["username"] == user.username
    bad = client.post("/api/v1/auth/token", json={"username": user.username, "password": "nope"})
    assert bad.status_code == 401 and bad.json["code"] == 401 and bad.json["status"] == "Unauthorized"


def test_admin_creates_a_round_with_frozen_criteria(client, make_user):
    _, admin = make_user("admin")
    res = client.post(
        "/api/v1/rounds", headers=admin, json={"title": "2026年特色社区", "criteria_id": "fc-2026"}
    )
    assert res.status_code == 201, res.json
    body = res.json
    assert body["phase"] == "draft" and body["zone_type"] == "featured_community"
    rnd = db.session.get(Round, body["id"])
    assert rnd.criteria_content["id"] == "fc-2026" and len(rnd.criteria_sha256) == 64
    assert db.session.query(AuditEvent).filter_by(action="round.created").count() == 1


def test_only_admins_create_rounds_and_unknown_criteria_are_refused(client, make_user):
    _, applicant = make_user("applicant")
    _, admin = make_user("admin")
    assert (
        client.post(
            "/api/v1/rounds", headers=applicant, json={"title": "x轮", "criteria_id": "fc-2026"}
        ).status_code
        == 403
    )
    assert client.post("/api/v1/rounds", json={"title": "x轮", "criteria_id": "fc-2026"}).status_code == 401
    res = client.post("/api/v1/rounds", headers=admin, json={"title": "x轮", "criteria_id": "nope"})
    assert res.status_code == 422 and "criteria_id" in res.json["errors"]


def test_transitions_go_forward_only_and_respect_deadlines(client, make_user):
    _, admin = make_user("admin")
    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    rid = client.post(
        "/api/v1/rounds",
        headers=admin,
        json={"title": "2026年街道", "criteria_id": "ssz-2026", "submission_deadline": later},
    ).json["id"]
    go = lambda to: client.post(f"/api/v1/rounds/{rid}/transition", headers=admin, json={"to": to})
    assert go("review").status_code == 409  # skips open
    assert go("open").status_code == 200
    res = go("review")
    assert res.status_code == 409 and "submission deadline" in res.json["message"]
    assert go("draft").status_code == 409  # backwards
    assert db.session.get(Round, rid).phase == "open"


def test_unknown_paths_and_methods_use_the_envelope(client):
    res = client.get("/api/v1/nothing-here")
    assert res.status_code == 404 and res.json == {"code": 404, "status": "Not Found"}
    res = client.delete("/api/v1/rounds")
    assert res.status_code == 405 and res.json["code"] == 405


def test_openapi_document_is_served(client):
    res = client.get("/api/v1/openapi.json")
    assert res.status_code == 200
    assert "/api/v1/rounds" in res.json["paths"]


def test_patch_changes_a_draft_round_with_if_match_and_audits_it(client, make_user):
    _, admin = make_user("admin")
    rid = client.post(
        "/api/v1/rounds", headers=admin, json={"title": "2026年特色社区", "criteria_id": "fc-2026"}
    ).json["id"]
    etag = client.get(f"/api/v1/rounds/{rid}", headers=admin).headers["ETag"]
    res = client.patch(
        f"/api/v1/rounds/{rid}",
        headers={**admin, "If-Match": etag},
        json={
            "title": "2026年特色社区（修订）",
            "submission_deadline": "2026-05-31T10:00:00+00:00",
            "notice_days": 10,
        },
    )
    assert res.status_code == 200, res.json
    assert res.json["title"] == "2026年特色社区（修订）" and res.json["notice_days"] == 10
    assert res.headers["ETag"] != etag
    event = db.session.query(AuditEvent).filter_by(action="round.updated").one()
    assert event.summary["changed"]["notice_days"] == {"before": 7, "after": 10}
    stale = client.patch(
        f"/api/v1/rounds/{rid}", headers={**admin, "If-Match": etag}, json={"notice_days": 3}
    )
    assert stale.status_code == 412 and "If-Match" in stale.json["errors"]
    res = client.patch(f"/api/v1/rounds/{rid}", headers=admin, json={"criteria_id": "ssz-2026"})
    assert res.status_code == 200 and res.json["zone_type"] == "subdistrict_service_zone"
    assert db.session.get(Round, rid).notice_days == 10


def test_patch_refuses_bad_dates_other_roles_and_rounds_no_longer_in_preparation(client, make_user):
    _, admin = make_user("admin")
    _, applicant = make_user("applicant")
    rid = client.post(
        "/api/v1/rounds",
        headers=admin,
        json={
            "title": "2026年街道",
            "criteria_id": "ssz-2026",
            "submission_deadline": "2026-05-31T10:00:00+00:00",
        },
    ).json["id"]
    res = client.patch(
        f"/api/v1/rounds/{rid}", headers=admin, json={"review_deadline": "2026-05-01T10:00:00+00:00"}
    )
    assert res.status_code == 422 and "review_deadline" in res.json["errors"]
    both = client.patch(
        f"/api/v1/rounds/{rid}", headers=admin, json={"criteria_id": "fc-2026", "criteria_yaml": "id: x\n"}
    )
    assert both.status_code == 422
    assert client.patch(f"/api/v1/rounds/{rid}", headers=applicant, json={"title": "改名"}).status_code == 403
    assert client.patch(f"/api/v1/rounds/{rid}", json={"title": "改名"}).status_code == 401
    opened = client.post(f"/api/v1/rounds/{rid}/transition", headers=admin, json={"to": "open"})
    assert opened.status_code == 200
    res = client.patch(f"/api/v1/rounds/{rid}", headers=admin, json={"title": "开放后改名"})
    assert res.status_code == 409 and "only a round in preparation" in res.json["message"]
    assert db.session.get(Round, rid).title == "2026年街道"
    assert not db.session.query(AuditEvent).filter_by(action="round.updated").count()
