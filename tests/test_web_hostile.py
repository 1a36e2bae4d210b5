"""The pages attacked as a hostile user would: forged requests (CSRF), other organisations' ids,
wrong roles, anonymous readers, open redirects, replayed and forged session cookies, and query
strings nobody should send. Each test asserts the safe behaviour; a failing one shows a hole."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from evaluator.accounts.models import User, WebSession
from evaluator.applications.models import Application, Material
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.rounds.models import Round
from tests.pages import PASSWORD, csrf_token, post, sign_in
from tests.test_materials import PDF_BYTES
from tests.test_web_applicant import fc_round, start

PAGE_POSTS = None  # filled by the first test that asks for the app's rules


def page_post_rules(app) -> list[str]:
    """Every non-API rule that takes a POST (as a URL with ids filled by 1)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api") or "POST" not in rule.methods:
            continue
        urls.append(re.sub(r"<int:[a-z_]+>", "1", rule.rule))
    return sorted(urls)


@pytest.fixture
def world(app, page_client, make_org, tmp_path, monkeypatch, worlds):
    """Two organisations with a draft each and a material in the first; clients for both applicants,
    an admin and a reviewer. Built once for the module, written back for each test (tests/worlds.py)."""
    monkeypatch.setitem(app.config, "MATERIALS_DIR", str(tmp_path / "materials"))

    def build():
        rnd = fc_round()
        mine = page_client("applicant")
        theirs = page_client("applicant")
        app_mine = start(mine, rnd)
        res = post(
            mine,
            f"/applicant/applications/{app_mine.id}/materials",
            {"file": (io.BytesIO(PDF_BYTES), "mine.pdf"), "material_key": "party_building"},
            content_type="multipart/form-data",
        )
        assert res.status_code == 303, res.get_data(as_text=True)[:2000]
        assert post(theirs, f"/applicant/rounds/{rnd.id}/start").status_code == 303
        app_theirs = db.session.scalar(
            select(Application).where(Application.organisation_id == theirs.user.organisation_id)
        )
        assert app_theirs.id != app_mine.id
        material = db.session.scalar(select(Material))

        class World:
            pass

        w = World()
        w.round, w.mine, w.theirs, w.app_mine, w.app_theirs, w.material = (
            rnd,
            mine,
            theirs,
            app_mine,
            app_theirs,
            material,
        )
        w.admin = page_client("admin")
        w.reviewer = page_client("reviewer")
        return w

    return worlds.reuse("world", build, folders=["MATERIALS_DIR"])


def counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Application, Material, AuditEvent, Round, User)
    )


# --------------------------------------------------------------------------- CSRF


def test_every_page_post_without_a_token_is_refused_with_400(app, world):
    """Every POST of the pages, signed in as admin and as the applicant, without a token: 400."""
    urls = page_post_rules(app)
    assert "/sign-in" in urls and "/office/import/confirm" in urls
    before = counts()
    for c in (world.admin, world.mine):
        for url in urls:
            res = c.post(url, data={"language": "en", "title": "x", "active": "0"})
            assert res.status_code == 400, (url, res.status_code)
            assert "security token" in res.get_data(as_text=True), url
    assert counts() == before


def test_a_token_of_another_session_is_refused(app, world):
    before = counts()
    for url in page_post_rules(app):
        res = world.mine.post(url, data={"csrf_token": world.theirs.csrf, "language": "en"})
        assert res.status_code == 400, url
    assert counts() == before


def test_a_token_in_the_query_string_is_not_accepted(app, world):
    url = f"/applicant/rounds/{world.round.id}/start"
    res = world.mine.post(f"{url}?csrf_token={world.mine.csrf}")
    assert res.status_code == 400
    url = f"/office/accounts/users/{world.mine.user.id}/active?csrf_token={world.admin.csrf}"
    res = world.admin.post(url, data={"active": "0"})
    assert res.status_code == 400
    assert db.session.get(User, world.mine.user.id).active


def test_the_json_upload_without_a_token_is_refused(world):
    res = world.mine.post(
        f"/applicant/applications/{world.app_mine.id}/materials",
        data={"file": (io.BytesIO(PDF_BYTES), "x.pdf")},
        headers={"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"},
        content_type="multipart/form-data",
    )
    assert res.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Material)) == 1


