"""When a round enters review, no application stays in between: every one left at a region step
ends not recommended (未获推荐), in one bulk UPDATE with one summarising audit event, and its
applicant reads it with the reason; the offices keep it in sight."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluator.applications.models import Application
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.rounds.phases import move_round
from evaluator.vetting import service as vetting
from evaluator.vetting.quota import enter_review, recommend


def status_of(app):
    db.session.expire_all()
    return db.session.get(Application, app.id).status


def events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def closed(vetting_world, make_application, make_user):
    """The world moved into review: 武侯区 1 recommended, 武侯区 2 endorsed only, 锦江区's and
    涪城区's never endorsed, the county applicant (straight to the city) never recommended, a draft the county
    returned, a draft never submitted, a declined and a withdrawn one."""
    w = vetting_world
    wuhou, chengdu = w.users["wuhou"], w.users["chengdu"]
    extra = {
        "returned": make_application(w.round, "510107"),
        "draft": make_application(w.round, "510107", status="draft"),
        "declined": make_application(w.round, "510107"),
        "withdrawn": make_application(w.round, "510107", status="withdrawn"),
    }
    for app in (w.apps.wuhou1, w.apps.wuhou2):
        vetting.endorse(wuhou, app)
    vetting.return_application(wuhou, extra["returned"], "请补充材料")
    vetting.decline(wuhou, extra["declined"], "不符合申报条件")
    vetting.check(chengdu, w.apps.wuhou1, True)
    recommend(chengdu, w.round, "510100", [w.apps.wuhou1.id])
    db.session.commit()
    versions = {a.id: a.version for a in db.session.scalars(select(Application))}
    admin, _ = make_user("admin")
    move_round(admin, w.round, "review")
    db.session.commit()
    w.extra, w.versions = extra, versions
    return w


def test_every_application_left_at_a_step_ends_not_recommended(closed):
    w = closed
    assert status_of(w.apps.wuhou1) == "under_review"
    for app in (w.apps.wuhou2, w.apps.jinjiang, w.apps.fucheng, w.apps.county, w.extra["returned"]):
        assert status_of(app) == "not_recommended", app.id
        assert db.session.get(Application, app.id).version == w.versions[app.id] + 1  # the ETag changes
    # the applicant's own draft, the office's final decline and the applicant's withdrawal stay
    assert [status_of(w.extra[k]) for k in ("draft", "declined", "withdrawn")] == [
        "draft",
        "declined",
        "withdrawn",
    ]
    [event] = events("round.vetting_closed")
    assert (event.object_type, event.object_id) == ("round", str(w.round.id))
    summary = event.summary
    moved = [w.apps.wuhou2, w.apps.jinjiang, w.apps.fucheng, w.apps.county, w.extra["returned"]]
    assert summary["application_ids"] == sorted(a.id for a in moved) and summary["applications"] == 5
    assert summary["to_status"] == "not_recommended"
    assert summary["stopped_at"] == {
        "county": sorted([w.apps.jinjiang.id, w.apps.fucheng.id]),
        "city": sorted([w.apps.wuhou2.id, w.apps.county.id]),
        "returned": [w.extra["returned"].id],
    }
    assert not any(e.object_type == "application" for e in events("application.not recommended"))


def test_the_applicant_reads_not_recommended_with_the_reason(closed, page_client, make_user):
    w = closed
    for app, reason in (
        (w.apps.wuhou2, "did not recommend the application to the province"),
        (w.apps.jinjiang, "had not endorsed the application"),
        (w.extra["returned"], "returned for correction and not submitted again"),
    ):
        user, _ = make_user("applicant", organisation=app.organisation)
        page = page_client(user=user).get(f"/applicant/applications/{app.id}").get_data(as_text=True)
        assert "Not recommended" in page and 'class="stage stage-stopped"' in page, app.id
        assert reason in page
        zh = page_client(user=user, language="zh").get(f"/applicant/applications/{app.id}")
        assert "未获推荐" in zh.get_data(as_text=True) and "止于此步" in zh.get_data(as_text=True)


def test_the_offices_keep_sight_of_what_was_not_recommended(closed):
    w = closed
    city = {a.id: a.status for a in db.session.scalars(vetting.queue_query(w.users["chengdu"], w.round))}
    # the city had 武侯区 2 (endorsed) and the county applicant; 锦江区's never reached it
    assert city[w.apps.wuhou2.id] == city[w.apps.county.id] == "not_recommended"
    assert w.apps.jinjiang.id not in city and w.extra["returned"].id not in city
    county = {a.id: a.status for a in db.session.scalars(vetting.queue_query(w.users["jinjiang"], w.round))}
    assert county == {w.apps.jinjiang.id: "not_recommended"}
    assert vetting.status_counts(w.users["chengdu"], w.round)["not_recommended"] == 2


def test_closing_many_applications_is_one_statement_and_one_event(make_round, make_user):
    from evaluator.accounts.models import Organisation

    rnd = make_round()
    orgs = [
        Organisation(
            name=f"社区{k}",
            kind="community",
            city="成都市",
            city_code="510100",
            county="武侯区",
            county_code="510107",
        )
        for k in range(400)
    ]
    db.session.add_all(orgs)
    db.session.flush()
    statuses = ("submitted", "endorsed")
    db.session.add_all(
        [
            Application(round_id=rnd.id, organisation_id=o.id, status=statuses[k % 2], figures={})
            for k, o in enumerate(orgs)
        ]
    )
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    admin, _ = make_user("admin")
    assert enter_review(admin, rnd) == []
    db.session.commit()
    count = db.session.scalar(
        select(func.count()).select_from(Application).where(Application.status == "not_recommended")
    )
    assert count == 400
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before + 2
    [event] = events("round.vetting_closed")
    assert len(event.summary["stopped_at"]["county"]) == len(event.summary["stopped_at"]["city"]) == 200


def test_the_application_api_answers_the_new_status(closed, client, make_user):
    w = closed
    res = client.get(f"/api/v1/applications/{w.apps.wuhou2.id}", headers=w.headers["chengdu"])
    assert res.status_code == 200 and res.json["status"] == "not_recommended"
    res = client.get(
        f"/api/v1/rounds/{w.round.id}/vetting?status=not_recommended", headers=w.headers["chengdu"]
    )
    assert sorted(a["id"] for a in res.json) == sorted([w.apps.wuhou2.id, w.apps.county.id])
