"""Shortlists through the API: draft, adjust, publish, the notice, corrections, recognition."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from evaluator.applications.models import Application
from evaluator.extensions import db
from evaluator.rounds.models import Round
from evaluator.shortlists.models import Shortlist


def _draft(client, headers, round_id, **body):
    res = client.post(f"/api/v1/rounds/{round_id}/shortlists", headers=headers, json=body)
    assert res.status_code == 201, res.json
    return res.json


def test_draft_adjust_publish_and_the_statuses(client, make_closed_round):
    sr, _admin, headers = make_closed_round(n_apps=8)
    draft = _draft(client, headers, sr.rnd.id, cohort_quota={"kind": "number", "value": 3})
    assert draft["state"] == "draft" and draft["number"] == 1
    assert sum(e["selected"] for e in draft["entries"]) == 3
    assert all(e["why"] for e in draft["entries"])
    out = next(e for e in draft["entries"] if not e["selected"] and e["cohort_rank"])
    res = client.post(
        f"/api/v1/shortlists/{draft['id']}/adjustments",
        headers=headers,
        json={"application_id": out["application_id"], "selected": True, "reason": "实地核查后补充"},
    )
    assert res.status_code == 200, res.json
    assert sum(e["selected"] for e in res.json["entries"]) == 4
    published = client.post(f"/api/v1/shortlists/{draft['id']}/publish", headers=headers)
    assert published.status_code == 200, published.json
    body = published.json
    assert body["state"] == "published" and len(body["sha256"]) == 64 and body["verified"] is True
    assert body["notice"] == "open" and body["notice_ends"]
    assert db.session.get(Round, sr.rnd.id).phase == "notice"
    statuses = db.session.scalars(select(Application.status).where(Application.round_id == sr.rnd.id)).all()
    assert statuses.count("shortlisted") == 4 and statuses.count("not_shortlisted") == 4
    # Published: nothing changes any more.
    again = client.post(
        f"/api/v1/shortlists/{draft['id']}/adjustments",
        headers=headers,
        json={"application_id": out["application_id"], "selected": False, "reason": "再改"},
    )
    assert again.status_code == 409
    assert client.post(f"/api/v1/shortlists/{draft['id']}/publish", headers=headers).status_code == 409
    assert client.post(f"/api/v1/rounds/{sr.rnd.id}/shortlists", headers=headers, json={}).status_code == 409


def test_public_json_and_a_direct_database_edit_is_caught(client, make_closed_round):
    sr, _admin, headers = make_closed_round(n_apps=6)
    draft = _draft(client, headers, sr.rnd.id, cohort_quota={"kind": "number", "value": 2})
    # A draft is never public.
    assert client.get(f"/api/v1/public/shortlists/{draft['id']}").status_code == 404
    client.post(f"/api/v1/shortlists/{draft['id']}/publish", headers=headers)
    anonymous = client.get(f"/api/v1/public/shortlists/{draft['id']}")
    assert anonymous.status_code == 200 and anonymous.json["verified"] is True
    tag = anonymous.headers["ETag"]
    assert len(anonymous.json["content"]["entries"]) == 2
    again = client.get(f"/api/v1/public/shortlists/{draft['id']}", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.headers["ETag"] == tag
    stored = db.session.execute(select(Shortlist.content).where(Shortlist.id == draft["id"])).scalar_one()
    db.session.execute(
        text("UPDATE shortlist SET content = :c WHERE id = :i"),
        {
            "c": stored.replace('"no":1', '"no":1 ', 1).replace('"no":1 ', '"no":1', 1)[:-2] + "]}",
            "i": draft["id"],
        },
    )
    db.session.commit()
    edited = db.session.execute(select(Shortlist.content).where(Shortlist.id == draft["id"])).scalar_one()
    assert edited != stored
    res = client.get(f"/api/v1/public/shortlists/{draft['id']}")
    assert res.status_code == 200 and res.json["verified"] is False
    office = client.get(f"/api/v1/shortlists/{draft['id']}", headers=headers)
    assert office.json["tampered"] is True


def test_recognition_after_the_notice(client, make_closed_round, monkeypatch):
    sr, _admin, headers = make_closed_round(n_apps=5)
    draft = _draft(client, headers, sr.rnd.id)
    client.post(f"/api/v1/shortlists/{draft['id']}/publish", headers=headers)
    early = client.post(f"/api/v1/rounds/{sr.rnd.id}/recognition", headers=headers)
    assert early.status_code == 409
    row = db.session.get(Shortlist, draft["id"])
    db.session.execute(
        text("UPDATE shortlist SET notice_ends = :d WHERE id = :i"),
        {"d": row.notice_ends - timedelta(days=30), "i": row.id},
    )
    db.session.commit()
    res = client.post(f"/api/v1/rounds/{sr.rnd.id}/recognition", headers=headers)
    assert res.status_code == 201, res.json
    assert res.json["kind"] == "recognition" and res.json["verified"] is True
    assert db.session.get(Round, sr.rnd.id).phase == "final"
    statuses = set(db.session.scalars(select(Application.status).where(Application.round_id == sr.rnd.id)))
    assert statuses <= {"recognised", "rejected"} and "recognised" in statuses
