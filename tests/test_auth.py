"""Sign-in with bearer tokens: expiry, revocation, inactive accounts, hashing, rate limits."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from evaluator.accounts.models import ApiToken, User
from evaluator.audit.models import AuditEvent
from evaluator.core.db import utcnow
from evaluator.extensions import db

PASSWORD = "correct horse battery"  # the make_user fixture's password
WRONG = {"code": 401, "status": "Unauthorized", "message": "Wrong username or password."}


def login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_login_returns_a_token_its_expiry_and_role(client, make_user, app):
    user, _ = make_user("reviewer")
    res = login(client, user.username)
    assert res.status_code == 201
    assert set(res.json) == {"token", "expires_at", "role"} and res.json["role"] == "reviewer"
    me = client.get("/api/v1/users/me", headers=bearer(res.json["token"]))
    assert me.status_code == 200 and me.json["username"] == user.username
    record = db.session.scalar(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    )
    ttl = record.expires_at - record.created_at
    assert ttl == timedelta(hours=app.config["TOKEN_TTL_HOURS"])
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.token_issued"))
    assert event.actor_id == user.id and event.summary == {"token_id": record.id}


def test_me_shows_the_account_without_secrets(client, make_user, make_org):
    org = make_org()
    for role in ("admin", "reviewer", "applicant"):
        user, headers = make_user(role, organisation=org if role == "applicant" else None)
        res = client.get("/api/v1/users/me", headers=headers)
        assert res.status_code == 200
        assert res.json == {
            "id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "role": role,
            "organisation_id": org.id if role == "applicant" else None,
            "affiliation": None,
            "home_region_code": None,
            "active": True,
            "must_change_password": False,
        }
    assert client.get("/api/v1/users/me").status_code == 401


def test_wrong_password_and_unknown_user_look_the_same(client, make_user):
    user, _ = make_user("admin")
    wrong = login(client, user.username, "not the password")
    unknown = login(client, "nobody-here", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json == WRONG
    assert wrong.headers["WWW-Authenticate"] == "Bearer"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_inactive_users_cannot_sign_in_nor_use_their_tokens(client, make_user):
    user, headers = make_user("reviewer")
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200
    user.active = False
    db.session.commit()
    assert login(client, user.username).json == WRONG
    res = client.get("/api/v1/users/me", headers=headers)
    assert res.status_code == 401 and res.json["code"] == 401


def test_expired_tokens_are_refused(client, make_user):
    user, headers = make_user("admin")
    db.session.execute(
        text("UPDATE api_token SET expires_at = :t WHERE user_id = :u"),
        {"t": utcnow() - timedelta(seconds=1), "u": user.id},
    )
    db.session.commit()
    res = client.get("/api/v1/users/me", headers=headers)
    assert res.status_code == 401 and res.json["message"].startswith("Sign in first")


def test_revoked_tokens_are_refused(client, make_user):
    user, _ = make_user("applicant")
    token = login(client, user.username).json["token"]
    other = login(client, user.username).json["token"]
    res = client.delete("/api/v1/auth/token", headers=bearer(token))
    assert res.status_code == 204 and res.data == b""
    assert client.get("/api/v1/users/me", headers=bearer(token)).status_code == 401
    assert client.delete("/api/v1/auth/token", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/users/me", headers=bearer(other)).status_code == 200  # only that one
    record = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hashlib.sha256(token.encode()).hexdigest())
    )
    assert record.revoked_at is not None
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["auth.token_issued", "auth.token_issued", "auth.token_revoked"]


def test_sign_out_needs_a_valid_bearer_token(client, make_user):
    user, _ = make_user("admin")
    assert client.delete("/api/v1/auth/token").status_code == 401
    assert client.delete("/api/v1/auth/token", headers=bearer("made-up")).status_code == 401
    # A session cookie does not sign in to the API: with an unknown token the caller is anonymous.
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
    res = client.delete("/api/v1/auth/token", headers=bearer("made-up"))
    assert res.status_code == 401 and res.json == {
        "code": 401,
        "status": "Unauthorized",
        "message": "Sign in first.",
    }


def test_malformed_authorization_headers_are_anonymous(client, make_user):
    _, headers = make_user("admin")
    token = headers["Authorization"].split()[1]
    for value in (f"Token {token}", "Bearer", "Bearer ", token, f"Basic {token}"):
        res = client.get("/api/v1/users/me", headers={"Authorization": value})
        assert res.status_code == 401, value
    assert client.get("/api/v1/users/me", headers={"Authorization": f"bearer  {token} "}).status_code == 200


def test_tokens_and_passwords_are_stored_only_as_hashes(client, make_user):
    user, _ = make_user("admin")
    token = login(client, user.username).json["token"]
    assert db.session.scalar(select(ApiToken.token_hash).order_by(ApiToken.id.desc()).limit(1)) == (
        hashlib.sha256(token.encode()).hexdigest()
    )
    assert db.session.get(User, user.id).password_hash.startswith("$argon2id$")
    for table in db.metadata.sorted_tables:  # the raw token and password appear nowhere
        for row in db.session.execute(table.select()):
            dump = repr(tuple(row))
            assert token not in dump and PASSWORD not in dump, table.name


@pytest.mark.parametrize(
    ("setting", "english", "chinese"),
    [
        ("10 per minute", "10 per minute", "每分钟 10 次"),
        ("3 per 2 hours", "3 per 2 hours", "每 2 小时 3 次"),
        ("2 per 30 seconds", "2 per 30 seconds", "每 30 秒 2 次"),
        ("4 per day", "4 per day", "每天 4 次"),
    ],
)
def test_the_sign_in_limit_is_said_in_words_in_the_readers_language(
    app, make_user, monkeypatch, setting, english, chinese
):
    """The limit's message was all Chinese but the limit itself ("上限：10 per 1 minute"): now the
    limit is in words in the request's language, from the API and from the sign-in page alike."""
    from evaluator.extensions import limiter
    from tests.pages import csrf_token

    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", setting)
    attempts = int(setting.split()[0].split("/")[0])
    user, _ = make_user("admin")
    expected = {
        "en": f"Too many requests (limit: {english}); try again later.",
        "zh-CN": f"请求过于频繁（上限：{chinese}），请稍后再试。",
    }
    for language, message in expected.items():
        limiter.reset()
        c = app.test_client()
        c.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        for _ in range(attempts):
            assert login(c, user.username, "wrong password").status_code == 401
        res = login(c, user.username)
        assert res.status_code == 429 and res.json["message"] == message
        limiter.reset()
        token = csrf_token(c)
        form = {"username": user.username, "password": "wrong password", "csrf_token": token}
        for _ in range(attempts):
            assert c.post("/sign-in", data=form).status_code == 422
        res = c.post("/sign-in", data=form)
        assert res.status_code == 429 and message in res.get_data(as_text=True)


