"""The expert's sheet in a real browser: a score out of its range marked where it is typed while
everything else of the draft is saved, the focus on the first missing score after a refused
submission, the confirmations of 提交评审 and 回避, a closed review that reads as text, and the
recusal page that names the application as blind mode allows and leads back. Screenshots of the
sheet (open, with an error, closed) and of the recusal page, in both languages at both widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from evaluator.assignments.models import Assignment
from evaluator.criteria import load_criteria
from evaluator.extensions import db
from evaluator.reviews.models import Review
from evaluator.reviews.service import scores_by_id
from tests.browser.helpers import (
    FC_FIGURES,
    SCREENSHOTS,
    SIZES,
    fresh,
    screenshots,
    settled,
    signed_in,
    switch_language,
    wider_than_the_screen,
)
from tests.pages import PASSWORD

pytestmark = pytest.mark.browser

CS = load_criteria("fc-2026")
LEAVES = CS.expert_leaves
SMALL = next(leaf for leaf in LEAVES if leaf.points < 9)  # 9 is out of its range


def committed_review(assignment_id: int) -> Review | None:
    from sqlalchemy import select

    db.session.rollback()
    review = db.session.scalar(select(Review).where(Review.assignment_id == assignment_id))
    return None if review is None else fresh(Review, review.id)


def stored_scores(assignment_id: int) -> dict[str, float]:
    return scores_by_id(committed_review(assignment_id), CS)


def sheet_of(page: Page, case, index: int = 0) -> int:
    """Sign in as the case's first reviewer and open the sheet of its ``index``-th application."""
    assignment_id = case.assignment(index, 0).id
    signed_in(page, case.reviewers[0][0].username, PASSWORD)
    page.goto(f"/reviewer/assignments/{assignment_id}")
    return assignment_id


def screenshot_of(page: Page, name: str, selector: str) -> None:
    """Both widths' screenshots in the page's language with ``selector`` in the middle of the screen
    (a refused entry is far down the sheet); the viewport is put back afterwards."""
    language = "zh" if (page.get_attribute("html", "lang") or "").startswith("zh") else "en"
    before = page.viewport_size
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        for label, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.locator(selector).evaluate("el => el.scrollIntoView({block: 'center'})")
            settled(page)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.{language}.{label}.png"), animations="disabled")
    finally:
        if before:
            page.set_viewport_size(before)


def test_a_score_out_of_range_is_marked_and_the_rest_of_the_draft_saved(page, make_review_case, axe):
    case = make_review_case(criteria="fc-2026", figures=FC_FIGURES, bonus_claims=())
    assignment_id = sheet_of(page, case)
    other = next(leaf for leaf in LEAVES if leaf.id != SMALL.id)
    score = page.locator(f"#score-{SMALL.id}")
    screenshots(page, page.url, "review-sheet-open")

    page.fill(f"#score-{other.id}", "1")
    page.fill(f"#comment-{other.id}", "台账齐全")
    score.fill("9")
    status = page.locator("#autosave-status")
    expect(status).to_have_class("autosave warning", timeout=10_000)
    # The field is marked, with the message beside it naming the allowed range, in Chinese.
    expect(score).to_have_attribute("aria-invalid", "true")
    errors = page.locator(f"#scores-{SMALL.id}-errors")
    expect(errors).to_have_text(f"评分应在 0 至 {SMALL.points:g} 之间。")
    assert f"scores-{SMALL.id}-errors" in score.get_attribute("aria-describedby")
    expect(status).to_contain_text(f"{SMALL.name}（评分）")
    expect(status).to_contain_text("未保存")
    # The only field marked is that one; everything valid is saved.
    expect(page.locator("#review-form [aria-invalid=true]")).to_have_count(1)
    assert stored_scores(assignment_id) == {other.id: 1.0}
    assert committed_review(assignment_id).comments == {other.id: "台账齐全"}
    expect(page.locator("#progress")).to_have_text(f"1 / {len(LEAVES)}")
    axe(page)
    screenshot_of(page, "review-sheet-error", f"#score-{SMALL.id}")
    expect(status).to_be_in_viewport()  # the status line stays in sight

    # Corrected, it is saved and the mark goes.
    score.fill(f"{SMALL.points:g}")
    expect(status).to_have_class("autosave ok", timeout=10_000)
    expect(score).not_to_have_attribute("aria-invalid", "true")
    expect(errors).to_have_count(0)
    assert stored_scores(assignment_id) == {other.id: 1.0, SMALL.id: SMALL.points}

    # Typed over a saved score, an out-of-range value keeps the saved one and says so, in English too.
    switch_language(page, "en")
    score.fill("9")
    expect(status).to_have_class("autosave warning", timeout=10_000)
    expect(errors).to_have_text(f"A score lies between 0 and {SMALL.points:g}.")
    expect(status).to_contain_text(f"Draft saved, except: {SMALL.name_en} (score).")
    assert stored_scores(assignment_id)[SMALL.id] == SMALL.points
    screenshot_of(page, "review-sheet-error", f"#score-{SMALL.id}")
    assert wider_than_the_screen(page) == []


