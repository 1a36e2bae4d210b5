"""Probing ids and refusals before reading, over every endpoint of the API (its URL map).

- An id outside the caller's scope gets exactly the answer of an id that does not exist (status,
  code, message, errors), for every role on every endpoint that names an object by id: nobody can
  tell the other regions', organisations' or reviewers' ids from missing ones.
- A write by a caller the endpoint refuses is a 403 (a 404 for an object out of scope) whatever its
  body: never a 400, 413, 415 or 422, which would tell what the endpoint accepts.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from evaluator.extensions import db
from tests.pages import post

SCOPED = ("application_id", "material_id", "assignment_id", "user_id")
WRITES = ("POST", "PUT", "PATCH", "DELETE")

# Who may write at each write endpoint (the policy's rules, as a reader of docs/api.md expects
# them); signing in and one's own password are open to every caller and left out.
WRITERS = {
    ("POST", "/api/v1/users"): {"admin"},
    ("PATCH", "/api/v1/users/{user_id}"): {"admin"},
    ("POST", "/api/v1/users/{user_id}/password-reset"): {"admin"},
    ("POST", "/api/v1/organisations"): {"admin"},
    ("POST", "/api/v1/criteria/validate"): {"admin"},
    ("POST", "/api/v1/rounds"): {"admin"},
    ("PATCH", "/api/v1/rounds/{round_id}"): {"admin"},
    ("POST", "/api/v1/rounds/{round_id}/transition"): {"admin"},
    ("PATCH", "/api/v1/rounds/{round_id}/settings"): {"admin"},
    ("POST", "/api/v1/rounds/{round_id}/applications/import"): {"admin"},
    ("POST", "/api/v1/rounds/{round_id}/applications"): {"applicant"},
    ("PATCH", "/api/v1/applications/{application_id}"): {"applicant"},
    ("POST", "/api/v1/applications/{application_id}/submit"): {"applicant"},
    ("POST", "/api/v1/applications/{application_id}/withdraw"): {"applicant"},
    ("POST", "/api/v1/applications/{application_id}/materials"): {"applicant"},
    ("DELETE", "/api/v1/materials/{material_id}"): {"applicant"},
    ("PUT", "/api/v1/rounds/{round_id}/recommendations"): {"county_office", "city_office"},
    ("POST", "/api/v1/applications/{application_id}/endorse"): {"county_office", "city_office"},
    ("POST", "/api/v1/applications/{application_id}/return"): {"county_office", "city_office"},
    ("POST", "/api/v1/applications/{application_id}/decline"): {"county_office", "city_office"},
    ("POST", "/api/v1/applications/{application_id}/check"): {"county_office", "city_office"},
    ("DELETE", "/api/v1/applications/{application_id}/recommendation"): {"county_office", "city_office"},
    ("POST", "/api/v1/rounds/{round_id}/assignments/auto"): {"admin"},
    ("POST", "/api/v1/rounds/{round_id}/assignments"): {"admin"},
    ("POST", "/api/v1/assignments/{assignment_id}/remove"): {"admin"},
    ("POST", "/api/v1/assignments/{assignment_id}/recuse"): {"reviewer"},
    ("POST", "/api/v1/rounds/{round_id}/conflicts"): {"reviewer", "applicant"},
    ("POST", "/api/v1/conflicts/{declaration_id}/decision"): {"admin"},
    ("PUT", "/api/v1/users/{user_id}/expertise"): {"admin", "reviewer"},
    ("PUT", "/api/v1/assignments/{assignment_id}/review"): {"reviewer"},
    ("POST", "/api/v1/rounds/{round_id}/results/compute"): {"admin"},
    ("POST", "/api/v1/rounds/{round_id}/cohorts"): {"admin"},
    ("POST", "/api/v1/applications/{application_id}/cohort"): {"admin"},
    ("POST", "/api/v1/rounds/{round_id}/shortlists"): {"admin"},
    ("POST", "/api/v1/shortlists/{shortlist_id}/adjustments"): {"admin"},
    ("POST", "/api/v1/shortlists/{shortlist_id}/publish"): {"admin"},
    ("POST", "/api/v1/shortlists/{shortlist_id}/corrections"): {"admin"},
    ("POST", "/api/v1/objections/{objection_id}/decision"): {"admin"},
    ("POST", "/api/v1/rounds/{round_id}/recognition"): {"admin"},
    ("POST", "/api/v1/applications/{application_id}/dossier"): {"admin"},
    ("POST", "/api/v1/dossiers/{dossier_id}/revoke"): {"admin"},
    ("POST", "/api/v1/dossiers/{dossier_id}/supersede"): {"admin"},
    ("POST", "/api/v1/rounds/{round_id}/dossiers"): {"admin"},
    ("POST", "/api/v1/jobs/{job_id}/retry"): {"admin"},
}
OPEN_TO_ALL = {
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/public/shortlists/{shortlist_id}/objections"),
    ("DELETE", "/api/v1/auth/token"),
    ("POST", "/api/v1/users/me/password"),
}
# Bodies no endpoint accepts, of every kind a reader would refuse: wrong type, broken JSON, a lone
# surrogate, an integer of too many digits, another media type.
BAD_BODIES = [
    {"data": b"[]", "content_type": "application/json"},
    {"data": b'{"reason": ', "content_type": "application/json"},
    {"data": b'{"reason": "\\ud800"}', "content_type": "application/json"},
    {"data": b'{"reason": ' + b"9" * 40 + b"}", "content_type": "application/json"},
    {"data": b"reason=x", "content_type": "text/plain"},
]


def routes(app, methods=("GET", *WRITES)) -> list[tuple[str, str]]:
    """(method, path) of every API endpoint, path parameters written ``{name}`` as in the OpenAPI
    document."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or "<path:" in rule.rule:
            continue
        path = re.sub(r"<(?:int|string):([a-z_]+)>", r"{\1}", rule.rule)
        found += [(method, path) for method in sorted(rule.methods) if method in methods]
    return sorted(found)


