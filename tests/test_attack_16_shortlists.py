"""Attacks on the shortlists and the public notice: what a hostile member of the public, a hostile
applicant or a careless clerk can send, and what must come back (a refusal naming the field, never
a server error; nothing stale or forged served as genuine)."""

from __future__ import annotations

from sqlalchemy import select

from evaluator.extensions import db
from evaluator.shortlists.models import Objection, Shortlist
from tests.pages import csrf_token, post, versioned
from tests.test_web_shortlists import _published

ODD_NUMBERS = ("²", "½", "9" * 5000)  # digits to str.isdigit / isnumeric, not to int(); beyond its limit


def _object_by_form(reader, listing, entry_no):
    token = csrf_token(reader, f"/public/shortlists/{listing.id}/objection")
    return reader.post(
        f"/public/shortlists/{listing.id}/objection",
        data={
            "csrf_token": token,
            "name": "张三",
            "contact": "13800000000",
            "entry_no": entry_no,
            "text": "该社区的活动照片与其他社区重复，请核查。",
        },
        content_type="multipart/form-data",
    )


def test_the_public_objection_form_refuses_odd_numbers_by_name(app, page_client, make_closed_round):
    sr, _admin, _headers = make_closed_round(n_apps=6)
    listing = _published(page_client("admin"), sr)
    reader = app.test_client()
    for odd in ODD_NUMBERS:
        res = _object_by_form(reader, listing, odd)
        assert res.status_code == 422, (odd[:5], res.status_code)
        assert 'id="entry_no-error"' in res.get_data(as_text=True) or "entry_no" in res.get_data(as_text=True)
    assert db.session.scalar(select(Objection.id)) is None


def test_the_office_forms_refuse_odd_numbers_by_name(page_client, make_closed_round):
    sr, _admin, _headers = make_closed_round(n_apps=6)
    office = page_client("admin")
    for odd in ODD_NUMBERS:
        for field in ("cap", "notice_days"):
            res = post(office, f"/office/rounds/{sr.rnd.id}/shortlists", {field: odd})
            assert res.status_code == 422, (field, odd[:5], res.status_code)
    assert db.session.scalar(select(Shortlist.id)) is None
    assert post(office, f"/office/rounds/{sr.rnd.id}/shortlists", {}).status_code == 303
    listing = db.session.scalars(select(Shortlist)).one()
    for odd in ODD_NUMBERS:
        res = post(
            office,
            f"/office/shortlists/{listing.id}/adjust",
            versioned(listing, {"application_id": odd, "selected": "true", "reason": "补充"}),
        )
        assert res.status_code == 422, (odd[:5], res.status_code)
    res = post(office, f"/office/shortlists/{listing.id}/publish", versioned(listing, {"confirm": "1"}))
    assert res.status_code == 303
    reader = office.application.test_client()
    assert _object_by_form(reader, listing, "").status_code == 303
    objection = db.session.scalars(select(Objection)).one()
    for odd in ODD_NUMBERS:
        res = post(
            office,
            f"/office/objections/{objection.id}",
            {"outcome": "upheld", "remedy": "remove", "application_id": odd, "reason": "经核查属实"},
        )
        assert res.status_code == 422, (odd[:5], res.status_code)
    db.session.expire_all()
    assert db.session.get(Objection, objection.id).state == "received"


def test_a_list_forged_with_its_hash_and_the_audit_summary_is_caught(client, make_closed_round):
    """Someone with the database rewrites a published list, its stored hash and the hash the audit
    event recorded: the event no longer matches its own chained hash, so the list is not genuine."""
    import json

    from sqlalchemy import text

    from evaluator.audit.models import AuditEvent
    from evaluator.shortlists import content

    sr, _admin, headers = make_closed_round(n_apps=6)
    draft = client.post(f"/api/v1/rounds/{sr.rnd.id}/shortlists", headers=headers, json={}).json
    assert client.post(f"/api/v1/shortlists/{draft['id']}/publish", headers=headers).status_code == 200
    stored = db.session.get(Shortlist, draft["id"])
    data = json.loads(stored.content)
    data["entries"][0]["organisation"] = "冒名顶替社区"
    forged = content.canonical(data)
    digest = content.digest(forged)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "shortlist.published")).one()
    summary = {**event.summary, "sha256": digest}
    db.session.execute(
        text("UPDATE shortlist SET content = :c, sha256 = :h WHERE id = :i"),
        {"c": forged, "h": digest, "i": draft["id"]},
    )
    db.session.execute(
        text("UPDATE audit_event SET summary = :s WHERE id = :i"),
        {"s": json.dumps(summary, ensure_ascii=False), "i": event.id},
    )
    db.session.commit()
    db.session.expire_all()
    public = client.get(f"/api/v1/public/shortlists/{draft['id']}")
    assert public.status_code == 200 and "冒名顶替社区" in public.get_data(as_text=True)
    assert public.json["verified"] is False
    assert client.get(f"/api/v1/shortlists/{draft['id']}", headers=headers).json["tampered"] is True


def test_the_per_address_limit_counts_an_ipv6_network_not_each_of_its_addresses(
    app, client, make_closed_round, monkeypatch
):
    """One IPv6 subscriber holds a whole /64: every address of it shares one budget."""
    sr, _admin, headers = make_closed_round(n_apps=6)
    draft = client.post(f"/api/v1/rounds/{sr.rnd.id}/shortlists", headers=headers, json={}).json
    assert client.post(f"/api/v1/shortlists/{draft['id']}/publish", headers=headers).status_code == 200
    monkeypatch.setitem(app.config, "OBJECTION_RATE_LIMIT", "2 per hour")

    def send(address):
        return client.post(
            f"/api/v1/public/shortlists/{draft['id']}/objections",
            data={"name": "张三", "contact": "13800000000", "text": "该社区活动照片与其他社区雷同，请核查。"},
            content_type="multipart/form-data",
            environ_base={"REMOTE_ADDR": address},
        ).status_code

    assert [send(f"2001:db8:1:2::{k:x}") for k in range(1, 4)] == [201, 201, 429]
    assert send("2001:db8:1:3::1") == 201  # another network
    assert [send("192.0.2.1"), send("192.0.2.2")] == [201, 201]  # IPv4: each address its own


