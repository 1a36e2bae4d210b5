"""The whole procedure in a real browser, in Chinese, each person on their own pages:
a county office endorses three applications, its city office checks them and recommends two within a
quota of two, the provincial office moves the round into review and assigns panels of three, one
expert recuses (a replacement takes the place), every panel member scores and submits, and the
office computes the results and reads them — ranked, with each application's breakdown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from evaluator.applications.models import Application
from evaluator.assignments.models import Assignment
from evaluator.core.db import utcnow
from evaluator.criteria import load_criteria
from evaluator.extensions import db
from evaluator.results.models import ApplicationResult
from evaluator.reviews.models import Review
from evaluator.rounds.models import Round
from tests.browser.helpers import (
    FC_FIGURES,
    accept_dialogs,
    application_of,
    fresh,
    open_round,
    signed_in,
)

pytestmark = pytest.mark.browser

CS = load_criteria("fc-2026")


def _committed(statement):
    db.session.rollback()
    rows = db.session.scalars(statement).all()
    db.session.expunge_all()
    db.session.rollback()
    return rows


def _score_and_submit(page: Page, assignment_id: int, share: float) -> None:
    """Score every indicator at ``share`` of its points on the scoring page and submit."""
    page.goto(f"/reviewer/assignments/{assignment_id}")
    inputs = page.locator("input.score")
    expect(inputs).to_have_count(len(CS.expert_leaves))
    for leaf in CS.expert_leaves:
        page.locator(f"#score-{leaf.id}").fill(f"{round(leaf.points * share * 2) / 2:g}")
    with page.expect_navigation():
        page.locator("#submit-review").click()
    expect(page.locator("#review-status")).not_to_have_text("")


def test_county_city_office_experts_and_results(page, new_page, make_account, axe):
    round_id = open_round("2026年度特色社区（全流程）", submission_deadline=utcnow() + timedelta(days=3))
    rnd = db.session.get(Round, round_id)
    rnd.settings = {"quota": {"kind": "number", "value": 2}, "reviewers_per_application": 3}
    db.session.commit()
    db.session.close()
    applicants = [make_account("applicant") for _ in range(3)]
    ids = [application_of(a, round_id, FC_FIGURES, submit=True) for a in applicants]
    county = make_account("county_office", home_region_code="510107", display_name="武侯区民政局")
    city = make_account("city_office", home_region_code="510100", display_name="成都市民政局")
    admin = make_account("admin", display_name="省民政厅")
    experts = [
        make_account("reviewer", home_region_code=code, affiliation=f"第{k}研究院", display_name=f"专家{k}")
        for k, code in enumerate(("510302", "510402", "510502", "510603"), start=1)
    ]

    # 县级申报: the county office endorses all three from its queue.
    signed_in(accept_dialogs(page), county)  # 同意上报 asks for confirmation
    for ident in ids:
        page.locator(f"#application-{ident} a").click()
        page.locator("#f-endorse-note").fill("材料齐全，同意上报")
        page.locator("#endorse-form button[type=submit]").click()
        expect(page.locator("#queue")).to_be_visible()
    assert {fresh(Application, i).status for i in ids} == {"endorsed"}

    # 市级把关: the city office checks each, then recommends two within its quota of two.
    office = new_page()
    signed_in(office, city)
    for ident in ids:
        office.goto(f"/region/applications/{ident}")
        office.locator("#f-passed-yes").check()
        office.locator("#f-check-note").fill("核实无误")
        office.locator("#check-form button[type=submit]").click()
        expect(office.locator("#checks")).to_contain_text("核实无误")
    office.goto("/region/ranking")
    office.locator(f"#f-rank-{ids[0]}").fill("1")
    office.locator(f"#f-rank-{ids[1]}").fill("2")
    office.locator("#ranking-form button[type=submit]").click()
    expect(office.locator("#quota-used")).to_contain_text("2 / 2")
    recommended = ids[:2]

    # 省级审核: the deadline has passed; the office moves the round into review.
    rnd = db.session.get(Round, round_id)
    rnd.submission_deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    db.session.close()
    province = accept_dialogs(new_page())
    signed_in(province, admin)
    province.goto(f"/office/rounds/{round_id}")
    province.locator("#f-reason").fill("申报截止，市级推荐已完成")
    province.locator("#f-confirm").check()
    with province.expect_navigation():
        province.locator("#advance button[type=submit]").click()
    assert fresh(Round, round_id).phase == "review"
    # the one its city did not recommend does not stay in between: not recommended, final
    assert [fresh(Application, i).status for i in ids] == ["under_review", "under_review", "not_recommended"]

    # The automatic assignment: panels of three for the two recommended applications.
    province.locator("#round-assignments").click()
    with province.expect_navigation():
        province.locator("#auto-form button[type=submit]").click()
    expect(province.locator("#pairs-made")).to_have_text("6")
    axe(province)

    # One expert recuses from an assignment; another without a conflict takes the place.
    panels = _committed(select(Assignment).where(Assignment.round_id == round_id))
    first = next(a for a in panels if a.reviewer_id == experts[0].id)
    expert = accept_dialogs(new_page())  # 回避 and 提交评审 ask for confirmation
    signed_in(expert, experts[0])
    expert.goto(f"/reviewer/assignments/{first.id}/recuse")
    expert.locator("#f-reason").fill("本人曾参与该社区的规划咨询，申请回避。")
    expert.locator("#recuse-form button[type=submit]").click()
    assert fresh(Assignment, first.id).status == "recused"
    active = _committed(
        select(Assignment).where(Assignment.round_id == round_id, Assignment.status == "active")
    )
    assert len(active) == 6  # the replacement is in
    assert sum(a.application_id == first.application_id for a in active) == 3
    assert all(a.reviewer_id != experts[0].id or a.application_id != first.application_id for a in active)

    # Every active panel member scores and submits, each on their own page.
    by_reviewer: dict[int, list[int]] = {}
    for a in active:
        by_reviewer.setdefault(a.reviewer_id, []).append(a.id)
    shares = {recommended[0]: 0.9, recommended[1]: 0.7}
    app_of = {a.id: a.application_id for a in active}
    for account in experts:
        mine = by_reviewer.get(account.id, [])
        if not mine:
            continue
        reviewer_page = expert if account is experts[0] else accept_dialogs(new_page())
        if account is not experts[0]:
            signed_in(reviewer_page, account)
        for assignment_id in mine:
            _score_and_submit(reviewer_page, assignment_id, shares[app_of[assignment_id]])
    reviews = _committed(select(Review).where(Review.round_id == round_id))
    assert len(reviews) == 6 and {r.status for r in reviews} == {"submitted"}

    # The office computes the results and reads them: two ranked, the better one first.
    province.goto(f"/office/rounds/{round_id}/results")
    with province.expect_navigation():
        province.locator("#compute button[type=submit]").click()
    expect(province.locator("#results tbody tr")).to_have_count(2)
    axe(province)
    lines = _committed(select(ApplicationResult).order_by(ApplicationResult.rank))
    assert [(line.application_id, line.rank) for line in lines] == [(recommended[0], 1), (recommended[1], 2)]
    province.locator(f"#results a[href*='/applications/{recommended[0]}']").first.click()
    expect(province.locator("svg").first).to_be_visible()
    axe(province)
