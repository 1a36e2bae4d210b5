"""A reviewer scores an application in a real browser with the keyboard only: the score inputs in
tab order, Enter moving to the next indicator, the draft saved automatically (seen on the page and
in the database), Ctrl+S saving at once, and the review submitted from the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from evaluator.criteria import load_criteria
from evaluator.reviews.models import Review
from tests.browser.helpers import FC_FIGURES, fresh, signed_in
from tests.pages import PASSWORD

pytestmark = pytest.mark.browser

CS = load_criteria("fc-2026")


def committed_review(assignment_id: int) -> Review | None:
    from sqlalchemy import select

    from evaluator.extensions import db

    db.session.rollback()
    review = db.session.scalar(select(Review).where(Review.assignment_id == assignment_id))
    return None if review is None else fresh(Review, review.id)


def test_a_reviewer_scores_with_the_keyboard_only(page, make_review_case, axe):
    case = make_review_case(criteria="fc-2026", figures=FC_FIGURES, bonus_claims=())
    assignment_id = case.assignment().id
    leaves = CS.expert_leaves
    username = case.reviewers[0][0].username
    signed_in(page, username, PASSWORD)
    page.goto(f"/reviewer/assignments/{assignment_id}")
    expect(page.locator("input.score")).to_have_count(len(leaves))
    axe(page)

    # Tab from the top of the page reaches the first score input.
    first = f"score-{leaves[0].id}"
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == first:
            break
    expect(page.locator(f"#score-{leaves[0].id}")).to_be_focused()
    for i, leaf in enumerate(leaves):
        page.keyboard.type(f"{leaf.points / 2:g}")
        page.keyboard.press("Enter")
        target = f"#score-{leaves[i + 1].id}" if i + 1 < len(leaves) else "#f-overall-comment"
        expect(page.locator(target)).to_be_focused()
    expect(page.locator("#autosave-status.ok")).to_be_visible(timeout=10_000)
    expect(page.locator("#progress")).to_have_text(f"{len(leaves)} / {len(leaves)}")
    review = committed_review(assignment_id)
    assert review is not None and review.status == "draft"
    assert review.version >= 1

    page.keyboard.type("材料齐全，特色突出")
    page.keyboard.press("Control+s")
    expect(page.locator("#autosave-status")).to_have_class("autosave ok", timeout=10_000)
    page.wait_for_function("() => document.getElementById('autosave-status').className === 'autosave ok'")

    # Tab on to the submit button and press it.
    page.keyboard.press("Tab")
    expect(page.locator("#save-draft")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#submit-review")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#review-status")).not_to_have_text("")
    review = committed_review(assignment_id)
    assert review.status == "submitted"
    assert review.comments.get("") == "材料齐全，特色突出"
    axe(page)
