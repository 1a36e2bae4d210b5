"""Signing in and out in a real browser: the form in Chinese, a wrong password, the keyboard only,
each role's home, signing out, and a form sent without its CSRF token."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from evaluator.accounts.models import WebSession
from tests.browser.helpers import PASSWORD, fresh, path_of, sign_out, signed_in

pytestmark = pytest.mark.browser


def test_the_sign_in_page_reads_chinese_and_signs_in(page, live, make_account):
    account = make_account("reviewer")
    page.goto("/")
    assert path_of(page) == "/sign-in"
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("登录")
    # Every control has a label the reader sees.
    expect(page.get_by_label("用户名")).to_have_attribute("autocomplete", "username")
    expect(page.get_by_label("密码")).to_have_attribute("type", "password")
    page.get_by_label("用户名").fill(account.username)
    page.get_by_label("密码").fill(account.password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(live + account.home)
    expect(page.locator("header.site .who")).to_contain_text(account.display_name)


def test_a_wrong_password_is_refused_beside_the_form(page, make_account):
    account = make_account("admin")
    page.goto("/sign-in")
    page.fill("#f-username", account.username)
    page.fill("#f-password", "not the password at all")
    with page.expect_navigation() as navigation:
        page.click("main form button[type=submit]")
    assert navigation.value.status == 422
    assert path_of(page) == "/sign-in"
    problems = page.locator("#form-problems")
    expect(problems).to_be_visible()
    expect(problems).to_have_attribute("role", "alert")
    expect(problems).to_contain_text("用户名或密码错误")
    expect(problems).to_be_focused()  # read out first
    # The problem sits just before the form; the username is kept, the password is not.
    after = page.evaluate("() => document.querySelector('#form-problems').nextElementSibling.tagName")
    assert after == "FORM"
    expect(page.locator("#f-username")).to_have_value(account.username)
    expect(page.locator("#f-password")).to_have_value("")


def test_signing_in_by_keyboard_only(page, make_account):
    account = make_account("applicant")
    page.goto("/sign-in")
    for _ in range(15):  # the skip link and the header come first
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "f-username":
            break
    else:
        pytest.fail("Tab never reached the username field")
    page.keyboard.type(account.username)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "f-password"
    page.keyboard.type(account.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert path_of(page) == account.home


@pytest.mark.parametrize("role", ["admin", "reviewer", "applicant"])
def test_each_role_lands_on_its_home(page, make_account, role):
    account = make_account(role)
    signed_in(page, account)
    assert path_of(page) == account.home
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_a_link_followed_before_signing_in_is_opened_after(page, make_account):
    account = make_account("reviewer")
    page.goto("/account/password")
    assert path_of(page).startswith("/sign-in?next=")
    page.fill("#f-username", account.username)
    page.fill("#f-password", account.password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert path_of(page) == "/account/password"


def test_signing_out_ends_the_session(page, make_account):
    account = make_account("reviewer")
    signed_in(page, account)
    sign_out(page)
    assert path_of(page) == "/sign-in"
    expect(page.locator("main .notice.success")).to_be_visible()
    expect(page.locator("header.site form[action$='/sign-out']")).to_have_count(0)
    page.goto(account.home)
    assert path_of(page).startswith("/sign-in")
    session = fresh(WebSession, _last_session_id(account.id))
    assert session.revoked_at is not None


def _last_session_id(user_id: int) -> int:
    from sqlalchemy import select

    from evaluator.extensions import db

    db.session.rollback()
    found = db.session.scalar(
        select(WebSession.id).where(WebSession.user_id == user_id).order_by(WebSession.id.desc())
    )
    db.session.rollback()
    assert found is not None
    return found


def test_a_form_without_its_csrf_token_is_refused_with_a_readable_page(page, make_account):
    account = make_account("reviewer")
    page.goto("/sign-in")
    page.evaluate("() => document.querySelector('main form input[name=csrf_token]').remove()")
    page.fill("#f-username", account.username)
    page.fill("#f-password", account.password)
    with page.expect_navigation() as navigation:
        page.click("main form button[type=submit]")
    assert navigation.value.status == 400
    expect(page.locator("h1")).to_contain_text("400")
    expect(page.locator("main .lead")).to_contain_text("安全")  # the security token, explained
    expect(page.locator("header.site")).to_be_visible()  # the same layout as every page
    # Nobody was signed in.
    page.goto(account.home)
    assert path_of(page).startswith("/sign-in")


def test_a_post_from_outside_the_page_is_refused(page, new_page, make_account):
    account = make_account("reviewer")
    signed_in(page, account)
    reply = page.request.post(
        "/account/password",
        form={
            "current_password": PASSWORD,
            "new_password": "another-password-1",
            "repeat_password": "another-password-1",
        },
        max_redirects=0,
    )
    assert reply.status == 400
    assert "<h1>400" in reply.text()
    signed_in(new_page(), account)  # the password is unchanged
