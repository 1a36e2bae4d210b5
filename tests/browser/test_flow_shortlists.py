"""The shortlist in a real browser: the office's pages and the public's pages pass axe, fit a phone and
read in both languages; a reader with no account opens the list, objects with an evidence file and
follows the objection by its receipt code; the office upholds it and the corrected list is public;
a late objection is refused; the objection form is rate-limited per address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from evaluator.extensions import db
from tests.browser.helpers import (
    PDF_BYTES,
    duplicate_ids,
    nameless_controls,
    screenshot,
    signed_in,
    switch_language,
    wider_than_the_screen,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def published(app, make_closed_round, make_account):
    """A round whose shortlist is published (2 per cohort) and the office's account."""
    from evaluator.accounts.models import User
    from evaluator.shortlists import drafting, publishing

    office = make_account("admin")
    sr, _admin, _headers = make_closed_round(n_apps=6)
    actor = db.session.get(User, office.id)
    listing = drafting.draft(actor, sr.rnd, {"cohort_quota": {"kind": "number", "value": 2}})
    publishing.publish(actor, listing)
    db.session.commit()
    ids = {"round": sr.rnd.id, "list": listing.id}
    db.session.close()
    return ids, office


def check(page: Page, name: str, axe) -> None:
    axe(page)
    assert nameless_controls(page) == [], name
    assert duplicate_ids(page) == [], name
    assert wider_than_the_screen(page) == [], name
    screenshot(page, name)


def object_once(page: Page, list_id: int, pdf: bool = False) -> int:
    """Fill and send the objection form; the status of the answer."""
    page.goto(f"/public/shortlists/{list_id}/objection")
    page.fill("#f-name", "张三")
    page.fill("#f-contact", "13800000000")
    page.select_option("#f-entry_no", "1")
    page.fill("#f-text", "该社区的活动照片与其他社区的申报材料雷同，请核查。")
    if pdf:
        page.set_input_files(
            "#f-file", files=[{"name": "照片对比.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
        )
    with page.expect_navigation() as navigation:
        page.locator("#objection-form button[type=submit]").click()
    return navigation.value.status


def test_the_pages_are_accessible_and_fit_a_phone(new_page, published, axe):
    ids, office = published
    reader = new_page()
    for name, url in (
        ("public-shortlist", f"/public/shortlists/{ids['list']}"),
        ("public-objection-form", f"/public/shortlists/{ids['list']}/objection"),
    ):
        reader.goto(url)
        expect(reader.locator("html")).to_have_attribute("lang", "zh-CN")
        check(reader, name, axe)
        reader.goto(url + "?lang=en")
        expect(reader.locator("html")).to_have_attribute("lang", "en")
        check(reader, name, axe)
    page = new_page()
    signed_in(page, office)
    pages = {
        "office-shortlists": f"/office/rounds/{ids['round']}/shortlists",
        "office-shortlist": f"/office/shortlists/{ids['list']}",
    }
    for name, url in pages.items():
        page.goto(url)
        check(page, name, axe)
    switch_language(page, "en")
    for name, url in pages.items():
        page.goto(url)
        check(page, name, axe)


def test_an_objection_end_to_end(new_page, published, axe):
    ids, office = published
    reader = new_page()
    reader.goto(f"/public/shortlists/{ids['list']}")
    assert reader.context.cookies() == []  # reading the list sets no cookie
    with reader.expect_navigation():
        reader.click("#object-link")
    assert object_once(reader, ids["list"], pdf=True) == 200  # after the redirect: the receipt page
    expect(reader.locator("h1")).to_contain_text("异议")
    receipt = reader.url.rsplit("/", 1)[1]
    expect(reader.locator("#objection-state")).to_have_text("已受理，待省厅处理")
    assert "13800000000" not in reader.content() and "张三" not in reader.content()
    check(reader, "public-objection", axe)

    from evaluator.shortlists.models import Objection

    objection = db.session.scalars(select(Objection).where(Objection.receipt == receipt)).one()
    db.session.close()
    page = new_page()
    signed_in(page, office)
    page.goto(f"/office/objections/{objection.id}")
    check(page, "office-objection", axe)
    page.select_option("#f-outcome", "upheld")
    page.select_option("#f-remedy", "remove")
    page.fill("#f-reason", "经核查，活动照片确系借用其他社区材料。")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("#decide-form button[type=submit]").click()
    expect(page.locator("#objection-state")).to_have_text("异议成立")

    reader.goto(f"/public/objections/{receipt}")
    expect(reader.locator("#objection-state")).to_have_text("异议成立")
    expect(reader.locator("#objection-reason")).to_have_text("经核查，活动照片确系借用其他社区材料。")
    with reader.expect_navigation():
        reader.click("#correction-link")
    expect(reader.locator("#changes")).to_contain_text("移出名单")
    reader.goto(f"/public/shortlists/{ids['list']}")
    expect(reader.locator("#superseded")).to_be_visible()


def test_a_late_objection_is_refused(new_page, published):
    ids, _office = published
    from evaluator.shortlists.models import Shortlist

    row = db.session.get(Shortlist, ids["list"])  # the notice period as if it had ended a month ago
    row.notice_starts -= timedelta(days=30)
    row.notice_ends -= timedelta(days=30)
    db.session.commit()
    db.session.close()
    reader = new_page()
    reader.goto(f"/public/shortlists/{ids['list']}")
    expect(reader.locator("#notice-state")).to_contain_text("公示期已结束")
    assert reader.locator("#object-link").count() == 0
    reader.goto(f"/public/shortlists/{ids['list']}/objection")
    expect(reader.locator("#closed")).to_be_visible()
    assert reader.locator("#objection-form").count() == 0


def test_the_objection_form_is_rate_limited(new_page, published):
    """Last in the module: it spends the address's budget (the live server counts per worker, in
    memory, so the refusal comes within two workers' budgets)."""
    ids, _office = published
    reader = new_page()
    reader.watch.allow(r"Failed to load resource: .* status of 429")
    statuses = []
    for _ in range(12):
        statuses.append(object_once(reader, ids["list"]))
        if statuses[-1] == 429:
            break
    assert statuses[-1] == 429 and statuses.count(200) >= 5, statuses
    expect(reader.locator("main")).to_contain_text("每小时 5 次")


def test_the_public_list_prints_on_a4(new_page, published):
    import re
    import unicodedata
    from io import BytesIO

    from pypdf import PdfReader

    ids, _office = published
    reader = new_page()
    reader.goto(f"/public/shortlists/{ids['list']}")
    first_unit = reader.locator("table.public-list tbody th").first.inner_text().strip()
    data = reader.pdf(format="A4", print_background=True)
    pages = PdfReader(BytesIO(data)).pages
    whole = re.sub(r"\s+", "", unicodedata.normalize("NFKC", " ".join(p.extract_text() or "" for p in pages)))
    assert data.startswith(b"%PDF") and 1 <= len(pages) <= 2
    assert re.sub(r"\s+", "", first_unit) in whole and "序号" in whole and "SHA-256" in whole
    assert "提出异议" not in whole and "下载" not in whole  # no buttons or links to act on paper
