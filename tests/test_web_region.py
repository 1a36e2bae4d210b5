"""The region offices' pages: the queue, the check form and its acts, the ranking with the quota."""

from __future__ import annotations

from evaluator.applications.models import Application
from evaluator.extensions import db
from tests.pages import post


def status_of(app):
    db.session.expire_all()
    return db.session.get(Application, app.id).status


def text(res):
    return res.get_data(as_text=True)


def test_the_county_queue_shows_its_region_only(page_client, vetting_world):
    w = vetting_world
    c = page_client(user=w.users["wuhou"])
    res = c.get(f"/region/?round={w.round.id}")
    assert res.status_code == 200
    body = text(res)
    assert f'id="application-{w.apps.wuhou1.id}"' in body and f'id="application-{w.apps.wuhou2.id}"' in body
    assert f'id="application-{w.apps.jinjiang.id}"' not in body
    assert f'id="application-{w.apps.fucheng.id}"' not in body
    assert "Your region: 成都市武侯区" in body  # by its name
    res = c.get(f"/region/?round={w.round.id}&status=endorsed")
    assert f'id="application-{w.apps.wuhou1.id}"' not in text(res)


def test_a_region_office_lands_on_its_queue(page_client, vetting_world):
    c = page_client(user=vetting_world.users["chengdu"])
    res = c.get("/region/")
    assert res.status_code == 200 and "Ranking and quota" in text(res)
    assert 'href="/region/ranking"' in text(res)


def test_the_county_endorses_through_the_check_form(page_client, vetting_world):
    w = vetting_world
    c = page_client(user=w.users["wuhou"])
    res = c.get(f"/region/applications/{w.apps.wuhou1.id}")
    assert res.status_code == 200 and 'id="endorse-form"' in text(res) and 'id="figures"' in text(res)
    assert 'data-confirm-box="f-endorse-confirm"' in text(res)
    # Endorsing needs the confirmation ticked (a dialog ticks it where scripts run).
    res = post(c, f"/region/applications/{w.apps.wuhou1.id}/endorse", {"note": "齐全"})
    assert res.status_code == 422 and "Tick the box to confirm the endorsement." in text(res)
    assert status_of(w.apps.wuhou1) == "submitted" and "齐全" in text(res)
    res = post(c, f"/region/applications/{w.apps.wuhou1.id}/endorse", {"note": "齐全", "confirm": "1"})
    assert res.status_code == 302, text(res)[:2000]
    assert status_of(w.apps.wuhou1) == "endorsed"
    res = c.get(res.headers["Location"])
    assert "The application was endorsed" in text(res)


def test_return_without_a_reason_is_shown_on_the_form(page_client, vetting_world):
    w = vetting_world
    c = page_client(user=w.users["wuhou"])
    res = post(c, f"/region/applications/{w.apps.wuhou1.id}/return", {"reason": "  "})
    assert res.status_code == 422
    assert "A reason is required." in text(res)
    assert status_of(w.apps.wuhou1) == "submitted"
    res = post(c, f"/region/applications/{w.apps.wuhou1.id}/decline", {"reason": "不符合申报条件"})
    assert res.status_code == 302 and status_of(w.apps.wuhou1) == "declined"


def test_an_act_twice_is_refused_on_the_page(page_client, vetting_world):
    w = vetting_world
    c = page_client(user=w.users["wuhou"])
    post(c, f"/region/applications/{w.apps.wuhou1.id}/endorse", {"confirm": "1"})
    res = post(c, f"/region/applications/{w.apps.wuhou1.id}/decline", {"reason": "r"})
    assert res.status_code == 422 and "endorsed" in text(res)


def test_other_regions_and_roles_get_404_or_403(page_client, vetting_world, make_user):
    w = vetting_world
    c = page_client(user=w.users["wuhou"])
    assert c.get(f"/region/applications/{w.apps.jinjiang.id}").status_code == 404
    assert post(c, f"/region/applications/{w.apps.fucheng.id}/endorse").status_code == 404
    assert post(c, f"/region/applications/{w.apps.wuhou1.id}/check", {"passed": "1"}).status_code == 404
    assert c.get("/region/applications/99999999").status_code == 404
    assert c.get("/region/ranking").status_code == 403
    assert status_of(w.apps.fucheng) == "submitted"
    office = page_client("admin")
    assert office.get("/region/").status_code == 403
    applicant = page_client("applicant")
    assert applicant.get(f"/region/applications/{w.apps.wuhou1.id}").status_code == 403