def test_submitting_with_gaps_focuses_the_first_missing_score(page, make_review_case):
    case = make_review_case(criteria="fc-2026", figures=FC_FIGURES, bonus_claims=())
    assignment_id = sheet_of(page, case)
    for leaf in LEAVES[2:5]:
        page.fill(f"#score-{leaf.id}", "1")
    expect(page.locator("#autosave-status")).to_have_class("autosave ok", timeout=10_000)

    # Dismissed, the confirmation sends nothing.
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.locator("#submit-review").click()
    page.wait_for_timeout(300)
    assert asked and "提交评审" in asked[0]
    assert committed_review(assignment_id).status == "draft"
    assert not page.locator("#f-confirm").is_checked()

    # Accepted, the form is sent; the gaps refuse it and the first missing score has the focus.
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.locator("#submit-review").click()
    expect(page.locator("#form-problems")).to_be_visible()
    expect(page.locator(f"#score-{LEAVES[0].id}")).to_be_focused()
    expect(page.locator(f"#score-{LEAVES[0].id}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#scores-{LEAVES[0].id}-errors")).to_have_text("提交前请为该指标评分。")
    expect(page.locator(f"#score-{LEAVES[2].id}")).to_have_value("1")
    assert committed_review(assignment_id).status == "draft"

    # Scored and confirmed, it is submitted.
    for leaf in LEAVES:
        page.fill(f"#score-{leaf.id}", "1")
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.locator("#submit-review").click()
    assert committed_review(assignment_id).status == "submitted"
    expect(page.locator("#f-confirm")).to_have_count(0)  # submitted: changes need no confirmation


def test_on_a_phone_the_figures_start_folded_and_the_scores_come_first(new_page, make_review_case):
    case = make_review_case(criteria="fc-2026", figures=FC_FIGURES, bonus_claims=())
    page = new_page(viewport={"width": 390, "height": 844})
    sheet_of(page, case)
    table = page.locator("#figures table")
    expect(table).to_be_hidden()
    summary = page.locator("#figures-details > summary")
    expect(summary).to_contain_text("项数据")  # how many figures wait behind the fold
    assert page.locator(f"#score-{LEAVES[0].id}").bounding_box()["y"] < 2 * 844  # within two screens
    summary.click()
    expect(table).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.reload()
    expect(table).to_be_visible()  # beside the sheet on a wide screen, open from the start


def test_a_closed_review_reads_as_text(page, make_review_case, axe):
    case = make_review_case(criteria="fc-2026", figures=FC_FIGURES, bonus_claims=("national_meeting_site",))
    a = case.assignment()
    review = Review(
        assignment_id=a.id,
        round_id=a.round_id,
        status="submitted",
        comments={LEAVES[0].id: "党建台账完整", "": "总体较好"},
        vetoes=[],
        bonus_verified={"national_meeting_site": True},
    )
    import numpy as np

    review.scores = np.array([leaf.points / 2 for leaf in LEAVES], dtype="<f8").tobytes()
    db.session.add(review)
    case.round.phase = "scoring_closed"
    db.session.commit()
    sheet_of(page, case)
    db.session.close()
    form = page.locator("#review-form")
    expect(form).to_have_class("closed")
    expect(form.locator("input:not([type=hidden]), textarea, select, button")).to_have_count(0)
    expect(page.locator("#keys-hint")).to_have_count(0)
    expect(page.locator(".notice.warning")).to_contain_text("不能修改")
    expect(page.locator(f"#score-{LEAVES[0].id} .score-value")).to_have_text(f"{LEAVES[0].points / 2:g}")
    expect(page.locator(f"#indicator-{LEAVES[0].id} .comment-shown")).to_contain_text("党建台账完整")
    expect(page.locator("#bonus-national_meeting_site .verdict")).to_have_text("已核实")
    expect(page.locator("#overall-comment")).to_contain_text("总体较好")
    expect(page.locator("#vetoes")).to_contain_text("未提出否决")
    axe(page)
    screenshots(page, page.url, "review-sheet-closed")
    for language in ("zh", "en"):  # the sheet itself, which a phone shows below the figures
        switch_language(page, language)
        screenshot_of(page, "review-sheet-closed-scores", f"#indicator-{LEAVES[0].id}")
        assert wider_than_the_screen(page) == []
    switch_language(page, "zh")


