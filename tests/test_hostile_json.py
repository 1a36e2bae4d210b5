"""Hostile JSON bodies: deep nesting, huge integers, lone surrogates, oversize bodies, wrong media types.

Each is refused in the envelope with the field named (or ``json`` for a body that cannot be parsed),
never a 500, and writes nothing; responses carry Chinese text as is.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluator.applications import intake
from evaluator.criteria import build_criteria
from evaluator.errors import ServiceError
from evaluator.extensions import db

SIGN_IN = "/api/v1/auth/token"
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


def counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def post_raw(client, path, text: str, headers=None, content_type="application/json"):
    return client.post(
        path, data=text.encode("utf-8", "surrogatepass"), headers=headers or {}, content_type=content_type
    )


def refused(res, code: int) -> dict:
    assert res.status_code == code, res.get_data(as_text=True)[:300]
    body = res.get_json()
    assert body["code"] == code and body["message"] and "errors" in body
    return body["errors"]


@pytest.fixture
def draft_round(make_round):
    return make_round()


def test_nesting_beyond_the_parser_is_a_400_on_anonymous_sign_in(client):
    before = counts()
    errors = refused(post_raw(client, SIGN_IN, "[" * 100_000 + "]" * 100_000), 400)
    assert errors == {"json": ["Nested deeper than the limit of 32 levels."]}
    assert counts() == before


def test_nesting_beyond_the_limit_names_the_field(client):
    payload = '{"username": ' + "[" * 40 + "]" * 40 + ', "password": "x"}'
    errors = refused(post_raw(client, SIGN_IN, payload), 422)
    assert errors == {"json": {"username": ["Nested deeper than the limit of 32 levels."]}}


def test_nesting_within_the_limit_reaches_the_schema(client):
    payload = '{"username": ' + "[" * 30 + "]" * 30 + ', "password": "x"}'
    errors = refused(post_raw(client, SIGN_IN, payload), 422)
    assert errors == {"json": {"username": ["Not a valid string."]}}


def test_an_integer_of_thousands_of_digits_is_named(client):
    errors = refused(post_raw(client, SIGN_IN, '{"username": ' + "9" * 5000 + ', "password": "x"}'), 422)
    assert errors == {"json": {"username": ["An integer may have at most 30 digits; this one has 5000."]}}


def test_a_huge_self_assessment_score_is_named(client, make_user, draft_round):
    _, applicant = make_user("applicant")
    before = counts()
    payload = '{"self_assessment": {"plan_quality": -' + "1" * 4400 + "}}"
    res = post_raw(client, f"/api/v1/rounds/{draft_round.id}/applications", payload, applicant)
    assert refused(res, 422) == {
        "json": {
            "self_assessment": {"plan_quality": ["An integer may have at most 30 digits; this one has 4400."]}
        }
    }
    assert counts() == before


def test_a_huge_figure_is_named(client, make_user, draft_round):
    _, applicant = make_user("applicant")
    payload = '{"figures": {"fund": ' + "7" * 400 + ', "households": [1, 2, ' + "8" * 31 + "]}}"
    res = post_raw(client, f"/api/v1/rounds/{draft_round.id}/applications", payload, applicant)
    assert refused(res, 422) == {
        "json": {
            "figures": {
                "fund": ["An integer may have at most 30 digits; this one has 400."],
                "households": {"2": ["An integer may have at most 30 digits; this one has 31."]},
            }
        }
    }


def test_out_of_range_numbers_are_refused_by_the_figure_check_itself(mini_raw):
    cs = build_criteria(mini_raw, "test")
    with pytest.raises(ServiceError) as caught:
        intake.check_figures(cs, {"fund": 10**400, "households": -(10**400)}, partial=True)
    assert caught.value.status == 422 and set(caught.value.errors["figures"]) == {"fund", "households"}


@pytest.mark.parametrize(
    "payload, errors",
    [
        (
            '{"username": "admin\\ud800", "password": "x"}',
            {"username": ["Must not contain a lone surrogate (U+D800 to U+DFFF); send valid Unicode text."]},
        ),
        (
            '{"username": "admin", "password": "\\udfff"}',
            {"password": ["Must not contain a lone surrogate (U+D800 to U+DFFF); send valid Unicode text."]},
        ),
        (
            '{"username": "admin", "password": "x", "\\ud83d": 1}',
            {"\ufffd": ["A key must not contain a lone surrogate."]},
        ),
    ],
)
def test_lone_surrogates_are_named_on_anonymous_sign_in(client, payload, errors):
    before = counts()
    assert refused(post_raw(client, SIGN_IN, payload), 422) == {"json": errors}
    assert counts() == before


def test_a_surrogate_pair_is_ordinary_text(client, admin):
    res = post_raw(
        client,
        "/api/v1/organisations",
        '{"name": "玉林\\ud83d\\ude00社区", "kind": "county", "city": "成都市", '
        '"city_code": "510100", "county": "武侯区", "county_code": "510107"}',
        admin,
    )
    assert res.status_code == 201, res.json
    assert res.json["name"] == "玉林😀社区"


def test_a_body_over_the_json_limit_is_a_413(client, app, admin, monkeypatch):
    monkeypatch.setitem(app.config, "JSON_MAX_BYTES", 1000)
    before = counts()
    res = client.post("/api/v1/organisations", headers=admin, json={**ORG, "name": "社" * 400})
    assert res.status_code == 413 and res.json["message"] == (
        "The JSON body is larger than the limit of 1000 bytes."
    )
    assert counts() == before


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_a_json_endpoint_refuses_other_media_types(client, admin, content_type):
    before = counts()
    res = client.post(
        "/api/v1/organisations", headers=admin, content_type=content_type, data='{"name": "玉林社区"}'
    )
    assert refused(res, 415) == {"json": ["Expected a JSON body (application/json)."]}
    res = client.post(SIGN_IN, content_type=content_type, data="username=admin&password=x")
    assert res.status_code == 415
    assert counts() == before


def test_a_form_post_is_a_415_not_silently_empty(client, admin):
    res = client.post("/api/v1/users", headers=admin, data={"username": "expert.wang"})
    assert res.status_code == 415 and res.json["code"] == 415


def test_json_with_a_charset_or_a_json_suffix_is_json(client, admin):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        res = client.post(
            "/api/v1/organisations", headers=admin, content_type=content_type, data=b'{"name": 7}'
        )
        assert res.status_code == 422 and "name" in res.json["errors"]["json"], content_type


def test_chinese_text_is_sent_as_is_in_utf8(client, admin):
    res = client.post("/api/v1/organisations", headers=admin, json=ORG)
    assert res.status_code == 201
    assert "玉林社区".encode() in res.data and b"\\u" not in res.data
    res = client.post("/api/v1/organisations", headers=admin, json=ORG)  # a duplicate
    assert res.status_code == 409 and b"\\u" not in res.data


def test_a_lone_surrogate_in_a_response_is_escaped_not_a_failed_response(app):
    text = app.json.dumps({"name": "玉林\ud800社区"})
    assert text == '{"name": "玉林\\ud800社区"}'
    assert text.encode("utf-8") and app.json.loads(text.replace("\\ud800", "")) == {"name": "玉林社区"}


def test_a_key_named_twice_is_refused_not_silently_overwritten(client):
    before = counts()
    res = post_raw(client, SIGN_IN, '{"username": "a", "username": "b", "password": "x"}')
    assert res.status_code in (400, 422) and res.json["code"] == res.status_code
    assert "twice" in str(res.json["errors"])
    assert counts() == before


# ----------------------------------------------------------------- every JSON endpoint, one reader

# Who may send each JSON endpoint a body (None: anonymous), on the objects of their own scope
# (tests/fixtures/scope.py): the limits are only reached by a caller the endpoint admits.
JSON_CALLERS = {
    ("POST", "/api/v1/auth/token"): None,
    ("POST", "/api/v1/users"): "admin",
    ("POST", "/api/v1/users/me/password"): "applicant",
    ("PATCH", "/api/v1/users/{user_id}"): "admin",
    ("POST", "/api/v1/organisations"): "admin",
    ("POST", "/api/v1/criteria/validate"): "admin",
    ("POST", "/api/v1/rounds"): "admin",
    ("PATCH", "/api/v1/rounds/{round_id}"): "admin",
    ("POST", "/api/v1/rounds/{round_id}/transition"): "admin",
    ("PATCH", "/api/v1/rounds/{round_id}/settings"): "admin",
    ("POST", "/api/v1/rounds/{round_id}/applications"): "applicant",
    ("PATCH", "/api/v1/applications/{application_id}"): "applicant",
    ("PUT", "/api/v1/rounds/{round_id}/recommendations"): "city_office",
    ("POST", "/api/v1/applications/{application_id}/endorse"): "county_office",
    ("POST", "/api/v1/applications/{application_id}/return"): "county_office",
    ("POST", "/api/v1/applications/{application_id}/decline"): "county_office",
    ("POST", "/api/v1/applications/{application_id}/check"): "city_office",
    ("POST", "/api/v1/rounds/{round_id}/assignments/auto"): "admin",
    ("POST", "/api/v1/rounds/{round_id}/assignments"): "admin",
    ("POST", "/api/v1/assignments/{assignment_id}/remove"): "admin",
    ("POST", "/api/v1/assignments/{assignment_id}/recuse"): "reviewer",
    ("POST", "/api/v1/rounds/{round_id}/conflicts"): "reviewer",
    ("POST", "/api/v1/conflicts/{declaration_id}/decision"): "admin",
    ("PUT", "/api/v1/users/{user_id}/expertise"): "reviewer",
    ("PUT", "/api/v1/assignments/{assignment_id}/review"): "reviewer",
    ("POST", "/api/v1/rounds/{round_id}/cohorts"): "admin",
    ("POST", "/api/v1/applications/{application_id}/cohort"): "admin",
    ("POST", "/api/v1/rounds/{round_id}/shortlists"): "admin",
    ("POST", "/api/v1/shortlists/{shortlist_id}/adjustments"): "admin",
    ("POST", "/api/v1/shortlists/{shortlist_id}/corrections"): "admin",
    ("POST", "/api/v1/objections/{objection_id}/decision"): "admin",
    ("POST", "/api/v1/dossiers/{dossier_id}/revoke"): "admin",
    ("POST", "/api/v1/dossiers/{dossier_id}/supersede"): "admin",
}
SURROGATE = "Must not contain a lone surrogate (U+D800 to U+DFFF); send valid Unicode text."


def json_endpoints(client) -> set[tuple[str, str]]:
    """(method, path) of every operation whose OpenAPI request body is JSON."""
    doc = client.get("/api/v1/openapi.json").json
    return {
        (method.upper(), path)
        for path, operations in doc["paths"].items()
        for method, operation in operations.items()
        if method != "parameters"
        and "application/json" in operation.get("requestBody", {}).get("content", {})
    }


def test_every_json_endpoint_is_probed(client):
    assert json_endpoints(client) == set(JSON_CALLERS)


@pytest.mark.parametrize(("method", "path"), sorted(JSON_CALLERS))
def test_every_json_endpoint_reads_its_body_through_the_limits(
    app, client, scope_world, monkeypatch, method, path
):
    """Oversized: 413 before it is parsed (this body is not even JSON); a lone surrogate or an
    integer of 31 digits: 422 naming the field, in the envelope. Nothing is written."""
    w = scope_world
    role = JSON_CALLERS[(method, path)]
    url = path.format(**w.ids(role, "own"))
    headers = {**(w.headers[role] if role else {}), "If-Match": "*"}
    monkeypatch.setitem(app.config, "JSON_MAX_BYTES", 2000)
    before = counts()

    def send(body: bytes):
        return client.open(url, method=method, headers=headers, data=body, content_type="application/json")

    res = send(b'{"probe": "' + b"x" * 3000)
    assert res.status_code == 413, (res.status_code, res.get_data(as_text=True)[:300])
    assert res.json == {
        "code": 413,
        "status": "Request Entity Too Large",
        "message": "The JSON body is larger than the limit of 2000 bytes.",
    }
    assert refused(send(b'{"probe": "a\\ud800b"}'), 422) == {"json": {"probe": [SURROGATE]}}
    digits = "An integer may have at most 30 digits; this one has 31."
    assert refused(send(b'{"probe": ' + b"1" * 31 + b"}"), 422) == {"json": {"probe": [digits]}}
    assert counts() == before
