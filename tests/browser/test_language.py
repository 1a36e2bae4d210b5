"""The language switch: the 'English' button in the header shows the same page in English, and a
signed-in reader's choice is kept on the account (it follows them to another browser)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from evaluator.accounts.models import User
from tests.browser.helpers import fresh, path_of, sign_out, signed_in, switch_language

pytestmark = pytest.mark.browser


def test_the_english_switch_shows_the_same_page_in_english(page):
    page.goto("/sign-in")
    expect(page.locator("h1")).to_have_text("登录")
    english = page.get_by_role("button", name="English")
    expect(english).to_have_attribute("lang", "en")  # read out in its own language
    with page.expect_navigation():
        english.click()
    assert path_of(page) == "/sign-in"  # the same page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.get_by_label("Username")).to_be_visible()
    # And back: the switch now offers Chinese.
    switch_language(page, "zh")
    expect(page.locator("h1")).to_have_text("登录")


def test_the_choice_is_remembered_after_signing_in_again(page, new_page, make_account):
    account = make_account("reviewer")
    signed_in(page, account)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    switch_language(page, "en")
    assert path_of(page) == account.home  # the same page, now in English
    expect(page.locator("header.site")).to_contain_text("Sign out")
    assert fresh(User, account.id).language == "en"
    sign_out(page)
    signed_in(page, account)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # Another browser, reading Chinese: after signing in, the account's choice wins.
    other = new_page()
    other.goto("/sign-in")
    expect(other.locator("html")).to_have_attribute("lang", "zh-CN")
    signed_in(other, account)
    expect(other.locator("html")).to_have_attribute("lang", "en")


def test_a_choice_made_before_signing_in_is_kept(page, make_account):
    account = make_account("reviewer")
    page.goto("/sign-in")
    switch_language(page, "en")
    signed_in(page, account)
    assert page.get_attribute("html", "lang") == "en"


def test_a_browser_reading_english_gets_english(new_page):
    page = new_page(locale="en-GB")
    page.goto("/sign-in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
