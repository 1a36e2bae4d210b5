"""Every refusal uses the one envelope {code, status, message, errors}, names the offending field and
writes nothing."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from evaluator.extensions import db

ORG = {
    "name": "玉林社区",
    "kind": "subdistrict",
    "city": "成都市",
    "city_code": "510100",
    "county": "武侯区",
    "county_code": "510107",
    "subdistrict": "玉林街道",
    "subdistrict_code": "510107001",
}
NUL_REFUSED = "Must not contain the control character U+0000 (single-line text: no tabs or line breaks)."
USER = {
    "username": "expert.wang",
    "password": "a long enough password",
    "display_name": "王专家",
    "role": "reviewer",
}


def counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def envelope(res, code: int, *, message: bool = True, errors: bool = False) -> dict:
    """Check the envelope's exact shape; return it."""
    assert res.status_code == code, res.get_data(as_text=True)[:500]
    assert res.mimetype == "application/json"
    body = res.get_json()
    keys = {"code", "status"} | ({"message"} if message else set()) | ({"errors"} if errors else set())
    assert set(body) == keys, body
    assert body["code"] == code and body["status"] == HTTPStatus(code).phrase
    if message:
        assert isinstance(body["message"], str) and body["message"]
    return body


@pytest.fixture
def nothing_written(app, admin):
    """Row counts (audit events included) must be the same after the test's refused requests."""
    before = counts()
    yield
    db.session.rollback()
    assert counts() == before


def raw(client, path, headers, payload: bytes | str):
    return client.post(path, headers=headers, data=payload, content_type="application/json")


@pytest.mark.parametrize(
    "payload",
    [b'{"name": ', b"{'name': 'x'}", b"{,}", b'{"a": 1}}', b'{"name": "\xff\xfe"}', b"\xef\xbb\xbf\x00"],
)
def test_malformed_json_is_a_400(client, admin, nothing_written, payload):
    body = envelope(raw(client, "/api/v1/organisations", admin, payload), 400, errors=True)
    assert body["errors"] == {"json": ["Invalid JSON body."]}


@pytest.mark.parametrize("payload", ["[]", '[{"name": "x"}]', "null", '"a string"', "42", "true"])
def test_anything_but_an_object_is_refused(client, admin, nothing_written, payload):
    body = envelope(raw(client, "/api/v1/organisations", admin, payload), 422, errors=True)
    assert body["errors"] == {"json": {"_schema": ["Invalid input type."]}}


def test_missing_fields_and_empty_bodies_are_named(client, admin, nothing_written):
    for res in (
        client.post("/api/v1/users", headers=admin, json={}),
        raw(client, "/api/v1/users", admin, b""),
    ):
        body = envelope(res, 422, errors=True)
        assert set(body["errors"]["json"]) == {"username", "password", "display_name", "role"}


