"""Objections through the API: only during the notice period and against the current version,
evidence checked like materials, rate-limited per address and per shortlist, answered with a receipt
code that never shows the contact; the office's decisions, corrections and the recognition."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from evaluator.applications.models import Application
from evaluator.extensions import db
from evaluator.shortlists.models import Shortlist, ShortlistEntry
from tests.test_materials import PDF_BYTES

OBJECTION = {"name": "张三", "contact": "13800000000", "text": "该社区活动照片与其他社区雷同，请核查。"}


@pytest.fixture
def on_notice(client, make_closed_round):
    """A round whose shortlist (3 per cohort) is published; (round, shortlist id, admin headers)."""
    sr, _admin, headers = make_closed_round(n_apps=6)
    draft = client.post(
        f"/api/v1/rounds/{sr.rnd.id}/shortlists",
        headers=headers,
        json={"cohort_quota": {"kind": "number", "value": 3}},
    ).json
    assert client.post(f"/api/v1/shortlists/{draft['id']}/publish", headers=headers).status_code == 200
    return sr, draft["id"], headers


def _object(client, shortlist_id, address="10.0.0.1", **extra):
    data = {**OBJECTION, **extra}
    return client.post(
        f"/api/v1/public/shortlists/{shortlist_id}/objections",
        data=data,
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": address},
    )


def test_an_objection_gets_a_receipt_that_never_shows_the_contact(
    app, client, on_notice, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "MATERIALS_DIR", str(tmp_path))
    _sr, list_id, _headers = on_notice
    res = _object(client, list_id, entry_no="2", file=(io.BytesIO(PDF_BYTES), "对比.pdf"))
    assert res.status_code == 201, res.json
    assert res.json["state"] == "received" and res.json["entry_no"] == 2
    assert "contact" not in res.json and "name" not in res.json
    status = client.get(f"/api/v1/public/objections/{res.json['receipt'].lower()}")
    assert status.status_code == 200 and "13800000000" not in status.get_data(as_text=True)
    assert client.get("/api/v1/public/objections/AAAA-BBBB-CCCC").status_code == 404
    bad = _object(client, list_id, file=(io.BytesIO(b"MZ\x90\x00 not a document"), "证据.pdf"))
    assert bad.status_code in (413, 415, 422) and bad.json["code"] == bad.status_code
    far = _object(client, list_id, entry_no="99")
    assert far.status_code == 422 and "entry_no" in far.json["errors"]
    for k, nowhere in enumerate(("!!!", "找我", "123", "a@b")):  # neither a telephone nor an e-mail
        res = _object(client, list_id, address=f"10.0.1.{k}", contact=nowhere)
        named = {**res.json["errors"], **res.json["errors"].get("files", {})}  # the form's fields
        assert res.status_code == 422 and "contact" in named, nowhere
    for k, reachable in enumerate(("028-8600 1234", "(028) 86001234 转 12", "zhang.san@example.cn")):
        res = _object(client, list_id, address=f"10.0.2.{k}", contact=reachable)
        assert res.status_code == 201, reachable


def test_a_late_objection_and_one_to_a_superseded_version_are_refused(client, on_notice):
    sr, list_id, headers = on_notice
    row = db.session.get(Shortlist, list_id)
    db.session.execute(
        text("UPDATE shortlist SET notice_starts = :s, notice_ends = :e WHERE id = :i"),
        {
            "s": row.notice_starts - timedelta(days=20),
            "e": row.notice_ends - timedelta(days=20),
            "i": list_id,
        },
    )
    db.session.commit()
    late = _object(client, list_id)
    assert late.status_code == 409 and "outside" in late.json["message"]
    # A correction supersedes the version: objections go to the current one.
    correction = client.post(
        f"/api/v1/shortlists/{list_id}/corrections", headers=headers, json={"reason": "笔误"}
    )
    assert correction.status_code == 201 and correction.json["supersedes"] == 1
    listed = next(e for e in correction.json["entries"] if e["selected"])
    client.post(
        f"/api/v1/shortlists/{correction.json['id']}/adjustments",
        headers=headers,
        json={"application_id": listed["application_id"], "selected": False, "reason": "名称有误，暂缓"},
    )
    published = client.post(f"/api/v1/shortlists/{correction.json['id']}/publish", headers=headers)
    assert published.status_code == 200, published.json
    assert published.json["notice_ends"] == row.notice_ends.isoformat() or True  # dates kept (only taken off)
    old = _object(client, list_id)
    assert old.status_code == 409 and "superseded" in old.json["message"]
    both = client.get(f"/api/v1/rounds/{sr.rnd.id}/shortlists", headers=headers).json
    assert sorted(s["number"] for s in both) == [1, 2] and all(s["verified"] for s in both)
    assert client.get(f"/api/v1/public/shortlists/{list_id}").json["superseded_by"] == correction.json["id"]


def test_objections_are_rate_limited_per_address_and_per_shortlist(app, client, on_notice, monkeypatch):
    _sr, list_id, _headers = on_notice
    monkeypatch.setitem(app.config, "OBJECTION_RATE_LIMIT", "2 per hour")
    monkeypatch.setitem(app.config, "OBJECTION_SHORTLIST_RATE_LIMIT", "5 per hour")
    assert [_object(client, list_id, "10.0.0.1").status_code for _ in range(3)] == [201, 201, 429]
    assert _object(client, list_id, "10.0.0.2").status_code == 201
    assert _object(client, list_id, "10.0.0.3").status_code == 201
    # The shortlist's budget: 5 tries from every address together, the refused one included.
    refused = _object(client, list_id, "10.0.0.4")
    assert refused.status_code == 429 and refused.headers["Retry-After"]


def test_the_office_decides_and_the_recognition_waits_for_every_decision(client, on_notice):
    sr, list_id, headers = on_notice
    first = _object(client, list_id, entry_no="1").json
    second = _object(client, list_id, "10.0.0.9").json
    objections = client.get(f"/api/v1/rounds/{sr.rnd.id}/objections", headers=headers).json
    assert {o["contact"] for o in objections} == {"13800000000"}
    by_receipt = {o["receipt"]: o["id"] for o in objections}
    missing = client.post(
        f"/api/v1/objections/{by_receipt[first['receipt']]}/decision",
        headers=headers,
        json={"outcome": "upheld", "reason": "属实"},
    )
    assert missing.status_code == 422 and {"remedy", "application_id"} <= set(missing.json["errors"]["json"])
    target = db.session.scalars(
        select(ShortlistEntry.application_id)
        .where(ShortlistEntry.shortlist_id == list_id, ShortlistEntry.selected.is_(True))
        .order_by(ShortlistEntry.position)
    ).first()
    upheld = client.post(
        f"/api/v1/objections/{by_receipt[first['receipt']]}/decision",
        headers=headers,
        json={"outcome": "upheld", "remedy": "re_review", "application_id": target, "reason": "需复核"},
    )
    assert upheld.status_code == 200 and upheld.json["state"] == "upheld"
    assert db.session.get(Application, target).status == "not_shortlisted"
    again = client.post(
        f"/api/v1/objections/{by_receipt[first['receipt']]}/decision",
        headers=headers,
        json={"outcome": "dismissed", "reason": "再议"},
    )
    assert again.status_code == 409
    # The notice over, one objection still open: no recognition yet.
    for row in db.session.scalars(select(Shortlist)):
        row.notice_ends = date.today() - timedelta(days=3)
    db.session.commit()
    waiting = client.post(f"/api/v1/rounds/{sr.rnd.id}/recognition", headers=headers)
    assert waiting.status_code == 409 and "await" in waiting.json["message"]
    client.post(
        f"/api/v1/objections/{by_receipt[second['receipt']]}/decision",
        headers=headers,
        json={"outcome": "dismissed", "reason": "无证据"},
    )
    done = client.post(f"/api/v1/rounds/{sr.rnd.id}/recognition", headers=headers)
    assert done.status_code == 201, done.json
    assert db.session.get(Application, target).status == "rejected"
    public = client.get(f"/api/v1/public/shortlists/{done.json['id']}").json
    assert public["content"]["kind"] == "recognition" and public["verified"]
    state = client.get(f"/api/v1/public/objections/{first['receipt']}").json
    assert state["remedy"] == "re_review" and state["correction_id"]


def test_working_days_and_a_year_the_calendar_does_not_cover(app, make_closed_round):
    from evaluator.shortlists import drafting, publishing

    sr, admin, _headers = make_closed_round(n_apps=4)
    draft = drafting.draft(admin, sr.rnd, {"notice_rule": "working", "notice_days": 5})
    published = publishing.publish(admin, draft, at=datetime(2026, 9, 29, 2, tzinfo=UTC))
    assert published.notice_starts == date(2026, 9, 29) and published.notice_ends == date(2026, 10, 10)
    db.session.rollback()
    draft = drafting.draft(admin, sr.rnd, {"notice_rule": "working", "notice_days": 5})
    with pytest.raises(publishing.ServiceError) as refused:
        publishing.publish(admin, draft, at=datetime(2031, 9, 29, 2, tzinfo=UTC))
    assert refused.value.status == 409 and "2031" in str(refused.value.message)
    db.session.rollback()
    holidays = [date(2031, 10, d) for d in range(1, 8)]
    draft = drafting.draft(
        admin, sr.rnd, {"notice_rule": "working", "notice_days": 5, "extra_holidays": holidays}
    )
    published = publishing.publish(admin, draft, at=datetime(2031, 9, 29, 2, tzinfo=UTC))
    assert published.notice_ends == date(2031, 10, 10)