def answer(res) -> tuple:
    """What a refusal tells: status, code, the message with its numbers blanked, the errors."""
    body = res.get_json()
    assert body is not None, (res.status_code, res.get_data(as_text=True)[:200])
    return res.status_code, body["code"], re.sub(r"\d+", "#", body.get("message", "")), body.get("errors")


def page_text(res) -> str:
    """A page with its numbers and CSRF tokens (signed with the time) blanked."""
    text = re.sub(r'name="csrf_token" value="[^"]*"', "", res.get_data(as_text=True))
    return re.sub(r"\d+", "#", text)


def counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def send(client, method, path, ids, headers, **body):
    res = client.open(path.format(**ids), method=method, headers=headers, **body)
    res.get_data()
    res.close()
    return res


@pytest.mark.parametrize("role", ["applicant", "reviewer", "county_office", "city_office", None])
def test_an_id_out_of_scope_is_answered_as_a_missing_one(app, client, scope_world, role):
    """Every endpoint with an id, for every role but the office's (which sees every object): the
    other region's application, its material, another reviewer's assignment and account."""
    w = scope_world
    headers = w.headers[role] if role else {}
    before = counts()
    compared, differ = 0, []
    for method, path in routes(app):
        if not any(f"{{{name}}}" in path for name in SCOPED):
            continue
        body = {"json": {"reason": "x"}} if method in WRITES else {}
        stranger = send(client, method, path, w.ids(role, "stranger"), headers, **body)
        missing = send(client, method, path, w.ids(role, "missing"), headers, **body)
        compared += 1
        if stranger.status_code not in (401, 403, 404) or answer(stranger) != answer(missing):
            differ.append((method, path, answer(stranger), answer(missing)))
    assert differ == []
    assert compared >= 28
    assert counts() == before


def test_the_office_is_told_which_ids_are_missing(client, scope_world):
    """The office sees every object: out of scope does not apply, a missing id is a plain 404."""
    w = scope_world
    for path in ("/api/v1/applications/{application_id}", "/api/v1/assignments/{assignment_id}"):
        assert send(client, "GET", path, w.ids("admin", "missing"), w.headers["admin"]).status_code == 404
        assert send(client, "GET", path, w.ids("admin", "stranger"), w.headers["admin"]).status_code == 200


def test_every_write_endpoint_says_who_may_write(app):
    assert set(routes(app, WRITES)) - OPEN_TO_ALL == set(WRITERS)