@pytest.mark.parametrize(
    "path, body, field, message",
    [
        ("/api/v1/users", {**USER, "username": 12345}, "username", "Not a valid string."),
        ("/api/v1/users", {**USER, "display_name": ["王"]}, "display_name", "Not a valid string."),
        ("/api/v1/users", {**USER, "organisation_id": "one"}, "organisation_id", "Not a valid integer."),
        ("/api/v1/users", {**USER, "organisation_id": 1.5}, "organisation_id", "Not a valid integer."),
        ("/api/v1/users", {**USER, "organisation_id": True}, "organisation_id", "Not a valid integer."),
        ("/api/v1/users", {**USER, "role": None}, "role", "Field may not be null."),
        ("/api/v1/organisations", {**ORG, "city_code": 510100}, "city_code", "Not a valid string."),
        ("/api/v1/organisations", {**ORG, "kind": {"k": 1}}, "kind", "Not a valid string."),
        (
            "/api/v1/rounds",
            {"title": "2026年", "criteria_id": "fc-2026", "notice_days": "7 days"},
            "notice_days",
            "Not a valid integer.",
        ),
        (
            "/api/v1/rounds",
            {"title": "2026年", "criteria_id": "fc-2026", "notice_days": -3},
            "notice_days",
            None,
        ),
        (
            "/api/v1/rounds",
            {"title": "2026年", "criteria_id": "fc-2026", "opens_at": "2026-05-01T08:00"},
            "opens_at",
            None,
        ),  # a time without its zone is ambiguous
    ],
)
def test_wrong_types_are_named(client, admin, nothing_written, path, body, field, message):
    res = envelope(client.post(path, headers=admin, json=body), 422, errors=True)
    assert list(res["errors"]["json"]) == [field]
    if message:
        assert res["errors"]["json"][field] == [message]


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v1/users", USER),
        ("/api/v1/organisations", ORG),
        ("/api/v1/rounds", {"title": "2026年", "criteria_id": "fc-2026"}),
        ("/api/v1/auth/token", {"username": "a", "password": "b"}),
    ],
)
def test_unknown_fields_are_named(client, admin, nothing_written, path, body):
    res = client.post(path, headers=admin, json={**body, "is_admin": True, "id": 7})
    out = envelope(res, 422, errors=True)
    assert out["errors"] == {"json": {"is_admin": ["Unknown field."], "id": ["Unknown field."]}}


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
@pytest.mark.parametrize(
    "path, template, field",
    [
        (
            "/api/v1/users",
            '{"username": "expert.wang", "password": "a long enough password", '
            '"display_name": "王", "role": "reviewer", "organisation_id": %s}',
            "organisation_id",
        ),
        (
            "/api/v1/users",
            '{"username": "expert.wang", "password": "a long enough password", '
            '"display_name": %s, "role": "reviewer"}',
            "display_name",
        ),
        ("/api/v1/rounds", '{"title": "2026年", "criteria_id": "fc-2026", "notice_days": %s}', "notice_days"),
        (
            "/api/v1/organisations",
            '{"name": "玉林社区", "kind": "county", "city": "成都市", '
            '"city_code": %s, "county": "武侯区", "county_code": "510107"}',
            "city_code",
        ),
    ],
)
def test_nan_and_infinity_literals_are_refused_with_the_field_named(
    client, admin, nothing_written, literal, path, template, field
):
    payload = template % literal
    json.loads(payload)  # Python's parser takes these literals: the schemas must refuse them
    out = envelope(raw(client, path, admin, payload.encode()), 422, errors=True)
    assert list(out["errors"]["json"]) == [field]


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/v1/users", {**USER, "display_name": "王" * 100_000}, "display_name"),
        ("/api/v1/users", {**USER, "username": "a" * 100_000}, "username"),
        ("/api/v1/users", {**USER, "password": "p" * 100_000}, "password"),
        ("/api/v1/users", {**USER, "affiliation": "大" * 201}, "affiliation"),
        ("/api/v1/organisations", {**ORG, "name": "社" * 100_000}, "name"),
        ("/api/v1/organisations", {**ORG, "city_code": "5" * 100_000}, "city_code"),
        ("/api/v1/rounds", {"title": "年" * 100_000, "criteria_id": "fc-2026"}, "title"),
        ("/api/v1/auth/token", {"username": "u" * 100_000, "password": "x"}, "username"),
    ],
)
def test_very_long_strings_are_refused(client, admin, nothing_written, path, body, field):
    out = envelope(client.post(path, headers=admin, json=body), 422, errors=True)
    assert field in out["errors"]["json"]


def test_payload_over_the_size_limit_is_a_413(client, admin, app, nothing_written):
    limit = app.config["MAX_CONTENT_LENGTH"]
    payload = b'{"name": "' + b"x" * limit + b'"}'
    out = envelope(raw(client, "/api/v1/organisations", admin, payload), 413)
    assert f"limit of {app.config['JSON_MAX_BYTES']} bytes" in out["message"]


def test_unknown_paths_are_404_everywhere(client, admin):
    for path in ("/api/v1/no-such-thing", "/api/v1/rounds/999999", "/api/v1/users/7"):
        res = client.get(path, headers=admin)
        assert res.status_code == 404 and res.mimetype == "application/json", path
        assert res.json["code"] == 404 and res.json["status"] == "Not Found"
        assert set(res.json) <= {"code", "status", "message"}


