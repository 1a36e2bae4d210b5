"""The pages' foundation: sign-in with a server-side session, sign-out that ends it, CSRF on every
form, the security headers, the forced password change and the language switch."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from evaluator.accounts import service as accounts
from evaluator.accounts.models import ApiToken, User, WebSession
from evaluator.accounts.pages.account import safe_next
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.web.headers import PAGE_CSP
from tests.pages import PASSWORD, csrf_token, post, sign_in


def _events(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_sign_in_starts_a_server_side_session_and_sign_out_ends_it_for_every_copy(app, client, make_user):
    user, _ = make_user("admin")
    sign_in(client, user.username)
    assert client.get("/office/").status_code == 200
    stolen = client.get_cookie("session").value  # a copy of the cookie, e.g. taken from the machine
    assert db.session.scalar(select(func.count()).select_from(WebSession)) == 1
    assert post(client, "/sign-out").status_code == 302
    assert client.get("/office/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    res = thief.get("/office/")
    assert res.status_code == 302 and res.location.startswith("/sign-in")
    assert _events("auth.signed_in") == 1 and _events("auth.signed_out") == 1


def test_the_session_is_renewed_at_sign_in(app, client, make_user):
    user, _ = make_user("applicant")
    anonymous_token = csrf_token(client)
    sign_in(client, user.username)
    assert client.csrf != anonymous_token  # nothing of the anonymous session survives


def test_session_cookie_flags(app, client, make_user, monkeypatch):
    user, _ = make_user("admin")
    token = csrf_token(client)
    res = client.post("/sign-in", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    cookie = res.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    other = app.test_client()
    token = csrf_token(other)
    res = other.post("/sign-in", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert "Secure" in res.headers["Set-Cookie"]


def test_a_wrong_password_is_refused_on_the_form_in_chinese(app, make_user):
    user, _ = make_user("admin")
    zh = app.test_client()
    token = csrf_token(zh)
    res = zh.post("/sign-in", data={"username": user.username, "password": "wrong", "csrf_token": token})
    assert res.status_code == 422
    page = res.get_data(as_text=True)
    assert "用户名或密码错误" in page and f'value="{user.username}"' in page
    assert 'value="wrong"' not in page  # a password is never echoed
    assert db.session.scalar(select(func.count()).select_from(WebSession)) == 0


def test_an_inactive_user_cannot_sign_in(app, client, make_user):
    user, _ = make_user("reviewer", active=False)
    token = csrf_token(client)
    res = client.post("/sign-in", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert res.status_code == 422


@pytest.mark.parametrize("path", ["/sign-in", "/sign-out", "/language", "/account/password"])
def test_every_form_post_without_its_csrf_token_is_refused_with_a_readable_page(app, make_user, path):
    user, _ = make_user("admin")
    c = app.test_client()
    sign_in(c, user.username)
    res = c.post(path, data={"username": "x", "password": "y", "language": "en"})
    assert res.status_code == 400
    assert "安全令牌" in res.get_data(as_text=True)
    res = c.post(path, data={"csrf_token": "forged"})
    assert res.status_code == 400
    assert c.get("/office/").status_code == 200  # still signed in: the forged sign-out did nothing


def test_a_script_request_may_send_the_token_as_a_header(page_client):
    c = page_client("admin")
    res = c.post("/language", data={"language": "zh"}, headers={"X-CSRFToken": c.csrf})
    assert res.status_code == 302


def test_pages_carry_the_security_headers_and_the_api_does_not_need_a_csrf_token(client, make_user):
    res = client.get("/sign-in")
    assert res.headers["Content-Security-Policy"] == PAGE_CSP
    assert "script-src 'self'" in PAGE_CSP and "unsafe-inline" not in PAGE_CSP
    assert "frame-ancestors 'none'" in PAGE_CSP
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "same-origin"
    html = res.get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == [] and "style=" not in html
    _, headers = make_user("admin")
    api = client.post(
        "/api/v1/organisations",
        headers=headers,
        json={
            "name": "新建社区",
            "kind": "community",
            "city": "成都市",
            "city_code": "510100",
            "county": "武侯区",
            "county_code": "510107",
        },
    )
    assert api.status_code == 201  # bearer tokens: no CSRF token needed, none asked for


def test_sign_in_shares_its_rate_limit_with_the_api(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    user, _ = make_user("admin")
    token = csrf_token(client)
    for _ in range(2):
        res = client.post("/api/v1/auth/token", json={"username": user.username, "password": "x"})
        assert res.status_code == 401
    res = client.post("/sign-in", data={"username": user.username, "password": "x", "csrf_token": token})
    assert res.status_code == 422
    res = client.post("/sign-in", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert res.status_code == 429 and "Too many requests" in res.get_data(as_text=True)


def test_password_change_checks_the_current_one_and_ends_other_sessions(app, page_client, make_user):
    user, headers = make_user("reviewer")
    other_browser = page_client(user=user)
    c = page_client(user=user)
    res = post(
        c,
        "/account/password",
        {
            "current_password": "nope",
            "new_password": "a new long secret",
            "repeat_password": "a new long secret",
        },
    )
    assert res.status_code == 422 and "This is not your current password." in res.get_data(as_text=True)
    res = post(
        c,
        "/account/password",
        {"current_password": PASSWORD, "new_password": "short", "repeat_password": "short"},
    )
    assert res.status_code == 422 and "A password has 10 to 200 characters." in res.get_data(as_text=True)
    res = post(
        c,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a new long secret",
            "repeat_password": "another long secret",
        },
    )
    assert res.status_code == 422 and "The two new passwords differ." in res.get_data(as_text=True)
    res = post(
        c,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a new long secret",
            "repeat_password": "a new long secret",
        },
    )
    assert res.status_code == 302
    assert c.get("/reviewer").status_code == 200  # this browser stays signed in
    assert other_browser.get("/reviewer").status_code == 302  # the other one is signed out
    assert client_api_status(app, headers) == 401  # and the user's API tokens are revoked
    assert _events("user.password_changed") == 1
    fresh = app.test_client()
    sign_in(fresh, user.username, "a new long secret")


def client_api_status(app, headers) -> int:
    return app.test_client().get("/api/v1/users/me", headers=headers).status_code


def test_after_an_office_reset_the_user_must_change_the_password_first(app, make_user):
    office, _ = make_user("admin")
    user, _ = make_user("applicant")
    new_password = accounts.reset_password(office, user)
    db.session.commit()
    assert db.session.get(User, user.id).must_change_password
    c = app.test_client()
    token = csrf_token(c)
    res = c.post("/sign-in", data={"username": user.username, "password": new_password, "csrf_token": token})
    assert res.status_code == 302 and res.location == "/account/password"
    assert c.get("/applicant/").location == "/account/password"  # every page leads there first
    c.csrf = csrf_token(c, "/account/password")
    res = post(
        c,
        "/account/password",
        {
            "current_password": new_password,
            "new_password": "my own password",
            "repeat_password": "my own password",
        },
    )
    assert res.status_code == 302
    assert c.get("/applicant/").status_code == 200
    assert not db.session.get(User, user.id).must_change_password


def test_the_language_is_remembered_for_the_signed_in_user(app, page_client):
    c = page_client("admin", language=None)
    assert '<html lang="zh-CN">' in c.get("/office/").get_data(as_text=True)  # Chinese by default
    res = post(c, "/language", {"language": "en", "next": "/office/"})
    assert res.status_code == 302 and res.location == "/office/"
    assert '<html lang="en">' in c.get("/office/").get_data(as_text=True)
    assert db.session.get(User, c.user.id).language == "en"
    again = app.test_client()  # another browser, same user: English too
    sign_in(again, c.user.username)
    assert '<html lang="en">' in again.get("/office/").get_data(as_text=True)
    assert post(c, "/language", {"language": "fr"}).status_code == 422


def test_an_anonymous_reader_follows_accept_language_and_the_switch(app):
    c = app.test_client()
    assert "登录" in c.get("/sign-in").get_data(as_text=True)
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    assert "Sign in" in c.get("/sign-in").get_data(as_text=True)
    token = csrf_token(c)
    c.post("/language", data={"language": "zh", "csrf_token": token})
    assert "登录" in c.get("/sign-in").get_data(as_text=True)


@pytest.mark.parametrize(
    "target, kept",
    [
        ("/office/rounds?x=1", "/office/rounds?x=1"),
        ("https://evil.example/", None),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("/api/v1/users", None),
        ("", None),
    ],
)
def test_after_sign_in_only_this_site_is_a_destination(target, kept):
    assert safe_next(target) == kept


def test_anonymous_pages_redirect_to_sign_in_and_come_back(client, make_user):
    res = client.get("/office/?a=1")
    assert res.status_code == 302 and res.location == "/sign-in?next=/office/?a%3D1"
    user, _ = make_user("admin")
    token = csrf_token(client)
    res = client.post(
        "/sign-in",
        data={"username": user.username, "password": PASSWORD, "csrf_token": token, "next": "/office/?a=1"},
    )
    assert res.location == "/office/?a=1"


def test_a_role_without_the_rule_gets_the_403_page(page_client):
    c = page_client("reviewer")
    res = c.get("/office/")
    assert res.status_code == 403 and "Access denied" in res.get_data(as_text=True)


def test_each_role_lands_on_its_home(page_client):
    for role, home in (("admin", "/office/"), ("applicant", "/applicant/"), ("reviewer", "/reviewer")):
        c = page_client(role)
        assert c.get("/").location == home


def test_tokens_are_revoked_when_an_account_is_deactivated(app, make_user):
    office, _ = make_user("admin")
    user, headers = make_user("reviewer")
    accounts.set_active(office, user, False)
    db.session.commit()
    assert client_api_status(app, headers) == 401
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ApiToken)
            .where(ApiToken.revoked_at.is_(None), ApiToken.user_id == user.id)
        )
        == 0
    )
