"""The pages every reader meets: the error pages in the common layout, the accessibility of the
account pages, and their screenshots at desktop and phone sizes in both languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import SCREENSHOTS, screenshots, signed_in

pytestmark = pytest.mark.browser


def test_the_404_page_has_the_common_layout(page):
    response = page.goto("/no-such-page")
    assert response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("404 页面不存在")
    for part in ("header.site", "main#main", "footer.site", "a.skip"):
        expect(page.locator(part)).to_have_count(1)
    with page.expect_navigation():
        page.locator("main a").last.click()  # back to the start page
    assert response.status == 404 and "/sign-in" in page.url


def test_the_404_page_of_a_signed_in_reader_keeps_the_navigation(page, make_account):
    account = make_account("admin")
    signed_in(page, account)
    response = page.goto("/office/no-such-page")
    assert response.status == 404
    expect(page.locator("header.site .who")).to_contain_text(account.display_name)


def test_the_sign_in_page_is_accessible(page, axe):
    page.goto("/sign-in")
    axe(page)


def test_the_refused_sign_in_is_accessible(page, axe):
    page.goto("/sign-in")
    page.fill("#f-username", "nobody-here")
    page.fill("#f-password", "wrong password")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page.locator("#form-problems")).to_be_visible()
    axe(page)


def test_the_password_page_is_accessible(page, axe, make_account):
    signed_in(page, make_account("reviewer"))
    page.goto("/account/password")
    axe(page)
    page.fill("#f-current_password", "x")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page.locator("#form-problems")).to_be_visible()
    axe(page)  # with the messages beside the fields


def test_the_404_page_is_accessible(page, axe):
    page.goto("/no-such-page")
    axe(page)


def test_the_english_pages_are_accessible(new_page, axe):
    page = new_page(locale="en")
    page.goto("/sign-in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    axe(page)


def test_screenshots_of_the_sign_in_page(page):
    saved = screenshots(page, "/sign-in", "sign-in")
    names = sorted(p.name for p in saved)
    assert names == ["sign-in.en.1280.png", "sign-in.en.390.png", "sign-in.zh.1280.png", "sign-in.zh.390.png"]
    for path in saved:
        assert path.parent == SCREENSHOTS and path.stat().st_size > 5_000
        width, height = png_size(path)
        assert (width, height) in ((1280, 800), (390, 844)), (path.name, width, height)


def test_screenshots_of_the_password_page(page, make_account):
    signed_in(page, make_account("applicant"))
    screenshots(page, "/account/password", "password")


def png_size(path) -> tuple[int, int]:
    """A PNG's width and height, from its header."""
    head = path.read_bytes()[:24]
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
