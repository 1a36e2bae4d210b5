"""The applicant follows its application: the submit message names the office that deals with it
next; the read-only page shows the stages 区县 → 市州 → 省 → 公示 → 认定 with the date each was
passed, or where it stopped and why; and the bonus items it claimed."""

from __future__ import annotations

import re

import pytest

from evaluator.applications.models import Application
from evaluator.extensions import db
from evaluator.rounds.phases import move_round
from evaluator.vetting import service as vetting
from evaluator.vetting.quota import recommend
from tests.pages import post

MINI_FIGURES = {
    "category": "urban",
    "households": 2000,
    "residents": 5000,
    "satisfaction": 90,
    "incident": False,
}


def stages(page: str) -> dict[str, str]:
    """Each stage's state, from the list's classes."""
    return dict(re.findall(r'class="stage stage-(\w+)" id="stage-(\w+)"', page)[i][::-1] for i in range(5))


def stage_text(page: str, stage: str) -> str:
    start = page.index(f'id="stage-{stage}"')
    return page[start : page.index("</li>", start)]


@pytest.fixture
def own(make_user, page_client):
    """The signed-in applicant (a page client) of an application's organisation."""

    def make(app, language="en"):
        user, _ = make_user("applicant", organisation=app.organisation)
        return page_client(user=user, language=language)

    return make


@pytest.mark.parametrize(
    "steps, kind, english, chinese",
    [
        ({}, "community", "Your county civil-affairs office checks it next.", "下一步由所在区县民政局审核"),
        ({}, "county", "Your city civil-affairs office checks it next.", "下一步由所在市州民政局审核推荐"),
        ({"county_step": False}, "community", "Your city civil-affairs office checks it next.", "市州民政局"),
        (
            {"county_step": False, "city_step": False},
            "community",
            "It goes to the provincial review once the round",
            "申报期结束后进入省级评审",
        ),
    ],
)
def test_the_submit_message_names_who_deals_with_it_next(
    make_round, make_application, set_steps, own, steps, kind, english, chinese
):
    rnd = set_steps(make_round(), **steps)
    for language, expected in (("en", english), ("zh", chinese)):
        app = make_application(rnd, "510104", status="draft", kind=kind)
        app.figures = dict(MINI_FIGURES)
        db.session.commit()
        c = own(app, language)
        res = post(c, f"/applicant/applications/{app.id}/submit", follow_redirects=True)
        page = res.get_data(as_text=True)
        assert res.status_code == 200 and expected in page, page[:3000]
        assert "provincial office will review" not in page and "省民政厅将组织评审" not in page


def test_the_stages_follow_the_application(vetting_world, own, make_user):
    w = vetting_world
    app = w.apps.wuhou1
    c = own(app)
    read = lambda: c.get(f"/applicant/applications/{app.id}").get_data(as_text=True)
    page = read()
    assert stages(page) == {
        "county": "current",
        "city": "upcoming",
        "province": "upcoming",
        "notice": "upcoming",
        "recognition": "upcoming",
    }
    assert 'aria-current="step"' in stage_text(page, "county")
    vetting.endorse(w.users["wuhou"], app)
    db.session.commit()
    page = read()
    assert stages(page)["county"] == "done" and stages(page)["city"] == "current"
    assert re.search(r"Done · <time datetime=\"\d{4}-\d\d-\d\dT[\d:]+\+00:00\">", stage_text(page, "county"))
    vetting.check(w.users["chengdu"], app, True)
    recommend(w.users["chengdu"], w.round, "510100", [app.id])
    db.session.commit()
    assert stages(read())["city"] == "done" and stages(read())["province"] == "current"
    admin, _ = make_user("admin")
    move_round(admin, w.round, "review")
    db.session.commit()
    page = read()
    assert stages(page)["province"] == "current" and "since" in stage_text(page, "province")
    zh = own(app, "zh").get(f"/applicant/applications/{app.id}").get_data(as_text=True)
    assert "申报进度" in zh and "区县审核" in zh and "市州推荐" in zh and "省级评审" in zh and "认定" in zh
    assert "已完成" in stage_text(zh, "county") and "年" in stage_text(zh, "county")  # 2026年12月7日


def test_a_declined_application_stops_with_the_offices_reason(vetting_world, own):
    w = vetting_world
    vetting.endorse(w.users["wuhou"], w.apps.wuhou2)
    vetting.decline(w.users["chengdu"], w.apps.wuhou2, "不符合申报条件")
    db.session.commit()
    page = own(w.apps.wuhou2).get(f"/applicant/applications/{w.apps.wuhou2.id}").get_data(as_text=True)
    assert stages(page) == {
        "county": "done",
        "city": "stopped",
        "province": "upcoming",
        "notice": "upcoming",
        "recognition": "upcoming",
    }
    assert "不符合申报条件" in stage_text(page, "city") and "Declined" in page


def test_steps_switched_off_are_not_needed(vetting_world, set_steps, own):
    w = vetting_world
    set_steps(w.round, county_step=False)
    page = own(w.apps.county).get(f"/applicant/applications/{w.apps.county.id}").get_data(as_text=True)
    assert stages(page)["county"] == "skipped" and stages(page)["city"] == "current"
    assert "Not needed" in stage_text(page, "county")


def test_the_claimed_bonus_items_show_after_submission(make_draft, make_user, page_client):
    user, _ = make_user("applicant")
    _, app = make_draft(organisation=user.organisation)
    app.bonus_claims = ["provincial_meeting_site"]
    app.status = "submitted"
    db.session.commit()
    page = page_client(user=user).get(f"/applicant/applications/{app.id}").get_data(as_text=True)
    assert 'id="bonus-claims"' in page and "Site of a provincial working meeting" in page, page[:200]
    assert db.session.get(Application, app.id).status == "submitted"
