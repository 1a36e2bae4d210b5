"""The assignment pages: the office's panels, loads, automatic run and manual changes; the
reviewer's profile and recusal."""

from __future__ import annotations

from sqlalchemy import select

from evaluator.assignments.models import Assignment, ConflictDeclaration
from evaluator.extensions import db
from tests.pages import post


def test_office_overview_auto_and_panel(page_client, review_round, make_reviewer):
    rnd, apps = review_round(4, settings={"reviewers_per_application": 2})
    for region in ("510302", "510603", "511102", "510104", "510107"):
        make_reviewer(region=region, expertise=["basics"])
    office = page_client("admin")
    page = office.get(f"/office/rounds/{rnd.id}/assignments")
    assert page.status_code == 200 and 'id="auto-form"' in page.get_data(as_text=True)
    res = post(office, f"/office/rounds/{rnd.id}/assignments/auto", {"seed": "3"})
    text = res.get_data(as_text=True)
    assert res.status_code == 200 and 'id="auto-report"' in text and 'id="pairs-made">8<' in text
    assert "<meter" in text
    bad = post(office, f"/office/rounds/{rnd.id}/assignments/auto", {"seed": "x"})
    assert bad.status_code == 422
    panel = office.get(f"/office/rounds/{rnd.id}/assignments/applications/{apps[0].id}")
    body = panel.get_data(as_text=True)
    assert panel.status_code == 200 and 'id="excluded"' in body and "same region" in body


def test_office_manual_add_conflict_override_and_remove(page_client, review_round, make_reviewer):
    rnd, apps = review_round(1, counties=["510104"])
    near, _ = make_reviewer(region="510104")
    office = page_client("admin")
    url = f"/office/rounds/{rnd.id}/assignments/applications/{apps[0].id}/add"
    res = post(office, url, {"reviewer_id": str(near.id)})
    assert res.status_code == 422 and "same region" in res.get_data(as_text=True)
    res = post(office, url, {"reviewer_id": str(near.id), "override_reason": "the only expert"})
    assert res.status_code == 302
    row = db.session.scalars(select(Assignment)).one()
    assert row.override_reason == "the only expert"
    res = post(office, f"/office/assignments/{row.id}/remove", {"reason": ""})
    assert res.status_code == 422
    res = post(office, f"/office/assignments/{row.id}/remove", {"reason": "changed my mind"})
    assert res.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assignment, row.id).status == "removed"


def test_reviewer_cannot_see_office_pages(page_client, review_round):
    rnd, _ = review_round(1)
    reviewer = page_client("reviewer")
    assert reviewer.get(f"/office/rounds/{rnd.id}/assignments").status_code == 403


def test_reviewer_profile_expertise_and_conflict(page_client, review_round, make_reviewer):
    _rnd, apps = review_round(2)
    user, _ = make_reviewer(affiliation="四川大学")
    client = page_client(user=user)
    page = client.get("/reviewer/profile")
    assert page.status_code == 200 and "四川大学" in page.get_data(as_text=True)
    assert post(client, "/reviewer/profile/expertise", {"expertise": ["basics"]}).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(user), user.id).expertise == ["basics"]
    assert post(client, "/reviewer/profile/expertise", {"expertise": ["nope"]}).status_code == 422
    name = apps[0].organisation.name
    res = post(
        client,
        "/reviewer/profile/conflicts",
        {"round_id": str(_rnd.id), "organisation": name, "reason": "family"},
    )
    assert res.status_code == 302
    row = db.session.scalar(select(ConflictDeclaration))
    assert (row.reason, row.status, row.organisation_id) == ("family", "pending", apps[0].organisation_id)
    page = client.get("/reviewer/profile").get_data(as_text=True)
    assert 'id="conflicts"' in page and "Awaiting the office" in page
    res = post(
        client, "/reviewer/profile/conflicts", {"round_id": "999999", "organisation": name, "reason": "x"}
    )
    assert res.status_code == 422


def test_recusal_page(page_client, client, admin, review_round, make_reviewer):
    rnd, apps = review_round(1, settings={"reviewers_per_application": 1})
    user, _ = make_reviewer(region="510302")
    make_reviewer(region="510603")
    res = client.post(
        f"/api/v1/rounds/{rnd.id}/assignments",
        headers=admin,
        json={"application_id": apps[0].id, "reviewer_id": user.id},
    )
    row_id = res.get_json()["id"]
    browser = page_client(user=user)
    url = f"/reviewer/assignments/{row_id}/recuse"
    page = browser.get(url).get_data(as_text=True)
    # The page names the application and leads back to its scoring page.
    assert apps[0].organisation.name in page and f'href="/reviewer/assignments/{row_id}"' in page
    assert 'data-confirm-box="f-confirm"' in page
    assert post(browser, url, {"reason": "", "confirm": "1"}).status_code == 422
    res = post(browser, url, {"reason": "I advised them"})  # not confirmed
    assert res.status_code == 422 and "Tick the box to confirm your recusal." in res.get_data(as_text=True)
    assert post(browser, url, {"reason": "I advised them", "confirm": "1"}).status_code == 302
    db.session.expire_all()
    rows = db.session.scalars(select(Assignment).order_by(Assignment.id)).all()
    assert [r.status for r in rows] == ["recused", "active"] and rows[1].reviewer_id != user.id
    stranger = page_client("reviewer")
    assert stranger.get(url).status_code == 404  # not theirs: not found


def test_office_keeps_a_reviewers_profile(page_client, review_round, make_reviewer):
    review_round(1)
    user, _ = make_reviewer()
    office = page_client("admin")
    url = f"/office/assignments/reviewers/{user.id}"
    assert office.get(url).status_code == 200
    form = {"affiliation.kind": "bureau", "affiliation.county": "510107", "expertise": ["basics", "quality"]}
    res = post(office, url, form)
    assert res.status_code == 302
    db.session.expire_all()
    fresh = db.session.get(type(user), user.id)
    assert fresh.affiliation == "bureau:510107" and fresh.expertise == ["basics", "quality"]
    page = office.get(url).get_data(as_text=True)  # the pickers show what is stored
    assert '<option value="bureau" selected>' in page and '<option value="510107" selected>' in page
    res = post(office, url, {**form, "affiliation.county": "", "expertise": ["quality"]})
    page = res.get_data(as_text=True)
    assert res.status_code == 422 and 'id="affiliation-county-errors"' in page
    assert 'value="quality" checked' in page and 'value="basics" checked' not in page  # kept as typed
    assert post(office, url, {**form, "expertise": ["nope"]}).status_code == 422
    assert page_client("reviewer").get(url).status_code == 403