def test_the_token_in_the_header_is_accepted_as_the_script_sends_it(world):
    res = world.mine.post(
        f"/applicant/applications/{world.app_mine.id}/materials",
        data={"file": (io.BytesIO(PDF_BYTES), "y.pdf")},
        headers={"Accept": "application/json", "X-CSRFToken": world.mine.csrf},
        content_type="multipart/form-data",
    )
    assert res.status_code == 201


@pytest.mark.parametrize("header", ["X-HTTP-Method-Override", "X-Method-Override", "X-HTTP-Method"])
def test_method_override_headers_change_nothing(world, header):
    """A GET with an override header stays a GET (nothing deleted), a POST override is no bypass."""
    url = f"/applicant/materials/{world.material.id}/delete"
    res = world.mine.get(url, headers={header: "POST"})
    assert res.status_code == 405
    res = world.mine.get(url + "?_method=POST")
    assert res.status_code == 405
    res = world.mine.post(url, headers={header: "GET"})
    assert res.status_code == 400
    assert db.session.get(Material, world.material.id) is not None


def test_no_get_route_of_the_pages_changes_anything(app, world):
    """Every GET of every page (ids of the world's rows), as each role: no row, no audit event."""
    ids = {
        "application_id": world.app_mine.id,
        "material_id": world.material.id,
        "round_id": world.round.id,
        "user_id": world.mine.user.id,
        "assignment_id": 1,
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api", "/static")) or "GET" not in rule.methods:
            continue
        url = rule.rule
        for name, value in ids.items():
            url = url.replace(f"<int:{name}>", str(value)).replace("<act>", "endorse")
        urls.append(url)
    before = counts()
    for c in (world.admin, world.mine, world.theirs, world.reviewer):
        for url in urls:
            res = c.get(url)
            res.close()
            assert res.status_code < 500, (url, res.status_code)
    db.session.expire_all()
    assert counts() == before


def test_the_sign_out_is_no_get(world):
    res = world.mine.get("/sign-out")
    assert res.status_code == 405
    assert world.mine.get("/applicant/").status_code == 200


# --------------------------------------------------------------------------- authorisation


def test_another_organisations_application_pages_are_not_found(world):
    """Another organisation's application and material: the 404 page, as for a missing id."""
    a = world.app_theirs.id
    for url in (
        f"/applicant/applications/{a}",
        f"/applicant/applications/{a}/materials",
        f"/applicant/applications/{a}/self-assessment",
        f"/applicant/applications/{a}/submit",
        f"/applicant/materials/{world.material.id}",
    ):
        res = world.theirs.get(url) if "/materials/" in url else world.mine.get(url)
        assert res.status_code == 404, (url, res.status_code)
    before = counts()
    for url, data in (
        (f"/applicant/applications/{a}", {"figures.grids": "5"}),
        (f"/applicant/applications/{a}/self-assessment", {}),
        (f"/applicant/applications/{a}/submit", {}),
        (f"/applicant/applications/{a}/withdraw", {}),
        (f"/applicant/materials/{world.material.id}/delete", {}),
    ):
        client = world.theirs if "/materials/" in url else world.mine
        res = post(client, url, data)
        assert res.status_code == 404, (url, res.status_code)
    res = post(
        world.mine,
        f"/applicant/applications/{a}/materials",
        {"file": (io.BytesIO(PDF_BYTES), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 404
    assert counts() == before


def test_reviewer_and_applicant_get_403_on_every_office_page(app, world):
    """Every /office page (with the ids of real rows) refuses a reviewer and an applicant with 403."""
    ids = {
        "application_id": world.app_theirs.id,
        "material_id": world.material.id,
        "round_id": world.round.id,
        "user_id": world.admin.user.id,
        "assignment_id": 1,
        "declaration_id": 1,
        "shortlist_id": 1,
        "objection_id": 1,
        "job_id": 1,
        "dossier_id": 1,
    }
    for c in (world.reviewer, world.theirs):
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/office"):
                continue
            url = rule.rule
            for name, value in ids.items():
                url = url.replace(f"<int:{name}>", str(value)).replace("<act>", "endorse")
            if "GET" in rule.methods:
                res = c.get(url)
                res.close()
                assert res.status_code == 403, (c.user.role, url, res.status_code)
            if "POST" in rule.methods:
                res = post(c, url, {"active": "0", "title": "x"})
                assert res.status_code == 403, (c.user.role, url, res.status_code)


def test_a_reviewer_cannot_tell_which_office_ids_exist(world):
    """A reviewer gets 403 for an /office page of a missing id as for an existing one."""
    for url in (
        "/office/materials/999999",
        "/office/applications/999999",
        "/office/rounds/999999",
        "/office/accounts/users/999999",
    ):
        res = world.reviewer.get(url)
        assert res.status_code == 403, (url, res.status_code)


def test_office_pages_of_real_ids_are_refused_to_an_applicant(world):
    for url in (
        f"/office/applications/{world.app_mine.id}",
        f"/office/materials/{world.material.id}",
        f"/office/rounds/{world.round.id}",
        f"/office/accounts/users/{world.mine.user.id}",
    ):
        res = world.mine.get(url)
        res.close()
        assert res.status_code == 403, url
    res = post(world.mine, f"/office/accounts/users/{world.theirs.user.id}/password-reset")
    assert res.status_code == 403
    res = post(
        world.mine,
        f"/office/rounds/{world.round.id}/advance",
        {"to": "review", "reason": "x", "confirm": "1", "version": str(world.round.version)},
    )
    assert res.status_code == 403 and db.session.get(Round, world.round.id).phase == "open"


def test_anonymous_readers_are_sent_to_sign_in_and_see_no_data(app, client, world):
    secrets_in_pages = [world.mine.user.username, "mine.pdf", world.round.title]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api", "/static")) or rule.rule in ("/", "/sign-in"):
            continue
        if rule.rule.startswith("/public/"):  # open to everybody: no list is published here
            url = re.sub(r"<[^>]+>", "1", rule.rule)
            res = client.get(url)
            assert res.status_code == 404, (url, res.status_code)
            assert not any(s in res.get_data(as_text=True) for s in secrets_in_pages), url
            continue
        if rule.rule.startswith("/verify"):  # the public verification: its form, or "not found"
            url = re.sub(r"<[^>]+>", "1", rule.rule)
            res = client.get(url)
            assert res.status_code == (200 if url == "/verify" else 404), (url, res.status_code)
            assert not any(s in res.get_data(as_text=True) for s in secrets_in_pages), url
            continue
        url = rule.rule
        for name, value in {
            "application_id": world.app_mine.id,
            "material_id": world.material.id,
            "round_id": world.round.id,
            "user_id": world.mine.user.id,
            "assignment_id": 1,
            "shortlist_id": 1,
            "objection_id": 1,
            "job_id": 1,
            "dossier_id": 1,
        }.items():
            url = url.replace(f"<int:{name}>", str(value)).replace("<act>", "endorse")
        if "GET" in rule.methods:
            res = client.get(url)
            assert res.status_code == 302, (url, res.status_code)
            assert urlsplit(res.headers["Location"]).path == "/sign-in", url
            body = res.get_data(as_text=True)
            assert not any(s in body for s in secrets_in_pages), url


def test_anonymous_cannot_tell_which_ids_exist(client, world):
    """An anonymous reader gets the same answer for an existing and a missing id (no enumeration)."""
    real = client.get(f"/applicant/materials/{world.material.id}")
    missing = client.get("/applicant/materials/999999")
    assert real.status_code == missing.status_code
    real = client.get(f"/office/applications/{world.app_mine.id}")
    missing = client.get("/office/applications/999999")
    assert real.status_code == missing.status_code


def test_an_admin_posting_to_applicant_routes_is_refused(world):
    before = counts()
    a = world.app_mine.id
    for url in (
        f"/applicant/rounds/{world.round.id}/start",
        f"/applicant/applications/{a}",
        f"/applicant/applications/{a}/self-assessment",
        f"/applicant/applications/{a}/submit",
        f"/applicant/applications/{a}/withdraw",
        f"/applicant/materials/{world.material.id}/delete",
    ):
        res = post(world.admin, url, {"figures.grids": "3"})
        assert res.status_code == 403, (url, res.status_code)
    res = post(
        world.admin,
        f"/applicant/applications/{a}/materials",
        {"file": (io.BytesIO(PDF_BYTES), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 403
    assert world.admin.get("/applicant/").status_code == 403
    assert counts() == before


# --------------------------------------------------------------------------- open redirects

HOSTILE_NEXT = [
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "%2F%2Fevil.example",
    "https:evil.example",
    "https://evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "\x00//evil.example",
    "javascript:alert(1)",
    "/%5Cevil.example",
    "/api/v1/users",
    "／／evil.example",
    "http:/evil.example",
    "/\x0b/evil.example",
    "/ /evil.example",
    # A line break inside a local path would split the Location header (it was a 500).
    "/office/\r\nSet-Cookie: a=b",
    "/applicant/\nX-Injected: 1",
    "/reviewer/\r",
    "/region/\x00",
]
CRLF_NEXT = ["/office/\r\nSet-Cookie: a=b", "/applicant/\nX-Injected: 1", "/reviewer/\r", "/a\rb", "/a\x7fb"]


def _is_local(location: str) -> bool:
    cleaned = re.sub(r"[\t\n\r]", "", location).strip()
    parts = urlsplit(cleaned)
    return (
        (not parts.netloc or parts.netloc == "localhost")
        and not cleaned.startswith(("//", "/\\"))
        and "\\" not in cleaned
        and parts.scheme in ("", "http")
    )


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_sign_in_next_never_leaves_the_site(app, make_user, target):
    user, _ = make_user("admin")
    c = app.test_client()
    token = csrf_token(c)
    res = c.post(
        "/sign-in",
        data={"username": user.username, "password": PASSWORD, "csrf_token": token, "next": target},
    )
    assert res.status_code == 302, res.status_code
    location = res.headers["Location"]
    assert _is_local(location), location
    assert "\n" not in location and "\r" not in location


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_sign_in_page_next_is_not_echoed_unsafely(client, target):
    """The hidden ``next`` fields of the sign-in page only ever hold a local path."""
    res = client.get("/sign-in", query_string={"next": target})
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    for value in re.findall(r'name="next" value="([^"]*)"', html):
        value = value.replace("&amp;", "&")
        assert value.startswith("/sign-in?") or _is_local(value), value
        assert not value.startswith("/sign-in?") or _is_local(value.split("next=", 1)[0])
    assert "javascript:alert" not in html.replace("next=javascript", "")


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_language_next_never_leaves_the_site(client, target):
    token = csrf_token(client)
    res = client.post("/language", data={"language": "zh", "next": target, "csrf_token": token})
    assert res.status_code == 302, res.status_code
    assert _is_local(res.headers["Location"]), res.headers["Location"]


@pytest.mark.parametrize("target", CRLF_NEXT)
def test_a_line_break_in_next_goes_to_the_default_page(app, client, make_user, target):
    """A control character in ``next`` is refused like any unsafe target: the default page, not a 500."""
    token = csrf_token(client)
    res = client.post("/language", data={"language": "en", "next": target, "csrf_token": token})
    assert res.status_code == 302 and urlsplit(res.headers["Location"]).path == "/"
    user, _ = make_user("admin")
    c = app.test_client()
    res = c.post(
        "/sign-in",
        data={"username": user.username, "password": PASSWORD, "csrf_token": csrf_token(c), "next": target},
    )
    assert res.status_code == 302 and urlsplit(res.headers["Location"]).path == "/office/"
    assert "Set-Cookie: a=b" not in str(res.headers) and "X-Injected" not in str(res.headers)
    page = client.get("/sign-in", query_string={"next": target}).get_data(as_text=True)
    assert 'name="next" value="/' not in page.replace('value="/sign-in', "")


def test_a_hostile_language_value_is_refused_not_a_500(client):
    token = csrf_token(client)
    for value in ("xx", "", "zh\r\nSet-Cookie: a=b", "../../etc", "z" * 5000):
        res = client.post("/language", data={"language": value, "csrf_token": token})
        assert res.status_code in (400, 422), (value[:20], res.status_code)
        assert "Set-Cookie: a=b" not in str(res.headers)


# --------------------------------------------------------------------------- sessions


def _cookie(c):
    cookie = c.get_cookie("session")
    return cookie.value if cookie else None


def test_the_old_cookie_is_dead_after_sign_out(app, page_client):
    c = page_client("admin")
    old = _cookie(c)
    res = post(c, "/sign-out")
    assert res.status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", old)
    res = replay.get("/office/")
    assert res.status_code == 302 and "/sign-in" in res.headers["Location"]


def test_the_cookie_of_a_deactivated_user_is_dead(app, page_client):
    victim = page_client("applicant")
    admin = page_client("admin")
    assert victim.get("/applicant/").status_code == 200
    res = post(admin, f"/office/accounts/users/{victim.user.id}/active", {"active": "0"})
    assert res.status_code == 302
    res = victim.get("/applicant/")
    assert res.status_code == 302 and "/sign-in" in res.headers["Location"]
    # and it stays dead once reactivated (the sessions were revoked, not just hidden)
    res = post(admin, f"/office/accounts/users/{victim.user.id}/active", {"active": "1"})
    assert res.status_code == 302
    assert victim.get("/applicant/").status_code == 302


def test_no_session_fixation_the_cookie_before_sign_in_is_not_signed_in(app, make_user):
    user, _ = make_user("admin")
    c = app.test_client()
    token = csrf_token(c)
    before = _cookie(c)
    res = c.post("/sign-in", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert res.status_code == 302
    assert _cookie(c) != before
    fixed = app.test_client()
    fixed.set_cookie("session", before)
    res = fixed.get("/office/")
    assert res.status_code == 302 and "/sign-in" in res.headers["Location"]
    # the pre-sign-in CSRF token does not work in the new session
    res = c.post("/language", data={"language": "en", "csrf_token": token})
    assert res.status_code == 400


def test_a_forged_cookie_with_another_users_id_and_my_sid_is_refused(app, page_client):
    attacker = page_client("applicant")
    victim = page_client("admin")
    serializer = app.session_interface.get_signing_serializer(app)
    mine = serializer.loads(_cookie(attacker))
    forged = dict(mine, _user_id=str(victim.user.id))
    c = app.test_client()
    c.set_cookie("session", serializer.dumps(forged))
    res = c.get("/office/")
    assert res.status_code == 302 and "/sign-in" in res.headers["Location"]
    for bad in (
        {**mine, "_user_id": "1e3"},
        {**mine, "_user_id": "-1"},
        {**mine, "sid": None},
        {**mine, "sid": ["x"]},
        {**mine, "sid": "x" * 5000},
        {**mine, "_user_id": None},
    ):
        c = app.test_client()
        c.set_cookie("session", serializer.dumps(bad))
        res = c.get("/applicant/")
        assert res.status_code == 302, bad


def test_a_cookie_signed_with_another_key_is_ignored(app, page_client):
    from itsdangerous import URLSafeTimedSerializer

    victim = page_client("admin")
    serializer = app.session_interface.get_signing_serializer(app)
    data = serializer.loads(_cookie(victim))
    other = URLSafeTimedSerializer(
        "not-the-key",
        salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": __import__("hashlib").sha1},
    )
    c = app.test_client()
    c.set_cookie("session", other.dumps(data))
    res = c.get("/office/")
    assert res.status_code == 302


def test_a_password_reset_ends_every_session_of_the_user(app, page_client):
    victim = page_client("applicant")
    second = app.test_client()
    sign_in(second, victim.user.username)
    admin = page_client("admin")
    res = post(admin, f"/office/accounts/users/{victim.user.id}/password-reset")
    assert res.status_code == 200
    for c in (victim, second):
        res = c.get("/applicant/")
        assert res.status_code == 302 and "/sign-in" in res.headers["Location"]
    live = db.session.scalar(
        select(func.count())
        .select_from(WebSession)
        .where(WebSession.user_id == victim.user.id, WebSession.revoked_at.is_(None))
    )
    assert live == 0


def test_changing_ones_password_ends_the_other_sessions(app, page_client):
    me = page_client("applicant")
    other = app.test_client()
    sign_in(other, me.user.username)
    res = post(
        me,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a much newer secret",
            "repeat_password": "a much newer secret",
        },
    )
    assert res.status_code == 302
    assert me.get("/applicant/").status_code == 200
    assert other.get("/applicant/").status_code == 302


def test_the_password_reset_page_is_not_cached_and_not_in_the_url(page_client):
    admin = page_client("admin")
    victim = page_client("applicant")
    res = post(admin, f"/office/accounts/users/{victim.user.id}/password-reset")
    assert res.status_code == 200
    assert "no-store" in res.headers.get("Cache-Control", "")
    assert "Location" not in res.headers


def test_sign_in_does_not_say_whether_the_username_exists(app, make_user):
    user, _ = make_user("admin")
    c = app.test_client()
    token = csrf_token(c)
    known = c.post("/sign-in", data={"username": user.username, "password": "wrong", "csrf_token": token})
    unknown = c.post("/sign-in", data={"username": "nobody-here", "password": "wrong", "csrf_token": token})
    assert known.status_code == unknown.status_code == 422
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)
    assert strip(known.get_data(as_text=True)).replace(user.username, "") == strip(
        unknown.get_data(as_text=True)
    ).replace("nobody-here", "")


def test_a_deactivated_user_cannot_sign_in_through_the_form(app, make_user):
    user, _ = make_user("applicant", active=False)
    c = app.test_client()
    token = csrf_token(c)
    res = c.post("/sign-in", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert res.status_code == 422


# --------------------------------------------------------------------------- query strings

QUERIES = [
    "page=99999999999999999999999",
    "page=-1",
    "page=0",
    "page=abc",
    "page=1e9",
    "page=%00",
    "sort=unknown",
    "sort=-",
    "q=" + "x" * 5000,
    "q=%00abc",
    "q=%25%5F",
    "status=x&status=y",
    "round=abc",
    "round=-5",
    "round=99999999999999999999",
    "round=%00",
    "view=organisations&page=-7",
    "role=%00",
    "active=%00",
    "page=1&page=2",
    "city_code=%00",
    "category=" + "y" * 300,
    "format=csv%00",
    "round_id=99999999999999999999",
    "round_id=%C2%B2",
    "since=%00",
    "since=99999-01-01",
    "actor=%00",
    "action=%00",
    "object_id=%00",
    "anchor_id=%C2%B2&anchor_hash=" + "a" * 64,
    "anchor_id=99999999999999999999&anchor_hash=" + "a" * 64,
    "org_q=%00",
]
GET_PAGES = [
    "/office/",
    "/office/applications",
    "/office/applications/export",
    "/office/accounts",
    "/office/audit",
    "/office/import",
    "/office/import/template",
    "/office/accounts/users/new",
    "/office/rounds",
]


@pytest.mark.parametrize("query", QUERIES)
def test_hostile_query_strings_never_give_a_500(world, query):
    for page in GET_PAGES:
        res = world.admin.get(f"{page}?{query}")
        res.close()
        assert res.status_code < 500, (page, query, res.status_code)


@pytest.mark.parametrize("query", ["page=99999999999999999999999", "page=-1", "page=abc", "q=%00x"])
def test_hostile_query_strings_on_the_applicant_pages(world, query):
    for page in (
        "/applicant/",
        f"/applicant/applications/{world.app_mine.id}",
        f"/applicant/applications/{world.app_mine.id}/materials",
    ):
        res = world.mine.get(f"{page}?{query}")
        assert res.status_code < 500, (page, query)


def test_a_huge_page_number_shows_the_last_page_not_an_error(world):
    res = world.admin.get(f"/office/applications?round={world.round.id}&page=99999999999999999999")
    assert res.status_code in (200, 422), res.status_code


def test_a_hostile_path_segment_is_a_404(world):
    for url in (
        "/office/applications/99999999999999999999",
        "/applicant/materials/-1",
        "/office/rounds/%00",
        "/applicant/applications/1%2F..%2F..%2Fetc",
    ):
        assert world.admin.get(url).status_code == 404, url
