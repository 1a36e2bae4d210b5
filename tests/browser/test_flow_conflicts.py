"""Declared conflicts in a real browser, in Chinese: an applicant asks for a reviewer's recusal from
its application's page, a reviewer declares a conflict with an organisation on their profile (no
applicant listed there), and the office accepts one and refuses the other on the round's assignment
page; the pages fit a phone's width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from evaluator.assignments.models import ConflictDeclaration
from tests.browser.helpers import fresh, screenshot, sign_out, signed_in

pytestmark = pytest.mark.browser


def fits(page) -> None:
    """The page needs no sideways scrolling at 390 px."""
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 800})


def declarations() -> tuple[ConflictDeclaration, ConflictDeclaration]:
    """The expert's declaration and the applicant's, as the server committed them."""
    from evaluator.extensions import db

    db.session.rollback()
    ids = dict(db.session.execute(select(ConflictDeclaration.side, ConflictDeclaration.id)).all())
    return fresh(ConflictDeclaration, ids["reviewer"]), fresh(ConflictDeclaration, ids["applicant"])


def test_declaring_and_deciding_conflicts(page, review_round, make_account, axe):
    rnd, apps = review_round(2, settings={"blind": True})
    round_id = rnd.id
    target, applying = apps[0].organisation.name, apps[1].organisation.name
    applying_id, applying_org = apps[1].id, apps[1].organisation_id
    expert = make_account("reviewer", display_name="李专家", affiliation="四川大学公共管理学院")
    applicant = make_account("applicant", organisation_id=applying_org)
    office = make_account("admin")

    # The applicant asks for the expert's recusal from its application's page.
    signed_in(page, applicant)
    page.goto(f"/applicant/applications/{applying_id}")
    page.click("#conflicts-link")
    expect(page.locator("h1")).to_have_text("申请评审专家回避")
    page.select_option("#f-reviewer_id", label="李专家 · 四川大学公共管理学院")
    page.fill("#f-reason", "该专家曾为本社区提供有偿咨询")
    with page.expect_navigation():
        page.click("#conflict-form button[type=submit]")
    expect(page.locator("#conflicts")).to_contain_text("待省厅决定")
    axe(page)
    fits(page)
    sign_out(page)

    # The expert declares a conflict with an organisation they name; no applicant is listed.
    signed_in(page, expert)
    page.goto("/reviewer/profile")
    assert target not in page.content() and applying not in page.content()
    page.fill("#f-organisation", target)
    page.fill("#f-reason", "配偶在该社区工作")
    with page.expect_navigation():
        page.click("#conflict-form button[type=submit]")
    expect(page.locator(".notice.success, [role=status]").first).to_contain_text("经省厅认可后生效")
    expect(page.locator("#conflicts")).to_contain_text(target)
    expect(page.locator("#conflicts")).to_contain_text("待省厅决定")
    axe(page)
    fits(page)
    screenshot(page, "conflicts-profile", full_page=True)
    sign_out(page)

    # The office accepts the expert's declaration and refuses the applicant's, each with a reason.
    signed_in(page, office)
    page.goto(f"/office/rounds/{round_id}/assignments")
    expect(page.locator("#pending-count")).to_contain_text("待决定：2 项")
    by_expert, by_applicant = declarations()
    page.locator("#declarations").scroll_into_view_if_needed()
    screenshot(page, "conflicts-office")
    accept = page.locator(f"#decision-{by_expert.id}")
    accept.locator("textarea").fill("经核实属实")
    with page.expect_navigation():
        accept.get_by_role("button", name="认可", exact=True).click()
    refuse = page.locator(f"#decision-{by_applicant.id}")
    refuse.locator("textarea").fill("咨询已结束两年以上")
    with page.expect_navigation():
        refuse.get_by_role("button", name="不予认可").click()
    expect(page.locator("#pending-count")).to_contain_text("待决定：0 项")
    expect(page.locator(f"#declaration-{by_expert.id} .conflict-status")).to_contain_text("已认可")
    axe(page)
    fits(page)
    by_expert, by_applicant = declarations()
    assert (by_expert.status, by_expert.decision_reason) == ("accepted", "经核实属实")
    assert (by_applicant.status, by_applicant.side) == ("refused", "applicant")
    sign_out(page)

    # The expert reads the decision and its reason.
    signed_in(page, expert)
    page.goto("/reviewer/profile")
    expect(page.locator("#conflicts")).to_contain_text("已认可")
    expect(page.locator("#conflicts")).to_contain_text("经核实属实")