def test_the_city_checks_and_ranks_within_its_quota(page_client, vetting_world, set_steps):
    w = vetting_world
    set_steps(w.round, quota={"kind": "number", "value": 1})
    county = page_client(user=w.users["wuhou"])
    for app in (w.apps.wuhou1, w.apps.wuhou2):
        assert post(county, f"/region/applications/{app.id}/endorse", {"confirm": "1"}).status_code == 302
    city = page_client(user=w.users["chengdu"])
    res = post(city, f"/region/applications/{w.apps.wuhou1.id}/check", {"passed": "0"})
    assert res.status_code == 422  # not passed: say why
    res = post(city, f"/region/applications/{w.apps.wuhou1.id}/check", {"passed": "1", "note": "核实无误"})
    assert res.status_code == 302
    page = text(city.get(f"/region/ranking?round={w.round.id}"))
    assert f'name="rank.{w.apps.wuhou1.id}"' in page
    assert "核实无误" in page
    for unchecked in (w.apps.wuhou2, w.apps.county):  # listed, but no rank box before the check
        assert f'name="rank.{unchecked.id}"' not in page and f'id="needs-check-{unchecked.id}"' in page
    res = post(city, f"/region/applications/{w.apps.wuhou2.id}/check", {"passed": "1"})
    assert res.status_code == 302
    over = {f"rank.{w.apps.wuhou1.id}": "1", f"rank.{w.apps.wuhou2.id}": "2", "round": str(w.round.id)}
    res = post(city, "/region/ranking", over)
    assert res.status_code == 422 and "quota" in text(res)
    assert status_of(w.apps.wuhou1) == "endorsed"
    res = post(
        city,
        "/region/ranking",
        {f"rank.{w.apps.wuhou1.id}": "2", f"rank.{w.apps.wuhou2.id}": "2", "round": str(w.round.id)},
    )
    assert res.status_code == 422 and "given twice" in text(res)
    res = post(city, "/region/ranking", {f"rank.{w.apps.wuhou1.id}": "x", "round": str(w.round.id)})
    assert res.status_code == 422 and "whole number" in text(res)
    res = post(city, "/region/ranking", {f"rank.{w.apps.wuhou1.id}": "1", "round": str(w.round.id)})
    assert res.status_code == 302
    assert status_of(w.apps.wuhou1) == "recommended"
    page = text(city.get(res.headers["Location"]))
    assert 'id="quota-used"><strong>1</strong> / 1' in page
    queue = text(city.get(f"/region/?round={w.round.id}"))
    assert "1 of 1 recommended" in queue


def test_the_ranking_form_refuses_a_missing_round(page_client, vetting_world):
    city = page_client(user=vetting_world.users["chengdu"])
    assert post(city, "/region/ranking", {}).status_code == 404
    assert post(city, "/region/ranking", {"round": "abc"}).status_code == 404


def test_region_pages_in_chinese(page_client, vetting_world):
    w = vetting_world
    c = page_client(user=w.users["chengdu"], language="zh")
    assert c.get(f"/region/?round={w.round.id}").status_code == 200
    assert c.get(f"/region/ranking?round={w.round.id}").status_code == 200
    assert c.get(f"/region/applications/{w.apps.county.id}").status_code == 200


def test_a_material_downloads_for_its_office_only(page_client, vetting_world):
    from evaluator.applications.models import Material

    w = vetting_world
    m = Material(
        application_id=w.apps.wuhou1.id,
        filename="a.pdf",
        content_type="application/pdf",
        size=3,
        sha256="0" * 64,
        uploaded_by=w.users["wuhou"].id,
    )
    db.session.add(m)
    db.session.commit()
    assert page_client(user=w.users["jinjiang"]).get(f"/region/materials/{m.id}").status_code == 404
    page = text(page_client(user=w.users["wuhou"]).get(f"/region/applications/{w.apps.wuhou1.id}"))
    assert f"/region/materials/{m.id}" in page


def test_every_region_page_sends_anonymous_readers_to_sign_in(app, client, vetting_world):
    w = vetting_world
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/region", "/office/rounds/<int:round_id>/settings")):
            continue
        url = (
            rule.rule.replace("<int:application_id>", str(w.apps.wuhou1.id))
            .replace("<act>", "endorse")
            .replace("<int:material_id>", "1")
            .replace("<int:round_id>", str(w.round.id))
        )
        if "GET" in rule.methods:
            res = client.get(url)
            assert res.status_code == 302 and "/sign-in" in res.headers["Location"], (url, res.status_code)
        if "POST" in rule.methods:
            assert client.post(url, data={}).status_code in (302, 400, 403), url
    assert status_of(w.apps.wuhou1) == "submitted"


def test_reviewers_and_applicants_are_refused_every_region_page(app, page_client, vetting_world):
    w = vetting_world
    for c in (page_client("reviewer"), page_client("applicant")):
        for url in (
            "/region/",
            "/region/ranking",
            f"/region/applications/{w.apps.wuhou1.id}",
            f"/office/rounds/{w.round.id}/settings",
        ):
            assert c.get(url).status_code == 403, url
        for url in (
            f"/region/applications/{w.apps.wuhou1.id}/endorse",
            "/region/ranking",
            f"/office/rounds/{w.round.id}/settings",
        ):
            assert post(c, url, {"round": str(w.round.id)}).status_code == 403, url
    assert status_of(w.apps.wuhou1) == "submitted"
