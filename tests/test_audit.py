"""The audit log: listing and filters, and the hash chain noticing edits and deletions made directly
in the database (through the service, the API and the command line)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import JSON, bindparam, select, text

from evaluator.audit.models import AuditEvent
from evaluator.audit.service import GENESIS, event_hash, verify_chain
from evaluator.extensions import db


@pytest.fixture
def chain(client, make_user):
    """Six events written through the API by an admin; returns (admin headers, ids oldest first)."""
    _, headers = make_user("admin")
    for k in range(5):
        res = client.post(
            "/api/v1/organisations",
            headers=headers,
            json={
                "name": f"审计测试社区{k}",
                "kind": "subdistrict",
                "city": "成都市",
                "city_code": "510100",
                "county": "武侯区",
                "county_code": "510107",
                "subdistrict": "玉林街道",
                "subdistrict_code": f"51010700{k + 1}",
            },
        )
        assert res.status_code == 201, res.json
    res = client.post(
        "/api/v1/users",
        headers=headers,
        json={
            "username": "expert01",
            "password": "a long enough password",
            "display_name": "专家一",
            "role": "reviewer",
            "affiliation": "四川大学",
            "home_region_code": "510107",
        },
    )
    assert res.status_code == 201, res.json
    ids = list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))
    assert len(ids) == 6
    return headers, ids


def _verify_everywhere(client, runner, headers) -> dict:
    """The chain report from the API, checked against the service and the command."""
    res = client.get("/api/v1/audit/verify", headers=headers)
    assert res.status_code == 200, res.json
    report = res.json
    service = verify_chain()
    assert (service.ok, service.events, service.broken_at, service.reason) == (
        report["ok"],
        report["events"],
        report["broken_at"],
        report["reason"],
    )
    cli = runner.invoke(args=["audit-verify"])
    if report["ok"]:
        assert cli.exit_code == 0, cli.output
        assert f"intact: {report['events']} events" in cli.output
    else:
        assert cli.exit_code == 1, cli.output
        assert f"BROKEN at event {report['broken_at']}: {report['reason']}" in cli.output
    return report


def _set_summary(event_id: int, summary: dict) -> None:
    db.session.execute(
        text("UPDATE audit_event SET summary = :s WHERE id = :id").bindparams(bindparam("s", type_=JSON)),
        {"s": summary, "id": event_id},
    )
    db.session.commit()


def _row(event_id: int):
    cols = [
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.actor_id,
        AuditEvent.action,
        AuditEvent.object_type,
        AuditEvent.object_id,
        AuditEvent.summary,
        AuditEvent.prev_hash,
        AuditEvent.hash,
    ]
    return db.session.execute(select(*cols).where(AuditEvent.id == event_id)).one()


def _rehash(event_id: int) -> str:
    """Recompute an event's hash from its current content and store it (a careful forger)."""
    row = _row(event_id)
    new = event_hash(row.prev_hash, row)
    db.session.execute(text("UPDATE audit_event SET hash = :h WHERE id = :id"), {"h": new, "id": event_id})
    db.session.commit()
    return new


def test_an_untouched_chain_verifies_everywhere(client, runner, chain):
    headers, ids = chain
    report = _verify_everywhere(client, runner, headers)
    assert report == {
        "ok": True,
        "events": 6,
        "broken_at": None,
        "reason": None,
        "head_id": ids[-1],
        "head_hash": db.session.get(AuditEvent, ids[-1]).hash,
    }
    first = db.session.get(AuditEvent, ids[0])
    assert first.prev_hash == GENESIS
    cli = runner.invoke(args=["audit-verify"])
    assert f"{ids[-1]}:{report['head_hash']}" in cli.output


def test_an_empty_log_is_intact(client, runner, make_user):
    _, headers = make_user("admin")
    assert client.get("/api/v1/audit/verify", headers=headers).json == {
        "ok": True,
        "events": 0,
        "broken_at": None,
        "reason": None,
        "head_id": None,
        "head_hash": None,
    }
    cli = runner.invoke(args=["audit-verify"])
    assert cli.exit_code == 0 and "0 events" in cli.output


