"""The office's cohorts in a real browser, in Chinese: from the round's page to its cohorts, formed
through the page's button; the scatter drawn with a marker per application and a legend per
cohort, then on two chosen figures; one application's place opened from the table and moved to
another cohort with a reason and the confirmation; the cohort pages and the applicant's cohort
page accessible and no wider than a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from evaluator.cohort_runs.models import CohortMove
from tests.browser.helpers import (
    accept_dialogs,
    count_rows,
    nameless_controls,
    path_of,
    screenshot,
    signed_in,
    wider_than_the_screen,
)

pytestmark = pytest.mark.browser


def test_the_office_forms_the_cohorts_and_moves_an_application(page, make_account, make_cohort_round, axe):
    rnd, apps = make_cohort_round()
    round_id, first = rnd.id, apps[0].id  # the accounts' fixture closes the session
    admin = make_account("admin")
    signed_in(accept_dialogs(page), admin)
    page.goto(f"/office/rounds/{round_id}")
    with page.expect_navigation():
        page.click("#round-cohorts")
    assert path_of(page) == f"/office/rounds/{round_id}/cohorts"
    expect(page.locator("main")).to_contain_text("尚未划分组别")
    with page.expect_navigation():
        page.click("#run-cohorts button[type=submit]")
    expect(page.locator("main .notice").first).to_contain_text("3")
    expect(page.locator("svg.chart-scatter g.point")).to_have_count(36)
    expect(page.locator("svg.chart-scatter g.legend")).to_have_count(3)
    expect(page.locator("#cohort-table tbody tr")).to_have_count(3)
    expect(page.locator("#cohort-1")).to_contain_text("易地扶贫搬迁社区")
    expect(page.locator("#verdict")).to_contain_text("区分明显")
    assert axe(page) is not None and nameless_controls(page) == [] and wider_than_the_screen(page) == []
    screenshot(page, "cohorts", full_page=True)

    page.select_option("#f-x", "households")
    page.select_option("#f-y", "aged_share")
    with page.expect_navigation():
        page.click("#axes button[type=submit]")
    expect(page.locator("svg.chart-scatter")).to_contain_text("常住户数")
    expect(page.locator("svg.chart-scatter g.point")).to_have_count(36)

    with page.expect_navigation():
        page.click(f"#member-{first} a")
    expect(page.locator("#placement")).to_contain_text("第 1 组")
    expect(page.locator("#peer-table tbody tr")).to_have_count(20)
    assert axe(page) is not None and nameless_controls(page) == [] and wider_than_the_screen(page) == []
    screenshot(page, "cohort-member", full_page=True)
    page.select_option("#f-cohort", "2")
    page.fill("#f-reason", "户数接近集镇社区，经复核调整")
    with page.expect_navigation():
        page.click("#move-form button[type=submit]")  # the confirmation is answered, the box ticked
    expect(page.locator("#placement")).to_contain_text("第 2 组")
    expect(page.locator("#move")).to_contain_text("户数接近集镇社区，经复核调整")
    assert count_rows(CohortMove, application_id=first) == 1
    page.goto(f"/office/rounds/{round_id}/cohorts")
    expect(page.locator(f"#member-{first}")).to_contain_text("已调整")
    # Forming them anew now asks first: the move does not carry over to a new run.
    expect(page.locator("#f-replace-moves")).to_be_visible()
    expect(page.locator("#run-cohorts button[type=submit]")).to_have_attribute(
        "data-confirm-box", "f-replace-moves"
    )

    # The settings, changed on the page: two cohorts exactly, the households weighing double.
    page.click("#cohort-settings summary")
    expect(page.locator("#f-k_min")).to_have_value("3")
    page.fill("#f-k_min", "2")
    page.fill("#f-k_max", "2")
    page.fill("#f-weight-households", "2")
    with page.expect_navigation():
        page.click("#settings-form button[type=submit]")
    expect(
        page.locator("#f-settings-replace-moves + label + ul, #settings-replace-moves-errors")
    ).to_have_count(0)
    expect(page.locator("#settings_replace_moves-errors")).to_be_visible()  # the move: said beside the box
    expect(page.locator("#replace_moves-errors")).to_have_count(0)  # not beside the other form's box
    assert axe(page) is not None and nameless_controls(page) == [] and wider_than_the_screen(page) == []
    screenshot(page, "cohort-settings-errors")
    page.check("#f-settings_replace_moves")
    with page.expect_navigation():
        page.click("#settings-form button[type=submit]")
    expect(page.locator("#cohort-table tbody tr")).to_have_count(2)
    expect(page.locator("#run-facts")).to_contain_text("× 2")


def test_the_applicant_reads_its_cohort_and_peers(page, make_account, make_cohort_round, axe):
    from evaluator.cohort_runs import service
    from evaluator.extensions import db

    rnd, apps = make_cohort_round(blind=True)
    service.run(None, rnd)
    db.session.commit()
    app_id, organisation_id = apps[0].id, apps[0].organisation_id
    account = make_account("applicant", organisation_id=organisation_id)
    signed_in(page, account)
    page.goto(f"/applicant/applications/{app_id}")
    with page.expect_navigation():
        page.click("#cohort-link")
    expect(page.locator("#my-cohort")).to_contain_text("易地扶贫搬迁社区")
    expect(page.locator("#peer-table tbody tr")).to_have_count(20)
    expect(page.locator("#peers")).to_contain_text("盲评")
    assert axe(page) is not None and nameless_controls(page) == [] and wider_than_the_screen(page) == []
    screenshot(page, "applicant-cohort", full_page=True)
