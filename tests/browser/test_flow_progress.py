"""An applicant follows its application in a real browser, in Chinese: on submitting it reads that its
county office checks it next; its page lists the stages 区县 → 市州 → 省 → 公示 → 认定 as an ordered
list with the current stage marked, the county's endorsement dated once done; on a 390 px phone
the list is one stage a line with nothing wider than the screen, on a wide screen one row."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from evaluator.accounts.models import User
from evaluator.applications.models import Application
from evaluator.extensions import db
from tests.browser.helpers import FC_FIGURES, accept_dialogs, open_round, signed_in, wider_than_the_screen

pytestmark = pytest.mark.browser

STAGES = ("county", "city", "province", "notice", "recognition")


def boxes(page):
    """The stages' boxes on the page, in order."""
    return [page.locator(f"#stage-{stage}").bounding_box() for stage in STAGES]


def test_the_applicant_follows_its_application_stage_by_stage(page, new_page, make_account, axe):
    from evaluator.applications import service as applications
    from evaluator.rounds.models import Round
    from evaluator.vetting import service as vetting

    round_id = open_round("2026年度特色社区（申报进度）")
    applicant = make_account("applicant")
    county = make_account("county_office", home_region_code="510107", display_name="武侯区民政局")
    user = db.session.get(User, applicant.id)
    app = applications.create_application(user, db.session.get(Round, round_id), FC_FIGURES, {})
    db.session.commit()
    ident = app.id
    db.session.close()

    signed_in(accept_dialogs(page), applicant)
    page.goto(f"/applicant/applications/{ident}/submit")
    page.locator("#submit-button").click()
    expect(page.locator(".notice.success")).to_contain_text("下一步由所在区县民政局审核")
    expect(page.locator("#progress-heading")).to_have_text("申报进度")
    items = page.locator("#progress ol.stages > li")
    expect(items).to_have_count(5)
    expect(page.locator("#stage-county")).to_have_attribute("aria-current", "step")
    expect(page.locator("#stage-county")).to_contain_text("进行中")
    expect(page.locator("#stage-city")).to_contain_text("未开始")
    assert page.locator("[aria-current=step]").count() == 1
    axe(page)

    vetting.endorse(db.session.get(User, county.id), db.session.get(Application, ident), "材料齐全")
    db.session.commit()
    db.session.close()
    page.reload()
    expect(page.locator("#stage-county")).to_contain_text("已完成")
    expect(page.locator("#stage-county time")).to_have_attribute(
        "datetime", re.compile(r"^\d{4}-\d\d-\d\dT.*\+00:00$")
    )
    expect(page.locator("#stage-city")).to_have_attribute("aria-current", "step")
    wide = boxes(page)
    assert len({round(b["y"]) for b in wide}) == 1, wide  # one row on a wide screen

    phone = new_page(viewport={"width": 390, "height": 844})
    signed_in(phone, applicant)
    phone.goto(f"/applicant/applications/{ident}")
    expect(phone.locator("#stage-recognition")).to_be_visible()
    assert wider_than_the_screen(phone) == []
    narrow = boxes(phone)
    assert len({round(b["x"]) for b in narrow}) == 1, narrow  # one stage a line
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= 390 for b in narrow)
    assert [b["y"] for b in narrow] == sorted(b["y"] for b in narrow)
    axe(phone)
