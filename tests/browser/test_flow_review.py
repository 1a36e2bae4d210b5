"""A reviewer scores an application in a real browser with the keyboard only: the score inputs in
tab order, Enter moving to the next indicator, the draft saved automatically (seen on the page and
in the database), Ctrl+S saving at once, and the review submitted from the keyboard (its
confirmation ticked with the space bar)."""

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

    # Tab on to the confirmation, tick it with the space bar (so no dialog asks again), then on to
    # the submit button and press it.
    page.keyboard.press("Tab")
    expect(page.locator("#f-confirm")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#f-confirm")).to_be_checked()
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


def test_a_stale_version_stops_the_autosave_and_keeps_the_input(page, make_review_case):
    """The review was saved elsewhere (another tab) since the page read it: the autosave's 412 is
    said on the page, autosave stops (no further saves over the other one), the input stays."""
    from sqlalchemy import update

    from evaluator.extensions import db

    case = make_review_case(criteria="fc-2026", figures=FC_FIGURES, bonus_claims=())
    assignment_id = case.assignment().id
    score = f"#score-{CS.expert_leaves[0].id}"
    signed_in(page, case.reviewers[0][0].username, PASSWORD)
    page.goto(f"/reviewer/assignments/{assignment_id}")
    page.fill(score, "1")
    expect(page.locator("#autosave-status.ok")).to_be_visible(timeout=10_000)
    db.session.rollback()  # a fresh transaction, after the page's save
    db.session.execute(
        update(Review).where(Review.assignment_id == assignment_id).values(version=Review.version + 1)
    )
    db.session.commit()

    page.watch.allow(r"/autosave answered 412$")
    page.watch.allow(r"/autosave: Failed to load resource: .* status of 412")
    saves: list[str] = []
    page.on("request", lambda r: saves.append(r.url) if r.url.endswith("/autosave") else None)
    with page.expect_response(lambda r: r.url.endswith("/autosave")) as sent:
        page.fill(score, "2")
    assert sent.value.status == 412
    expect(page.locator("#autosave-status.error")).to_contain_text("已在别处保存")
    page.fill(score, "3")
    page.keyboard.press("Control+s")
    page.wait_for_timeout(2_000)
    assert len(saves) == 1  # stopped: the page never saves over the other tab's version
    expect(page.locator(score)).to_have_value("3")
    assert committed_review(assignment_id).version == 2