def test_every_window_of_a_limit_has_its_words(app):
    from limits import parse

    from evaluator.i18n import localise
    from evaluator.web.ratelimits import limit_in_words

    cases = {
        "5/second": ("5 per second", "每秒 5 次"),
        "5 per 10 seconds": ("5 per 10 seconds", "每 10 秒 5 次"),
        "1/minute": ("1 per minute", "每分钟 1 次"),
        "10 per 5 minutes": ("10 per 5 minutes", "每 5 分钟 10 次"),
        "30/hour": ("30 per hour", "每小时 30 次"),
        "30 per 12 hours": ("30 per 12 hours", "每 12 小时 30 次"),
        "100/day": ("100 per day", "每天 100 次"),
        "100 per 7 days": ("100 per 7 days", "每 7 天 100 次"),
        "500/month": ("500 per month", "每月 500 次"),
        "500 per 3 months": ("500 per 3 months", "每 3 个月 500 次"),
        "1000/year": ("1000 per year", "每年 1000 次"),
        "1000 per 2 years": ("1000 per 2 years", "每 2 年 1000 次"),
    }
    for setting, (english, chinese) in cases.items():
        words = limit_in_words(parse(setting))
        assert words == english
        with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
            assert localise(words) == chinese
    assert limit_in_words(None) is None


def test_login_is_rate_limited(client, make_user, app):
    user, _ = make_user("admin")
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for _ in range(limit):
        assert login(client, user.username, "wrong password").status_code == 401
    tokens = db.session.scalar(select(func.count()).select_from(ApiToken))
    res = login(client, user.username)  # even the right password, now
    assert res.status_code == 429
    assert res.json == {
        "code": 429,
        "status": "Too Many Requests",
        "message": f"Too many requests (limit: {limit} per minute); try again later.",
    }
    assert int(res.headers["Retry-After"]) > 0
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == tokens
    assert (
        client.get(
            "/api/v1/users/me",  # other endpoints are not limited
            headers=bearer(make_user("admin")[1]["Authorization"].split()[1]),
        ).status_code
        == 200
    )


def test_rate_limit_is_reset_between_tests(client, make_user):
    user, _ = make_user("admin")
    assert login(client, user.username).status_code == 201


def test_login_body_is_validated(client):
    res = client.post("/api/v1/auth/token", json={"username": "someone"})
    assert res.status_code == 422 and res.json["errors"] == {
        "json": {"password": ["Missing data for required field."]}
    }
    res = client.post("/api/v1/auth/token", json={"username": "a", "password": "b", "remember": True})
    assert res.status_code == 422 and res.json["errors"]["json"] == {"remember": ["Unknown field."]}
