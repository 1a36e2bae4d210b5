"""Settings chosen, not typed, and the audit log in sentences, in a real browser: the table of single
cities' quotas, the affiliation pickers (only the picker of the kind chosen is shown) and the audit
log's sentences, in Chinese and English at 1280 and 390 pixels wide (screenshots kept), never wider
than a phone's screen, with Chinese never set in italics."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from evaluator.accounts.models import User
from evaluator.criteria import load_criteria
from evaluator.extensions import db
from evaluator.rounds.models import Round
from evaluator.rounds.service import create_round
from evaluator.rounds.settings import settings_of
from tests.browser.helpers import (
    fresh,
    screenshot,
    screenshots,
    signed_in,
    switch_language,
    wider_than_the_screen,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def office(page, make_account):
    """The office signed in, with an applicant organisation registered in 成都市武侯区."""
    make_account("applicant")
    signed_in(page, make_account("admin"))
    return page


def _round() -> int:
    rnd = create_round(None, "2027年度四川省特色社区评审", load_criteria("fc-2026"))
    db.session.commit()
    ident = rnd.id
    db.session.close()
    return ident


def test_the_quotas_of_single_cities_are_a_table_of_cities(office, axe):
    ident = _round()
    page = office
    page.goto(f"/office/rounds/{ident}/settings")
    row = page.locator("#city-510100")
    expect(row.locator("th")).to_have_text("成都市")
    expect(page.locator("#city-513400 th")).to_have_text("凉山彝族自治州")
    row.locator("select").select_option("number")
    row.locator("input").fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="保存设置").click()
    expect(page.locator("#city-510100-value-errors")).to_have_text("此项必填。")
    expect(page.locator("#city-510100 select")).to_have_value("number")  # what was chosen is kept
    axe(page)
    page.locator("#city-510100 input").fill("3")
    with page.expect_navigation():
        page.get_by_role("button", name="保存设置").click()
    expect(page.get_by_text("评审设置已保存。")).to_be_visible()
    quota = settings_of(fresh(Round, ident)).quota_for("510100")
    assert (quota.kind, quota.value) == ("number", 3)
    assert wider_than_the_screen(page) == []
    screenshots(page, f"/office/rounds/{ident}/settings", "review-settings", full_page=True)
    switch_language(page, "en")
    assert wider_than_the_screen(page) == []
    expect(page.locator("#city-510100 select")).to_have_value("number")
    switch_language(page, "zh")


def test_a_reviewers_affiliation_is_chosen_with_pickers(office, axe):
    page = office
    page.goto("/office/accounts/users/new")
    pickers = page.locator("#affiliation-pickers")
    county, organisation = pickers.locator(".picker-bureau"), pickers.locator(".picker-organisation")
    expect(county).to_be_hidden()  # nothing chosen: no picker
    page.get_by_label("工作单位类别").select_option("bureau")
    expect(county).to_be_visible()
    expect(organisation).to_be_hidden()
    page.get_by_label("民政局所在区县").select_option(label="成都市武侯区")
    axe(page)
    assert wider_than_the_screen(page) == []
    screenshot(page, "account-new", full_page=True)  # as chosen: the kind and its picker
    switch_language(page, "en")
    page.get_by_label("Kind of affiliation").select_option("organisation")
    expect(organisation).to_be_visible()
    expect(county).to_be_hidden()
    assert wider_than_the_screen(page) == []
    screenshot(page, "account-new", full_page=True)
    switch_language(page, "zh")
    page.get_by_label("工作单位类别").select_option("bureau")
    page.get_by_label("民政局所在区县").select_option(label="成都市武侯区")
    page.get_by_label("角色").select_option("reviewer")
    page.get_by_label("用户名").fill("expert-zhang")
    page.get_by_label("显示名称").fill("张专家")
    page.get_by_label("自动生成密码（账号创建后显示一次）").check()
    with page.expect_navigation():
        page.get_by_role("button", name="创建账号").click()
    user = db.session.query(User).filter_by(username="expert-zhang").one()
    assert user.affiliation == "bureau:510107"
    db.session.close()
    page.goto(f"/office/assignments/reviewers/{user.id}")
    expect(page.locator("#f-affiliation-kind")).to_have_value("bureau")
    expect(page.locator("#f-affiliation-county")).to_have_value("510107")
    screenshots(page, f"/office/assignments/reviewers/{user.id}", "reviewer-affiliation", full_page=True)
    page.goto(f"/office/accounts/users/{user.id}")
    expect(page.locator("#user-facts")).to_contain_text("成都市武侯区民政局")


def test_the_audit_log_reads_as_sentences(office, axe):
    ident = _round()
    page = office
    page.goto(f"/office/rounds/{ident}/settings")
    page.locator("#f-disagreement_spread").fill("0.25")
    with page.expect_navigation():
        page.get_by_role("button", name="保存设置").click()
    page.goto("/office/audit")
    events = page.locator("#events")
    expect(events).to_contain_text("修改了“2027年度四川省特色社区评审”的评审设置。")
    expect(events).to_contain_text("分歧阈值：0.3 → 0.25")
    expect(events).to_contain_text("登录系统。")
    expect(events.get_by_role("link", name="“2027年度四川省特色社区评审”").first).to_have_attribute(
        "href", f"/office/rounds/{ident}"
    )
    axe(page)
    assert wider_than_the_screen(page) == []
    screenshots(page, "/office/audit", "audit-log", full_page=True)
    page.goto("/office/audit?until=2001-01-01")
    empty = page.locator("p.empty")
    expect(empty).to_have_text("没有符合筛选条件的记录。")
    assert empty.evaluate("(el) => getComputedStyle(el).fontStyle") == "normal"  # not slanted