def test_wrong_method_is_a_405_with_allow(client, admin, nothing_written):
    res = client.put("/api/v1/users/me", headers=admin, json={})
    envelope(res, 405)
    assert set(res.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}
    res = client.delete("/api/v1/organisations", headers=admin)
    envelope(res, 405)
    assert "POST" in res.headers["Allow"]


def test_unexpected_errors_are_a_500_without_details_and_roll_back(
    client, admin, monkeypatch, caplog, nothing_written
):
    import logging

    import evaluator.accounts.service as users

    # Running the migrations (conftest) applies alembic.ini's logging set-up, which disables the
    # loggers that exist at that moment; this one must report the error.
    monkeypatch.setattr(logging.getLogger("evaluator.errors"), "disabled", False)

    def boom(*args, **kwargs):
        raise RuntimeError("connection to secret-host:5432 failed, password=hunter2")

    # The organisation is added and flushed before the audit record fails: it must not survive.
    monkeypatch.setattr(users.audit, "record", boom)
    res = client.post("/api/v1/organisations", headers=admin, json=ORG)
    out = envelope(res, 500)
    assert out["message"] == "An unexpected error occurred; it has been logged."
    text = res.get_data(as_text=True)
    assert "secret-host" not in text and "hunter2" not in text and "RuntimeError" not in text
    assert "unhandled error" in caplog.text  # logged for the operators, with the traceback


def test_errors_outside_the_views_use_the_envelope_too(client, admin, monkeypatch, nothing_written):
    import evaluator.web.security as security

    def boom(token):
        raise LookupError("token table unreadable: secret detail")

    monkeypatch.setattr(security, "user_for_token", boom)  # fails while authenticating the request
    res = client.get("/api/v1/users/me", headers=admin)
    out = envelope(res, 500)
    assert "secret detail" not in res.get_data(as_text=True) and out["code"] == 500


def test_errors_of_services_carry_their_field(client, admin, nothing_written):
    res = client.post("/api/v1/users", headers=admin, json={**USER, "role": "applicant"})
    out = envelope(res, 422, errors=True)
    assert out["errors"] == {"organisation_id": ["required for applicants"]}


def test_anonymous_and_forbidden_requests(client, make_user):
    _, reviewer = make_user("reviewer")
    before = counts()
    out = envelope(client.post("/api/v1/organisations", json=ORG), 401)
    assert out["message"].startswith("Sign in first")
    envelope(client.post("/api/v1/organisations", headers=reviewer, json=ORG), 403)
    assert counts() == before


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/v1/organisations", {**ORG, "name": "玉林\x00社区"}, "name"),
        ("/api/v1/users", {**USER, "display_name": "王\x00"}, "display_name"),
        ("/api/v1/auth/token", {"username": "admin1\x00", "password": "x"}, "username"),
    ],
)
def test_nul_characters_are_refused_not_a_500_on_postgresql(
    client, admin, nothing_written, path, body, field
):
    out = envelope(client.post(path, headers=admin, json=body), 422, errors=True)
    assert out["errors"] == {"json": {field: [NUL_REFUSED]}}


def test_nul_in_a_query_parameter_is_refused(client, admin):
    res = client.get("/api/v1/audit", headers=admin, query_string={"action": "user.created\x00"})
    assert envelope(res, 422, errors=True)["errors"] == {"query": {"action": [NUL_REFUSED]}}


def test_a_uniqueness_race_lost_at_insert_is_a_409_not_a_500(client, admin, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    def lose(*args, **kwargs):
        raise IntegrityError("INSERT …", {}, Exception("duplicate key value violates unique constraint"))

    monkeypatch.setattr("evaluator.accounts.api.users.create_organisation", lose)
    res = client.post(
        "/api/v1/organisations",
        headers=admin,
        json={
            "name": "武侯区玉林街道",
            "kind": "subdistrict",
            "city": "成都市",
            "city_code": "510100",
            "county": "武侯区",
            "county_code": "510107",
            "subdistrict": "玉林街道",
            "subdistrict_code": "510107001",
        },
    )
    assert res.status_code == 409 and res.json["code"] == 409, res.json