def test_a_draft_made_before_the_cohorts_changed_is_not_published(client, make_closed_round):
    """A careless clerk drafts, then moves an application to another cohort (or forms the cohorts
    again), then publishes the old draft: the public list would place the application in a cohort
    that its own cohort page and the results no longer show. Publishing asks for a new draft."""
    from evaluator.cohort_runs import standings
    from evaluator.rounds.models import Round
    from tests.test_cohort_runs_api import MINI_SETTINGS

    sr, _admin, headers = make_closed_round(n_apps=12)
    ran = client.post(
        f"/api/v1/rounds/{sr.rnd.id}/cohorts", headers=headers, json={"settings": MINI_SETTINGS}
    )
    assert ran.status_code == 201, ran.json
    draft = client.post(f"/api/v1/rounds/{sr.rnd.id}/shortlists", headers=headers, json={}).json
    member = ran.json["members"][0]
    other = next(c["number"] for c in ran.json["cohorts"] if c["number"] != member["cohort"])
    moved = client.post(
        f"/api/v1/applications/{member['application_id']}/cohort",
        headers=headers,
        json={"cohort": other, "reason": "户数与该组接近"},
    )
    assert moved.status_code == 200, moved.json
    res = client.post(f"/api/v1/shortlists/{draft['id']}/publish", headers=headers)
    assert res.status_code == 409, res.json
    assert "draft" in res.json["message"].lower()
    db.session.expire_all()
    assert db.session.get(Round, sr.rnd.id).phase == "scoring_closed"
    again = client.post(f"/api/v1/rounds/{sr.rnd.id}/shortlists", headers=headers, json={}).json
    assert client.post(f"/api/v1/shortlists/{again['id']}/publish", headers=headers).status_code == 200
    public = client.get(f"/api/v1/public/shortlists/{again['id']}").json["content"]
    cohorts = {e["organisation"]: e["cohort"] for e in public["entries"]}
    table = standings.standings(db.session.get(Round, sr.rnd.id))
    for a in sr.apps:
        if a.organisation.name in cohorts:
            assert cohorts[a.organisation.name] == table[a.id].cohort.number


def test_the_notice_page_links_the_recognition_list_once_it_is_published(app, client, make_closed_round):
    """A reader who loaded the shortlist during the notice asks again (If-None-Match) after the
    recognition: the page has changed — it now links the recognition list — so it is not a 304, and
    the service's own cache of the page does not serve the old one either."""
    from datetime import timedelta

    from sqlalchemy import text

    sr, _admin, headers = make_closed_round(n_apps=6)
    draft = client.post(f"/api/v1/rounds/{sr.rnd.id}/shortlists", headers=headers, json={}).json
    assert client.post(f"/api/v1/shortlists/{draft['id']}/publish", headers=headers).status_code == 200
    db.session.execute(
        text("UPDATE shortlist SET notice_starts = :s, notice_ends = :e WHERE id = :i"),
        {
            "s": db.session.get(Shortlist, draft["id"]).notice_starts - timedelta(days=30),
            "e": db.session.get(Shortlist, draft["id"]).notice_ends - timedelta(days=30),
            "i": draft["id"],
        },
    )
    db.session.commit()
    reader = app.test_client()
    before = reader.get(f"/public/shortlists/{draft['id']}")
    assert before.status_code == 200 and 'id="versions"' not in before.get_data(as_text=True)
    recognition = client.post(f"/api/v1/rounds/{sr.rnd.id}/recognition", headers=headers)
    assert recognition.status_code == 201, recognition.json
    again = reader.get(f"/public/shortlists/{draft['id']}", headers={"If-None-Match": before.headers["ETag"]})
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert 'id="versions"' in html and f"/public/shortlists/{recognition.json['id']}" in html


def test_a_working_day_notice_into_an_uncovered_year_is_refused_when_drafting(
    page_client, make_closed_round, monkeypatch
):
    """In December a clerk drafts a notice of 20 working days, adjusts the draft, and only on
    publishing learns that next year's official calendar is missing — and must draft again, losing
    the adjustments. The draft form says so at once, on the field where the dates go."""
    from datetime import date

    from evaluator.shortlists import calendar, drafting

    monkeypatch.setattr(calendar, "covered", lambda year: year <= 2026)
    monkeypatch.setattr(drafting, "beijing_day", lambda at=None: date(2026, 12, 20), raising=False)
    sr, _admin, _headers = make_closed_round(n_apps=6)
    office = page_client("admin")
    form = {"notice_rule": "working", "notice_days": "20"}
    res = post(office, f"/office/rounds/{sr.rnd.id}/shortlists", form)
    assert res.status_code == 422, res.status_code
    html = res.get_data(as_text=True)
    errors = html[html.find('id="extra_holidays-errors"') :]
    assert "2027" in errors[: errors.find("</ul>")]
    assert db.session.scalar(select(Shortlist.id)) is None
    dates = "\n".join(["2027-01-01", "2027-02-06", "2027-02-07", "2027-02-08"])
    res = post(office, f"/office/rounds/{sr.rnd.id}/shortlists", {**form, "extra_holidays": dates})
    assert res.status_code == 303, res.get_data(as_text=True)[:2000]