def test_an_edited_summary_breaks_the_chain_at_that_event(client, runner, chain):
    headers, ids = chain
    _set_summary(ids[2], {"name": "篡改后的名称"})
    report = _verify_everywhere(client, runner, headers)
    assert report["ok"] is False and report["broken_at"] == ids[2] and report["events"] == 3
    assert report["reason"].startswith("content changed")


@pytest.mark.parametrize(
    "column, value",
    [
        ("action", "organisation.deleted"),
        ("object_id", "999"),
        ("actor_id", None),
        ("at", "2020-01-01 00:00:00"),
    ],
)
def test_any_edited_field_is_noticed(client, runner, chain, column, value):
    headers, ids = chain
    db.session.execute(
        text(f"UPDATE audit_event SET {column} = :v WHERE id = :id"), {"v": value, "id": ids[3]}
    )
    db.session.commit()
    report = _verify_everywhere(client, runner, headers)
    assert (report["ok"], report["broken_at"]) == (False, ids[3])
    assert report["reason"].startswith("content changed")


def test_a_deleted_event_breaks_the_link_of_the_next(client, runner, chain):
    headers, ids = chain
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[2]})
    db.session.commit()
    report = _verify_everywhere(client, runner, headers)
    assert (report["ok"], report["broken_at"]) == (False, ids[3])
    assert report["reason"].startswith("link broken")


def test_deleting_the_first_event_is_noticed(client, runner, chain):
    headers, ids = chain
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[0]})
    db.session.commit()
    report = _verify_everywhere(client, runner, headers)
    assert (report["ok"], report["broken_at"]) == (False, ids[1])
    assert report["reason"].startswith("link broken")


def test_a_rehashed_edit_breaks_the_following_event(client, runner, chain):
    headers, ids = chain
    _set_summary(ids[1], {"name": "伪造"})
    _rehash(ids[1])
    report = _verify_everywhere(client, runner, headers)
    assert (report["ok"], report["broken_at"]) == (False, ids[2])
    assert report["reason"].startswith("link broken")


def test_deleting_the_last_event_needs_an_anchor(client, runner, chain):
    """The documented limit: the chain alone cannot see its tail cut off; a head kept outside can."""
    headers, ids = chain
    before = client.get("/api/v1/audit/verify", headers=headers).json
    anchor = f"{before['head_id']}:{before['head_hash']}"
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[-1]})
    db.session.commit()
    report = _verify_everywhere(client, runner, headers)
    assert report["ok"] is True and report["events"] == 5 and report["head_id"] == ids[-2]

    res = client.get(
        "/api/v1/audit/verify",
        headers=headers,
        query_string={"anchor_id": before["head_id"], "anchor_hash": before["head_hash"]},
    )
    assert res.json["ok"] is False and res.json["broken_at"] == ids[-1]
    assert res.json["reason"].startswith("anchor missing")
    cli = runner.invoke(args=["audit-verify", "--anchor", anchor])
    assert cli.exit_code == 1 and f"BROKEN at event {ids[-1]}: anchor missing" in cli.output


def test_a_chain_recomputed_after_an_edit_fails_its_anchor(client, runner, chain):
    """Without a key anyone who can write the table can recompute every hash; an anchor notices."""
    headers, ids = chain
    head = client.get("/api/v1/audit/verify", headers=headers).json
    _set_summary(ids[1], {"name": "伪造"})
    for event_id in ids[1:]:
        prev = _row(event_id - 1).hash if event_id - 1 in ids else GENESIS
        db.session.execute(
            text("UPDATE audit_event SET prev_hash = :p WHERE id = :id"), {"p": prev, "id": event_id}
        )
        _rehash(event_id)
    assert _verify_everywhere(client, runner, headers)["ok"] is True  # fooled without the anchor
    cli = runner.invoke(args=["audit-verify", "--anchor", f"{head['head_id']}:{head['head_hash']}"])
    assert cli.exit_code == 1 and f"BROKEN at event {ids[-1]}: anchor mismatch" in cli.output
    # An anchor taken after the rewrite is of course satisfied.
    now = verify_chain()
    assert verify_chain((now.head_id, now.head_hash)).ok