@pytest.mark.parametrize("role", ["applicant", "reviewer", "county_office", "city_office", "admin", None])
def test_a_refused_caller_never_learns_what_the_body_should_be(app, client, scope_world, role):
    """Every write endpoint, every role, every bad body: 401 anonymous, 403 for a role the endpoint
    refuses (with ids of the caller's own objects), 404 for an object outside an allowed caller's
    scope; never 400, 413, 415 or 422 — the caller is checked before the body is read."""
    w = scope_world
    headers = {**(w.headers[role] if role else {}), "If-Match": "*"}
    before = counts()
    wrong = []
    for (method, path), writers in sorted(WRITERS.items()):
        if role is None:
            expected, ids = 401, w.ids(None, "own")
        elif role not in writers:
            expected, ids = 403, w.ids(role, "own")
        elif role != "admin" and any(f"{{{n}}}" in path for n in SCOPED):
            expected, ids = 404, w.ids(role, "stranger")
        else:
            continue  # an allowed caller on an object of their own: their body is read (422)
        for body in BAD_BODIES:
            res = send(client, method, path, ids, headers, **body)
            if res.status_code != expected or res.get_json()["code"] != expected:
                wrong.append((method, path, body["data"][:20], expected, res.status_code))
            elif "errors" in res.get_json():
                wrong.append((method, path, body["data"][:20], "errors shown", res.get_json()["errors"]))
    assert wrong == []
    assert counts() == before


def test_an_applicant_recusing_with_an_empty_body_is_refused_not_told_the_field(client, scope_world):
    """The reported case: an applicant's empty recusal was a 422 naming ``reason``."""
    w = scope_world
    url = "/api/v1/assignments/{assignment_id}/recuse".format(**w.ids("reviewer", "own"))
    for body in ({}, {"json": {}}):
        res = client.post(url, headers=w.headers["applicant"], **body)
        assert res.status_code == 403 and "errors" not in res.get_json(), res.get_json()
    res = client.post(url, headers=w.headers["reviewer"], json={})
    assert res.status_code == 422 and "reason" in res.get_json()["errors"]["json"]


def test_a_county_office_cannot_tell_another_regions_application_from_a_missing_one(client, scope_world):
    """The reported case, spelled out: GET/PATCH, materials, evidence, submit, withdraw, a material."""
    w = scope_world
    h = w.headers["county_office"]
    for which in ("stranger", "missing"):
        ids = w.ids("county_office", which)
        app_id = ids["application_id"]
        for method, url in (
            ("GET", f"/api/v1/applications/{app_id}"),
            ("GET", f"/api/v1/applications/{app_id}/materials"),
            ("GET", f"/api/v1/materials/{ids['material_id']}"),
        ):
            res = client.open(url, method=method, headers=h)
            assert res.status_code == 404, (which, url, res.status_code)
        for method, url in (
            ("PATCH", f"/api/v1/applications/{app_id}"),
            ("GET", f"/api/v1/applications/{app_id}/evidence"),
            ("POST", f"/api/v1/applications/{app_id}/submit"),
            ("POST", f"/api/v1/applications/{app_id}/withdraw"),
        ):
            # Not a county office's act on any application: 403 whatever the id.
            res = client.open(url, method=method, headers=h, json={})
            assert res.status_code == 403, (which, url, res.status_code)
    # Its own region's application (past the draft) it reads.
    own = w.ids("county_office", "own")["application_id"]
    assert client.get(f"/api/v1/applications/{own}", headers=h).status_code == 200


@pytest.mark.parametrize("role", ["applicant", "reviewer", "county_office", "city_office"])
def test_the_pages_answer_an_id_out_of_scope_as_a_missing_one(app, page_client, scope_world, role):
    """The same over every page with an id (GET, and POST with the session's CSRF token)."""
    w = scope_world
    c = page_client(user=w.users[role])
    differ, compared = [], 0
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api", "/static")) or not any(f":{name}>" in rule.rule for name in SCOPED):
            continue
        path = re.sub(r"<(?:int|string):([a-z_]+)>", r"{\1}", rule.rule).replace("<act>", "endorse")
        for method in sorted({"GET", "POST"} & rule.methods):
            pair = []
            for which in ("stranger", "missing"):
                url = path.format(**w.ids(role, which))
                res = c.get(url) if method == "GET" else post(c, url, {"reason": "x"})
                pair.append((res.status_code, page_text(res)))
                res.close()
            compared += 1
            if pair[0][0] not in (403, 404) or pair[0] != pair[1]:
                differ.append((method, path, pair[0][0], pair[1][0]))
    assert differ == []
    assert compared >= 20


def test_a_rule_on_an_object_is_never_guarded_without_its_object():
    """An endpoint guarded by a rule on an object without loading it would read its body first."""
    from evaluator.applications.models import Application
    from evaluator.web.api import guard

    with pytest.raises(TypeError):
        guard("application.edit")
    with pytest.raises(TypeError):
        guard("user.create", Application)
    guard("application.edit", Application)
