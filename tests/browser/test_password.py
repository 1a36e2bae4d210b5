"""Changing one's password in a real browser, and the change the office forces after a reset."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import path_of, sign_out, signed_in

pytestmark = pytest.mark.browser

NEW = "a-new-password-2026"


def fill_password_form(page, current: str, new: str, repeat: str):
    """Fill the three fields by their labels and send the form; returns the response."""
    page.get_by_label("当前密码").fill(current)
    page.locator("#f-new_password").fill(new)
    page.locator("#f-repeat_password").fill(repeat)
    with page.expect_navigation() as navigation:
        page.locator("main form button[type=submit]").click()
    return navigation.value


def test_changing_the_password(page, new_page, make_account):
    account = make_account("applicant")
    signed_in(page, account)
    with page.expect_navigation():
        page.locator("header.site a[href$='/account/password']").click()
    assert path_of(page) == "/account/password"
    expect(page.locator("h1")).to_have_text("修改密码")
    expect(page.locator("#f-new_password-hint")).to_be_visible()  # says how long it must be
    response = fill_password_form(page, account.password, NEW, NEW)
    assert response.status == 200
    assert path_of(page) == account.home  # still signed in, back home
    expect(page.locator("main .notice.success")).to_be_visible()
    sign_out(page)
    # The old password no longer opens the account; the new one does.
    with pytest.raises(AssertionError, match="refused"):
        signed_in(new_page(), account.username, account.password)
    signed_in(new_page(), account.username, NEW)


def test_two_different_new_passwords_are_refused_beside_the_field(page, make_account):
    account = make_account("reviewer")
    signed_in(page, account)
    page.goto("/account/password")
    response = fill_password_form(page, account.password, NEW, NEW + "x")
    assert response.status == 422
    expect(page.locator("#form-problems")).to_be_visible()
    field = page.locator("#f-repeat_password")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#repeat_password-errors")).to_be_visible()
    assert "repeat_password-errors" in (field.get_attribute("aria-describedby") or "")
    sign_out(page)
    signed_in(page, account)  # the old password still works


def test_a_wrong_current_password_is_refused(page, make_account):
    account = make_account("admin")
    signed_in(page, account)
    page.goto("/account/password")
    response = fill_password_form(page, "not-my-password", NEW, NEW)
    assert response.status == 422
    expect(page.locator("#form-problems")).to_be_visible()


def test_after_a_reset_the_password_must_be_changed_first(page, make_account):
    account = make_account("applicant", must_change_password=True)
    signed_in(page, account)
    assert path_of(page) == "/account/password"
    expect(page.locator("main .notice.warning")).to_be_visible()
    page.goto(account.home)  # no way round it
    assert path_of(page) == "/account/password"
    fill_password_form(page, account.password, NEW, NEW)
    assert path_of(page) == account.home
    page.goto(account.home)
    assert path_of(page) == account.home