def test_anchor_arguments_are_checked(client, runner, chain):
    headers, _ = chain
    res = client.get("/api/v1/audit/verify", headers=headers, query_string={"anchor_id": 3})
    assert res.status_code == 422 and "anchor_hash" in res.json["errors"]["query"]
    res = client.get(
        "/api/v1/audit/verify", headers=headers, query_string={"anchor_id": 3, "anchor_hash": "xyz"}
    )
    assert res.status_code == 422 and "anchor_hash" in res.json["errors"]["query"]
    cli = runner.invoke(args=["audit-verify", "--anchor", "12"])
    assert cli.exit_code == 2 and "EVENT_ID:HASH" in cli.output


def test_the_chain_survives_a_database_session_in_another_time_zone(app, chain):
    """PostgreSQL returns timestamptz in the session's zone; the hash is over UTC regardless."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("time zones of the database session are a PostgreSQL matter")
    db.session.execute(text("SET LOCAL TIME ZONE 'Asia/Shanghai'"))
    at = db.session.scalar(select(AuditEvent.at).limit(1))
    assert at.utcoffset().total_seconds() == 8 * 3600
    assert verify_chain().ok
    db.session.rollback()


def test_list_is_newest_first_filtered_and_paginated(client, chain):
    headers, ids = chain
    res = client.get("/api/v1/audit", headers=headers)
    assert res.status_code == 200
    assert [e["id"] for e in res.json] == ids[::-1]
    assert json.loads(res.headers["X-Pagination"])["total"] == 6
    event = res.json[0]
    assert set(event) == {
        "id",
        "at",
        "actor_id",
        "action",
        "object_type",
        "object_id",
        "summary",
        "prev_hash",
        "hash",
    }
    assert event["action"] == "user.created" and event["summary"]["username"] == "expert01"
    assert event["prev_hash"] == res.json[1]["hash"]

    only = client.get("/api/v1/audit", headers=headers, query_string={"action": "organisation.created"})
    assert len(only.json) == 5 and {e["action"] for e in only.json} == {"organisation.created"}
    one = client.get(
        "/api/v1/audit",
        headers=headers,
        query_string={"object_type": "organisation", "object_id": only.json[-1]["object_id"]},
    )
    assert [e["id"] for e in one.json] == [ids[0]]
    actor = only.json[0]["actor_id"]
    assert len(client.get("/api/v1/audit", headers=headers, query_string={"actor_id": actor}).json) == 6
    assert client.get("/api/v1/audit", headers=headers, query_string={"actor_id": actor + 1}).json == []

    page = client.get("/api/v1/audit", headers=headers, query_string={"page": 2, "page_size": 4})
    assert [e["id"] for e in page.json] == ids[::-1][4:]
    meta = json.loads(page.headers["X-Pagination"])
    assert meta["total"] == 6 and meta["total_pages"] == 2 and meta["page"] == 2


def test_list_time_window_understands_time_zones(client, chain):
    headers, ids = chain
    at = client.get("/api/v1/audit", headers=headers).json[-1]["at"]  # oldest, UTC
    from datetime import datetime, timedelta, timezone

    oldest = datetime.fromisoformat(at)
    beijing = (oldest + timedelta(microseconds=1)).astimezone(timezone(timedelta(hours=8)))
    res = client.get("/api/v1/audit", headers=headers, query_string={"since": beijing.isoformat()})
    assert ids[0] not in [e["id"] for e in res.json] and len(res.json) == 5
    res = client.get("/api/v1/audit", headers=headers, query_string={"until": beijing.isoformat()})
    assert [e["id"] for e in res.json] == [ids[0]]


def test_list_refuses_bad_and_unknown_parameters(client, chain):
    headers, _ = chain
    for query, field in [
        ({"actr_id": 1}, "actr_id"),
        ({"actor_id": "x"}, "actor_id"),
        ({"actor_id": "NaN"}, "actor_id"),
        ({"actor_id": 10**30}, "actor_id"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-01-01T00:00:00"}, "since"),
    ]:
        res = client.get("/api/v1/audit", headers=headers, query_string=query)
        assert res.status_code == 422 and field in res.json["errors"]["query"], (query, res.json)
    for query in ({"page": 0}, {"page_size": 501}, {"page": "two"}):
        res = client.get("/api/v1/audit", headers=headers, query_string=query)
        assert res.status_code == 422 and res.json["code"] == 422


@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/audit/verify"])
def test_only_admins_read_the_audit_log(client, make_user, path):
    _, reviewer = make_user("reviewer")
    _, applicant = make_user("applicant")
    assert client.get(path).status_code == 401
    for headers in (reviewer, applicant):
        res = client.get(path, headers=headers)
        assert res.status_code == 403 and res.json == {
            "code": 403,
            "status": "Forbidden",
            "message": "You are not allowed to do this.",
        }


def test_audit_endpoints_are_documented(client):
    doc = client.get("/api/v1/openapi.json").json
    listing = doc["paths"]["/api/v1/audit"]["get"]
    params = {p["name"] for p in listing["parameters"]}
    assert {"action", "object_type", "object_id", "actor_id", "since", "until", "page", "page_size"} <= params
    assert "/api/v1/audit/verify" in doc["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and docs.mimetype == "text/html"


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_events_are_written_in_the_order_recorded_when_their_transaction_commits(app):
    from evaluator.audit import service as audit

    first = audit.record(None, "test.first", "test", 1)
    audit.record(None, "test.second", "test", 2, {"n": 2})
    assert first.id is None and first.hash == ""  # not in the log before the commit
    db.session.commit()
    assert _actions() == ["test.first", "test.second"]
    rows = db.session.execute(
        select(AuditEvent.prev_hash, AuditEvent.hash, AuditEvent.at).order_by(AuditEvent.id)
    ).all()
    assert rows[0].prev_hash == GENESIS and rows[1].prev_hash == rows[0].hash
    assert rows[0].at <= rows[1].at
    assert verify_chain().ok


def test_a_transaction_reads_the_events_it_recorded(app):
    from evaluator.audit import service as audit

    audit.record(None, "test.read", "test", 1)
    assert [e.action for e in db.session.scalars(audit.events_query(object_type="test"))] == ["test.read"]
    report = verify_chain()
    assert report.ok and report.events == 1
    audit.record(None, "test.after", "test", 2)  # chains onto the event already written
    db.session.commit()
    assert _actions() == ["test.read", "test.after"] and verify_chain().ok


def test_a_rollback_drops_the_events_recorded_and_only_those(app):
    from evaluator.audit import service as audit

    audit.record(None, "test.gone", "test", 1)
    db.session.rollback()
    kept = audit.record(None, "test.kept", "test", 2)
    with pytest.raises(RuntimeError), db.session.begin_nested():
        audit.record(None, "test.dropped", "test", 3)
        raise RuntimeError
    with pytest.raises(RuntimeError), db.session.begin_nested():
        audit.record(None, "test.written_then_dropped", "test", 4)
        assert verify_chain().events == 2, _actions()  # the read writes kept and this one
        raise RuntimeError
    with db.session.begin_nested():
        audit.record(None, "test.released", "test", 5)
    audit.record(None, "test.last", "test", 6)
    db.session.commit()
    assert _actions() == ["test.kept", "test.released", "test.last"] and verify_chain().ok
    assert db.session.get(AuditEvent, kept.id).action == "test.kept"


def test_thousands_of_events_of_one_transaction_form_one_chain(app):
    from evaluator.audit import service as audit

    for k in range(2000):
        audit.record(None, "test.batch", "test", k, {"k": k})
    db.session.commit()
    ids = list(db.session.scalars(select(AuditEvent.object_id).order_by(AuditEvent.id)))
    assert ids == [str(k) for k in range(2000)]
    assert verify_chain().ok


def test_the_log_is_locked_only_while_a_transaction_writes_it(app):
    """A transaction that recorded an event does not hold the log's lock until it commits: another
    one may append meanwhile, and the first then chains onto it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite holds the write lock of the whole database for a writing request")
    from evaluator.audit import service as audit

    audit.record(None, "test.waiting", "test", 1)
    with db.engine.connect() as other:
        assert other.scalar(text("SELECT pg_try_advisory_xact_lock(7301)")) is True
        other.rollback()
    with app.app_context():  # another request, with a session of its own
        audit.record(None, "test.overtaking", "test", 2)
        db.session.commit()
    db.session.commit()
    assert _actions() == ["test.overtaking", "test.waiting"] and verify_chain().ok
