"""The API against its own OpenAPI document: generated requests as admin, applicant and anonymous
get no 5xx and no answer that breaks its documented schema (schemathesis, against the app in
process). Bounded: a fixed number of examples per operation, derandomized (seeded)."""

from __future__ import annotations

import io
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from marshmallow import ValidationError
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from evaluator.applications.models import Application
from evaluator.extensions import db
from evaluator.web.security import issue_token

# The contract is the API's, not the database's: it runs in one pass (scripts/test.sh: on PostgreSQL).
pytestmark = pytest.mark.once

EXAMPLES = 4
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
CHECKS = [not_a_server_error, response_schema_conformance]


def test_the_pagination_header_is_documented_as_json(client):
    doc = client.get("/api/v1/openapi.json").json
    header = doc["components"]["headers"]["PAGINATION"]
    assert "schema" not in header
    assert header["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginationMetadata"
    }
    for path in ("/api/v1/audit", "/api/v1/rounds/{round_id}/applications"):
        ref = doc["paths"][path]["get"]["responses"]["200"]["headers"]["X-Pagination"]
        assert ref == {"$ref": "#/components/headers/PAGINATION"}


def test_every_answer_with_a_body_has_a_schema(client):
    doc = client.get("/api/v1/openapi.json").json
    missing = [
        f"{method.upper()} {path} {status}"
        for path, operations in doc["paths"].items()
        for method, operation in operations.items()
        if method != "parameters"
        for status, response in operation["responses"].items()
        if status.startswith("2")
        and status != "204"
        and "$ref" not in response
        and not all("schema" in media for media in response.get("content", {None: {}}).values())
    ]
    assert missing == []


def test_the_pagination_header_is_the_json_it_is_documented_as(client, make_user):
    _, admin = make_user("admin")
    res = client.get("/api/v1/audit?page=1&page_size=5", headers=admin)
    assert res.status_code == 200
    assert json.loads(res.headers["X-Pagination"]) == {"total": 0, "total_pages": 0}


@pytest.mark.slow
def test_the_api_keeps_to_its_document(app, callers, ids):
    """Every operation, EXAMPLES generated requests each, sent as each caller in turn."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tokens = Tokens()
    failures = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def keeps_to_its_document(case):
            # As generated (ids mostly unknown), then with the ids of rows that exist.
            for known in (False, True):
                if known:
                    if not set(case.path_parameters or {}) & set(ids):
                        return
                    case.path_parameters.update({k: ids[k] for k in case.path_parameters if k in ids})
                for caller, user in callers.items():
                    # buffered: a download's file is read and closed within the call
                    response = case.call(headers=tokens.headers(user), buffered=True)
                    if case.method == "DELETE" and case.path == "/api/v1/auth/token":
                        tokens.forget()  # that call revoked the token it was sent with
                    try:
                        case.validate_response(response, checks=CHECKS)
                    except (AssertionError, FailureGroup) as exc:
                        raise AssertionError(f"as {caller}, {case.path_parameters}: {exc}") from None

        try:
            keeps_to_its_document()
        except AssertionError as exc:
            failures[operation.label] = str(exc)[:2000]
    assert failures == {}


@pytest.fixture
def ids(callers, client):
    """Ids of rows that exist, for the path parameters: a round, its draft application, a material."""

    application = db.session.scalars(db.select(Application)).one()
    res = client.post(
        f"/api/v1/applications/{application.id}/materials",
        headers=fresh_token(callers["applicant"]),
        data={"file": (io.BytesIO(PDF), "材料.pdf")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 201, res.json
    return {
        "round_id": application.round_id,
        "application_id": application.id,
        "material_id": res.json["id"],
        "set_id": "fc-2026",
    }


@pytest.fixture
def callers(app, make_org, make_user, make_draft, monkeypatch, tmp_path):
    """An admin, an applicant (with a draft in an open round) and an anonymous caller (None)."""
    monkeypatch.setitem(app.config, "MATERIALS_DIR", str(tmp_path / "materials"))
    admin_user, _ = make_user("admin")
    org = make_org()
    make_draft(organisation=org, actor=admin_user)
    applicant_user, _ = make_user("applicant", organisation=org)
    return {"admin": admin_user, "applicant": applicant_user, "anonymous": None}


def fresh_token(user) -> dict[str, str]:
    """The headers of a new bearer token for the user (none for an anonymous caller)."""
    if user is None:
        return {}
    token, _ = issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


class Tokens:
    """One bearer token per user, made again after a call that signs out."""

    def __init__(self):
        self._headers = {}

    def headers(self, user) -> dict[str, str]:
        if user not in self._headers:
            self._headers[user] = fresh_token(user)
        return self._headers[user]

    def forget(self) -> None:
        self._headers.clear()


def test_every_documented_pattern_means_what_the_validator_checks(client):
    import re

    text = client.get("/api/v1/openapi.json").get_data(as_text=True)
    patterns = set(re.findall(r'"pattern": ?"((?:[^"\\]|\\.)*)"', text))
    assert patterns
    for pattern in patterns:
        # Anchored with ^ and $ (what JSON Schema's ECMAScript patterns understand), no Python-only \Z
        assert pattern.startswith("^") and pattern.endswith("$") and "\\Z" not in pattern, pattern


def test_a_trailing_line_break_does_not_slip_through_a_pattern(client, make_user):
    from evaluator.validation import Pattern

    with pytest.raises(ValidationError):
        Pattern(r"^[0-9]{6}$")("510100\n")
    _, admin = make_user("admin")
    res = client.get("/api/v1/rounds/1/applications", headers=admin, query_string={"county_code": "510107\n"})
    assert res.status_code in (404, 422)
