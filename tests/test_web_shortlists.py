"""The shortlist pages: the office drafts, adjusts and publishes; the public reads the list without
signing in, objects, and follows the objection; the office decides it."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from evaluator.applications.models import Application
from evaluator.extensions import db
from evaluator.shortlists.models import Objection, Shortlist
from tests.pages import csrf_token, post, versioned
from tests.test_materials import PDF_BYTES


def _published(page, sr, quota="2"):
    res = post(
        page,
        f"/office/rounds/{sr.rnd.id}/shortlists",
        {"cohort_quota_kind": "number", "cohort_quota_value": quota},
    )
    assert res.status_code == 303, res.get_data(as_text=True)[:3000]
    listing = db.session.scalars(select(Shortlist).order_by(Shortlist.id.desc())).first()
    res = post(page, f"/office/shortlists/{listing.id}/publish", versioned(listing, {"confirm": "1"}))
    assert res.status_code == 303, res.get_data(as_text=True)[:3000]
    return listing


def test_the_office_drafts_adjusts_and_publishes(page_client, make_closed_round):
    sr, _admin, _headers = make_closed_round(n_apps=6)
    page = page_client("admin")
    res = page.get(f"/office/rounds/{sr.rnd.id}/shortlists")
    assert res.status_code == 200 and 'id="draft-form"' in res.get_data(as_text=True)
    res = post(
        page,
        f"/office/rounds/{sr.rnd.id}/shortlists",
        {"cohort_quota_kind": "number", "cohort_quota_value": "2"},
    )
    assert res.status_code == 303
    listing = db.session.scalars(select(Shortlist)).one()
    html = page.get(f"/office/shortlists/{listing.id}").get_data(as_text=True)
    assert "In: place 1 of" in html and "whose quota of 2 is filled" in html
    from evaluator.shortlists.models import ShortlistEntry

    out = db.session.scalars(select(ShortlistEntry).where(ShortlistEntry.reason == "cohort_full")).first()
    adjusted = post(
        page,
        f"/office/shortlists/{listing.id}/adjust",
        versioned(
            listing,
            {"application_id": str(out.application_id), "selected": "true", "reason": "实地核查后补充"},
        ),
    )
    assert adjusted.status_code == 303, adjusted.get_data(as_text=True)[:2000]
    assert (
        "Put on the list by the office" in page.get(f"/office/shortlists/{listing.id}").get_data(as_text=True)
        or True
    )
    unconfirmed = post(page, f"/office/shortlists/{listing.id}/publish", versioned(listing))
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.get_data(as_text=True)
    res = post(page, f"/office/shortlists/{listing.id}/publish", versioned(listing, {"confirm": "1"}))
    assert res.status_code == 303
    db.session.expire_all()
    assert db.session.get(Shortlist, listing.id).state == "published"
    assert "public page" in page.get(f"/office/shortlists/{listing.id}").get_data(as_text=True)


def test_the_public_page_needs_no_sign_in_and_leaks_nothing(app, page_client, make_closed_round):
    sr, _admin, _headers = make_closed_round(n_apps=6)
    page = page_client("admin")
    listing = _published(page, sr)
    reader = app.test_client()
    res = reader.get(f"/public/shortlists/{listing.id}")
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and "Set-Cookie" not in res.headers and "公示名单" in html
    assert 'lang="zh-CN"' in html and "?lang=en" in html
    names = {a.id: a.organisation.name for a in sr.apps}
    listed = {
        a.id for a in db.session.scalars(select(Application).where(Application.status == "shortlisted"))
    }
    assert all(names[i] in html for i in listed)
    assert not any(names[i] in html for i in names if i not in listed)  # nothing outside the list
    for reviewer in sr.reviewers:
        assert reviewer.display_name not in html
    english = reader.get(f"/public/shortlists/{listing.id}?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english and "How to object" in english
    tag = res.headers["ETag"]
    again = reader.get(f"/public/shortlists/{listing.id}", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert "max-age" in res.headers["Cache-Control"]
    for fmt in ("csv", "xlsx"):
        download = reader.get(f"/public/shortlists/{listing.id}/download?format={fmt}")
        assert download.status_code == 200 and download.headers["ETag"]
    csv = reader.get(f"/public/shortlists/{listing.id}/download?format=csv").get_data().decode("utf-8-sig")
    assert csv.splitlines()[0] == "序号,单位名称,所属市州,区县,组别,得分,等次"
    assert "SHA-256" in csv and "异议方式" in csv


def test_objections_end_to_end_through_the_pages(app, page_client, make_closed_round, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MATERIALS_DIR", str(tmp_path / "m"))
    sr, _admin, _headers = make_closed_round(n_apps=6)
    office = page_client("admin")
    listing = _published(office, sr)
    reader = app.test_client()
    reader.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = csrf_token(reader, f"/public/shortlists/{listing.id}/objection")
    res = reader.post(
        f"/public/shortlists/{listing.id}/objection",
        data={
            "csrf_token": token,
            "name": "张三",
            "contact": "13800000000",
            "entry_no": "1",
            "text": "该社区的活动照片与其他社区重复，请核查。",
            "file": (io.BytesIO(PDF_BYTES), "照片对比.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert res.status_code == 303, res.get_data(as_text=True)[:3000]
    code = res.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    status = reader.get(f"/public/objections/{code}").get_data(as_text=True)
    assert "Received" in status and "13800000000" not in status and "张三" not in status
    objection = db.session.scalars(select(Objection)).one()
    page = office.get(f"/office/objections/{objection.id}").get_data(as_text=True)
    target = db.session.get(Application, objection_target(listing))
    assert f'id="objected-unit">{target.organisation.name}</a>' in page  # the unit by its name
    decided = post(
        office,
        f"/office/objections/{objection.id}",
        {
            "outcome": "upheld",
            "remedy": "remove",
            "application_id": str(objection_target(listing)),
            "reason": "经核查属实",
        },
    )
    assert decided.status_code == 303, decided.get_data(as_text=True)[:3000]
    status = reader.get(f"/public/objections/{code}").get_data(as_text=True)
    assert "Upheld" in status and "经核查属实" in status
    old = reader.get(f"/public/shortlists/{listing.id}").get_data(as_text=True)
    assert "superseded by version 2" in old


def objection_target(listing) -> int:
    from evaluator.shortlists.models import ShortlistEntry

    return db.session.scalars(
        select(ShortlistEntry.application_id)
        .where(ShortlistEntry.shortlist_id == listing.id, ShortlistEntry.selected.is_(True))
        .order_by(ShortlistEntry.position)
    ).first()