def test_the_recusal_page_names_the_application_blind_and_leads_back(page, make_review_case, axe):
    case = make_review_case(criteria="fc-2026", figures=FC_FIGURES, bonus_claims=(), settings={"blind": True})
    assignment_id = sheet_of(page, case)
    application_id = case.applications[0].id
    page.locator(f"a[href='/reviewer/assignments/{assignment_id}/recuse']").click()
    expect(page.locator("#recusal-application")).to_have_text(f"申报 {application_id}")
    body = page.locator("main").inner_text()
    assert case.applications[0].organisation.name not in body and "锦江区" not in body
    assert "成都市" in body
    axe(page)
    screenshots(page, page.url, "review-recuse")
    assert wider_than_the_screen(page) == []

    # The way back: to the sheet.
    page.locator("#back-to-sheet").click()
    expect(page.locator("#review-form")).to_be_visible()
    page.go_back()

    # Without the reason nothing happens; the dialog names the application; dismissed, nothing is sent.
    page.fill("#f-reason", "曾为该社区提供规划咨询")
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.locator("#recuse-form button[type=submit]").click()
    page.wait_for_timeout(300)
    assert asked and f"申报 {application_id}" in asked[0]
    assert fresh(Assignment, assignment_id).status == "active"
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.locator("#recuse-form button[type=submit]").click()
    assert fresh(Assignment, assignment_id).status == "recused"


# ------------------------------------------------------------------------ the applicant's side


def test_the_self_assessment_shows_calculated_indicators_and_keeps_a_running_total(page, make_account, axe):
    from evaluator.applications.autoscore import auto_scores, auto_total
    from tests.browser.helpers import application_of, open_round

    round_id = open_round("2026年度特色社区（自评）")
    account = make_account("applicant")
    application_id = application_of(account, round_id, FC_FIGURES)
    calculated = round(auto_total(auto_scores(CS, FC_FIGURES)), 2)
    signed_in(page, account)
    page.goto(f"/applicant/applications/{application_id}/self-assessment")

    # A calculated indicator: its rule and points, no box to type a score into.
    auto = page.locator("#auto-basic_compound_party_coverage")
    expect(auto).to_contain_text("按“小区（院落）党组织覆盖率”分档计分")
    expect(auto).to_contain_text("根据填报数据计算：1 分（满分 2 分）")
    expect(page.locator("#f-self_assessment-basic_compound_party_coverage")).to_have_count(0)
    expect(page.locator("input[name^='self_assessment.']")).to_have_count(len(LEAVES))

    # The running total: the calculated points, then each score typed, each bonus item ticked.
    total = page.locator("#total-points")
    expect(total).to_have_text(f"{calculated:g}")
    page.fill(f"#f-self_assessment-{LEAVES[0].id}", "3")
    expect(total).to_have_text(f"{calculated + 3:g}")
    expect(page.locator("#own-points")).to_have_text("3")
    page.fill(f"#f-self_assessment-{LEAVES[1].id}", "1.5")
    expect(total).to_have_text(f"{calculated + 4.5:g}")
    page.fill(f"#f-self_assessment-{LEAVES[1].id}", "99")  # beyond its points: not counted
    expect(total).to_have_text(f"{calculated + 3:g}")
    page.fill(f"#f-self_assessment-{LEAVES[1].id}", "1.5")
    page.check("#f-bonus-national_meeting_site")
    expect(page.locator("#bonus-points")).to_have_text("4")
    expect(page.locator("#self-total")).to_be_in_viewport()  # kept in sight while the form scrolls
    axe(page)

    # Saved, the server shows the same total.
    with page.expect_navigation():
        page.locator("#assessment-form .actions button[type=submit]").click()
    expect(total).to_have_text(f"{calculated + 4.5:g}")
    expect(page.locator("#bonus-points")).to_have_text("4")
    screenshots(page, page.url, "applicant-self-assessment-total")
    page.goto(f"/applicant/applications/{application_id}/self-assessment#auto-basic_compound_party_coverage")
    switch_language(page, "en")
    expect(page.locator("#auto-basic_compound_party_coverage")).to_contain_text("In steps by")
    screenshot_of(page, "applicant-self-assessment-calculated", "#auto-basic_compound_party_coverage")
    switch_language(page, "zh")
    screenshot_of(page, "applicant-self-assessment-calculated", "#auto-basic_compound_party_coverage")
    assert wider_than_the_screen(page) == []
