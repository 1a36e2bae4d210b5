"""Channels apart: the API takes bearer tokens only; the session cookie is for the web pages."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import func, select

from evaluator.accounts.models import User
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db

NEW_USER = {"username": "intruder", "password": "a long password", "display_name": "x", "role": "admin"}


def session_cookie(app, user_id: int) -> str:
    """A session cookie signed with the app's own key, as the sign-in page writes it: the user's id
    and the token of a live server-side session."""
    from evaluator.accounts.sessions import start_session

    token = start_session(db.session.get(User, user_id), 1)
    db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"_user_id": str(user_id), "_fresh": True, "sid": token})


def test_a_validly_signed_session_cookie_does_not_authenticate_the_api(app, client, make_user):
    admin, _ = make_user("admin")
    cookie = session_cookie(app, admin.id)
    # The cookie is genuine: on a page (any path outside /api/) it signs the admin in.
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        app.preprocess_request()
        assert current_user.is_authenticated and current_user.id == admin.id

    client.set_cookie("session", cookie)
    res = client.post("/api/v1/users", json=NEW_USER)
    assert res.status_code == 401 and res.json["code"] == 401
    assert res.headers["WWW-Authenticate"] == "Bearer"
    assert "Set-Cookie" not in res.headers
    assert client.get("/api/v1/users/me").status_code == 401
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    # The only event is the session's start: the API request wrote nothing.
    assert db.session.scalars(select(AuditEvent.action)).all() == ["auth.signed_in"]


def test_a_session_cookie_does_not_get_in_the_way_of_a_bearer_token(app, client, make_user):
    admin, admin_headers = make_user("admin")
    reviewer, _ = make_user("reviewer")
    client.set_cookie("session", session_cookie(app, reviewer.id))
    res = client.get("/api/v1/users/me", headers=admin_headers)
    assert res.status_code == 200 and res.json["id"] == admin.id


def test_a_bearer_token_does_not_sign_in_to_the_pages(app, make_user):
    _, headers = make_user("admin")
    with app.test_request_context("/", headers=headers):
        app.preprocess_request()
        assert not current_user.is_authenticated


def test_a_forged_or_odd_session_is_anonymous_on_the_pages(app, make_user):
    admin, _ = make_user("admin")
    serializer = app.session_interface.get_signing_serializer(app)
    for user_id in ("x", "99999999999999999999", "-1", str(admin.id + 1000)):
        cookie = serializer.dumps({"_user_id": user_id})
        with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
            app.preprocess_request()
            assert not current_user.is_authenticated, user_id
    with app.test_request_context("/", headers={"Cookie": "session=not.a.signed.value"}):
        app.preprocess_request()
        assert not current_user.is_authenticated
