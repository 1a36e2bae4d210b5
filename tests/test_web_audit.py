"""The audit-log page: filters, the chain's verdict (BROKEN after a tampered event), the anchor."""

from __future__ import annotations

import pytest
from sqlalchemy import JSON, bindparam, select, text

from evaluator.audit import service as audit
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from tests.pages import post


@pytest.fixture
def office(page_client, make_org):
    c = page_client("admin")
    for name in ("甲社区", "乙社区"):
        org = make_org(name=name)
        audit.record(c.user, "organisation.created", "organisation", org.id, {"name": name})
    db.session.commit()
    return c


def test_the_log_shows_events_newest_first_with_the_intact_verdict(office):
    res = office.get("/office/audit")
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    report = audit.verify_chain()
    assert f"The audit log is intact: {report.events} events, head hash {report.head_hash}." in html
    assert 'class="notice success"' in html
    assert html.index("乙社区") < html.index("甲社区")  # newest first
    assert "Organisation registered" in html and "Signed in" in html
    head = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert f'title="{head.hash}">{head.hash[:12]}…' in html
    assert office.user.display_name in html


def test_filters_narrow_the_log(office):
    html = office.get("/office/audit?action=organisation.created").get_data(as_text=True)
    assert "甲社区" in html and "乙社区" in html and "Signed in</td>" not in html
    first = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "organisation.created").order_by(AuditEvent.id)
    )
    html = office.get(f"/office/audit?object_type=organisation&object_id={first.object_id}").get_data(
        as_text=True
    )
    assert "甲社区" in html and "乙社区" not in html
    html = office.get(f"/office/audit?actor={office.user.username}&since=2000-01-01").get_data(as_text=True)
    assert "甲社区" in html
    html = office.get("/office/audit?until=2001-01-01").get_data(as_text=True)
    assert "No event matches these filters." in html
    res = office.get("/office/audit?since=yesterday&actor=nobody.here")
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert "Give a date such as 2026-03-01." in html and "No account has this username." in html


def test_a_tampered_event_shows_the_log_broken_in_red(office):
    first = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "organisation.created").order_by(AuditEvent.id)
    )
    db.session.execute(
        text("UPDATE audit_event SET summary = :s WHERE id = :id").bindparams(bindparam("s", type_=JSON)),
        {"s": {"name": "假社区"}, "id": first.id},
    )
    db.session.commit()
    html = office.get("/office/audit").get_data(as_text=True)
    assert f"The audit log is BROKEN at event {first.id}: content changed after it was written" in html
    assert 'class="notice error"' in html


def test_an_anchor_is_checked(office):
    report = audit.verify_chain()
    res = office.get(f"/office/audit?anchor_id={report.head_id}&anchor_hash={report.head_hash}")
    assert "The audit log is intact" in res.get_data(as_text=True)
    res = office.get(f"/office/audit?anchor_id={report.head_id}&anchor_hash={'0' * 64}")
    assert "The audit log is BROKEN" in res.get_data(as_text=True)
    res = office.get("/office/audit?anchor_id=x&anchor_hash=short")
    assert res.status_code == 422 and "Must be 64 hexadecimal digits." in res.get_data(as_text=True)


@pytest.mark.parametrize("role", ["reviewer", "applicant"])
def test_only_the_office_reads_the_log(page_client, client, role):
    assert page_client(role).get("/office/audit").status_code == 403
    res = client.get("/office/audit")
    assert res.status_code == 302 and res.location.startswith("/sign-in")


def test_the_log_page_is_read_only(office):
    assert post(office, "/office/audit").status_code == 405
