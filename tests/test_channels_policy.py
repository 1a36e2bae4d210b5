"""Authorisation: every rule against every role, through the API; rules that admit anonymous callers."""

from __future__ import annotations

import io

import pytest

from evaluator.accounts import policy
from evaluator.accounts.policy import RULES, Rule, allowed, authorize
from evaluator.applications.models import Application
from evaluator.assignments.models import Assignment
from evaluator.extensions import db

ROLES = ("admin", "reviewer", "applicant", "outsider", "county", "city", "far_county", "anonymous")
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
MINI_YAML = "id: draft\n"

OK = "ok"  # allowed: the request got past authorisation (any answer but 401, 403 or 5xx)


def expect(allowed_roles: str = "", **others) -> dict:
    """Expected answers per role: OK for the roles named, 401 for anonymous, else 403 (or as given)."""
    out = {role: OK if role in allowed_roles.split() else 403 for role in ROLES}
    out["anonymous"] = 401
    return out | others


# An object outside a caller's scope is not found (404), as a missing id is; the draft is outside
# every scope but its organisation's (and the office's); the submitted application lies in the
# county and city offices' region and is assigned to the reviewer.
NOT_MINE = {"outsider": 404}
NOT_SEEN = {role: 404 for role in ("outsider", "reviewer", "county", "city", "far_county")}
ADMIN_ONLY = expect("admin")
SIGNED_IN = expect("admin reviewer applicant outsider county city far_county")
OWNER_ONLY = expect("applicant", **NOT_MINE)
OWNER_OR_ADMIN = expect("admin applicant", **NOT_MINE)
SEES_DRAFT = expect("admin applicant", **NOT_SEEN)
APPLICANTS_OR_ADMIN = expect("admin applicant outsider")
APPLICANTS = expect("applicant outsider")
REGION_OFFICES = expect("county city far_county")
# the submitted application: its region's offices and its assigned reviewer see it
SEES_SUBMITTED = expect("admin reviewer county city", applicant=404, outsider=404, far_county=404)
REVIEWERS_OR_ADMIN = expect("admin reviewer")
ASSIGNED_REVIEWER = expect("reviewer")
# a county office acts on its county's applications: one outside its region is not found (404)
COUNTY_ACTS = expect("county", far_county=404)
EVERYBODY = {role: OK for role in ROLES}


def pdf_upload():
    return {"data": {"file": (io.BytesIO(PDF), "材料.pdf")}, "content_type": "multipart/form-data"}


# (rule, method, path, request keyword arguments, expected answer per role)
MATRIX = [
    ("account.view_self", "GET", "/users/me", {}, SIGNED_IN),
    (
        "user.create",
        "POST",
        "/users",
        {
            "json": {
                "username": "new.user",
                "password": "a long password",
                "display_name": "新用户",
                "role": "reviewer",
            }
        },
        ADMIN_ONLY,
    ),
    (
        "organisation.create",
        "POST",
        "/organisations",
        {
            "json": {
                "name": "新建社区",
                "kind": "community",
                "city": "成都市",
                "city_code": "510100",
                "county": "武侯区",
                "county_code": "510107",
            }
        },
        ADMIN_ONLY,
    ),
    ("organisation.list", "GET", "/organisations", {}, ADMIN_ONLY),
    ("criteria.view", "GET", "/criteria", {}, SIGNED_IN),
    ("criteria.view", "GET", "/criteria/fc-2026", {}, SIGNED_IN),
    ("criteria.validate", "POST", "/criteria/validate", {"json": {"yaml": MINI_YAML}}, ADMIN_ONLY),
    (
        "round.create",
        "POST",
        "/rounds",
        {"json": {"title": "新一轮评审", "criteria_id": "fc-2026"}},
        ADMIN_ONLY,
    ),
    ("round.view", "GET", "/rounds", {}, SIGNED_IN),
    ("round.view", "GET", "/rounds/{round}", {}, SIGNED_IN),
    ("application.create", "POST", "/rounds/{round}/applications", {"json": {"figures": {}}}, APPLICANTS),
    ("application.list", "GET", "/rounds/{round}/applications", {}, APPLICANTS_OR_ADMIN),
    ("application.view", "GET", "/applications/{application}", {}, SEES_DRAFT),
    ("application.edit", "PATCH", "/applications/{application}", {"json": {"figures": {}}}, OWNER_ONLY),
    (
        "application.import",
        "POST",
        "/rounds/{round}/applications/import",
        lambda: {"data": {"file": (io.BytesIO(b"id\n"), "apps.csv")}, "content_type": "multipart/form-data"},
        ADMIN_ONLY,
    ),
    ("application.template", "GET", "/rounds/{round}/applications/template", {}, ADMIN_ONLY),
    ("material.list", "GET", "/applications/{application}/materials", {}, SEES_DRAFT),
    ("material.checklist", "GET", "/applications/{application}/evidence", {}, OWNER_OR_ADMIN),
    ("material.upload", "POST", "/applications/{application}/materials", pdf_upload, OWNER_ONLY),
    ("material.download", "GET", "/materials/{material}", {}, SEES_DRAFT),
    ("audit.view", "GET", "/audit", {}, ADMIN_ONLY),
    ("audit.verify", "GET", "/audit/verify", {}, ADMIN_ONLY),
    ("user.list", "GET", "/users", {}, ADMIN_ONLY),
    ("user.list", "GET", "/users/987654", {}, ADMIN_ONLY),
    ("user.update", "PATCH", "/users/987654", {"json": {"active": True}}, ADMIN_ONLY),
    ("user.reset_password", "POST", "/users/987654/password-reset", {}, ADMIN_ONLY),
    (
        "account.view_self",
        "POST",
        "/users/me/password",
        {"json": {"current_password": "x", "new_password": "y"}},
        SIGNED_IN,
    ),
    ("round.edit", "PATCH", "/rounds/{round}", {"json": {"title": "改名后的批次"}}, ADMIN_ONLY),
    ("dashboard.view", "GET", "/dashboard", {}, ADMIN_ONLY),
    ("application.export", "GET", "/rounds/{round}/applications/export", {}, ADMIN_ONLY),
    ("application.view", "GET", "/applications/{submitted}", {}, SEES_SUBMITTED),
    ("material.list", "GET", "/applications/{submitted}/materials", {}, SEES_SUBMITTED),
    ("vetting.list", "GET", "/rounds/{round}/vetting", {}, REGION_OFFICES),
    ("round.settings", "GET", "/rounds/{round}/settings", {}, ADMIN_ONLY),
    ("round.settings", "PATCH", "/rounds/{round}/settings", {"json": {"blind": True}}, ADMIN_ONLY),
    ("assignment.manage", "GET", "/rounds/{round}/assignments", {}, ADMIN_ONLY),
    ("assignment.list", "GET", "/assignments?mine=1", {}, REVIEWERS_OR_ADMIN),
    ("review.view", "GET", "/assignments/{assignment}/review", {}, REVIEWERS_OR_ADMIN),
    ("review.view", "GET", "/assignments/{assignment}/sheet", {}, REVIEWERS_OR_ADMIN),
    (
        "review.save",
        "PUT",
        "/assignments/{assignment}/review",
        {"json": {"scores": {}}, "headers": {"If-Match": '"v0"'}},
        ASSIGNED_REVIEWER,
    ),
    ("reviewer.profile", "GET", "/users/{reviewer}/expertise", {}, REVIEWERS_OR_ADMIN),
    (
        "conflict.declare",
        "POST",
        "/rounds/{round}/conflicts",
        {"json": {"organisation": "某某社区", "reason": "亲属"}},
        expect("reviewer applicant outsider"),
    ),
    ("conflict.list", "GET", "/rounds/{round}/conflicts", {}, expect("admin reviewer applicant outsider")),
    ("conflict.list", "GET", "/conflicts/987654", {}, expect("admin reviewer applicant outsider")),
    ("conflict.roster", "GET", "/rounds/{round}/conflicts/reviewers", {}, expect("admin applicant outsider")),
    (
        "conflict.decide",
        "POST",
        "/conflicts/987654/decision",
        {"json": {"decision": "refused", "reason": "理由"}, "headers": {"If-Match": '"v1"'}},
        ADMIN_ONLY,
    ),
    ("results.view", "GET", "/rounds/{round}/results", {}, ADMIN_ONLY),
    ("results.export", "GET", "/rounds/{round}/results/export", {}, ADMIN_ONLY),
    ("results.compute", "POST", "/rounds/{round}/results/compute", {}, ADMIN_ONLY),
    ("dossier.issue", "POST", "/applications/{application}/dossier", {}, ADMIN_ONLY),
    ("dossier.download", "GET", "/applications/{application}/dossier", {}, OWNER_OR_ADMIN),
    ("dossier.manage", "GET", "/jobs/987654", {}, ADMIN_ONLY),
    # Cohorts (the round is open: a run or a move is refused later, 409 or 404, past the rule).
    ("cohorts.view", "GET", "/rounds/{round}/cohorts", {}, ADMIN_ONLY),
    ("cohorts.view", "GET", "/applications/{application}/cohort", {}, ADMIN_ONLY),
    ("cohorts.peers", "GET", "/applications/{application}/peers", {}, OWNER_OR_ADMIN),
    ("cohorts.run", "POST", "/rounds/{round}/cohorts", {"json": {}}, ADMIN_ONLY),
    (
        "cohorts.move",
        "POST",
        "/applications/{application}/cohort",
        {"json": {"cohort": 2, "reason": "理由"}, "headers": {"If-Match": '"v1"'}},
        ADMIN_ONLY,
    ),
    ("assignment.auto", "POST", "/rounds/{round}/assignments/auto", {"json": {"seed": 1}}, ADMIN_ONLY),
    ("shortlist.view", "GET", "/rounds/{round}/shortlists", {}, ADMIN_ONLY),
    ("shortlist.manage", "POST", "/rounds/{round}/shortlists", {"json": {}}, ADMIN_ONLY),
    (
        "objection.decide",
        "POST",
        "/objections/987654/decision",
        {"json": {"outcome": "dismissed", "reason": "理由"}},
        ADMIN_ONLY,
    ),
    ("recognition.publish", "POST", "/rounds/{round}/recognition", {}, ADMIN_ONLY),
    ("shortlist.public", "GET", "/public/shortlists/987654", {}, EVERYBODY),
    (
        "objection.submit",
        "POST",
        "/public/shortlists/987654/objections",
        {"data": {"name": "张三", "contact": "13800000000", "text": "该社区材料不实，请核查。"}},
        EVERYBODY,
    ),
    ("objection.status", "GET", "/public/objections/ABCD-EFGH-JKMN", {}, EVERYBODY),
    (
        "assignment.recuse",
        "POST",
        "/assignments/{assignment}/recuse",
        {"json": {"reason": "回避"}},
        ASSIGNED_REVIEWER,
    ),
    ("vetting.act", "POST", "/applications/{submitted}/endorse", {"json": {"note": "同意"}}, COUNTY_ACTS),
    # Last, as they change what the rows above look at.
    ("material.delete", "DELETE", "/materials/{material}", {}, OWNER_ONLY),
    ("application.submit", "POST", "/applications/{application}/submit", {}, OWNER_ONLY),
    ("application.withdraw", "POST", "/applications/{application}/withdraw", {}, OWNER_ONLY),
    ("round.transition", "POST", "/rounds/{round}/transition", {"json": {"to": "review"}}, ADMIN_ONLY),
]


@pytest.fixture
def world(app, client, make_org, make_user, make_draft, monkeypatch, tmp_path):
    """An open fc-2026 round with a draft application holding one material, and a user per role."""
    monkeypatch.setitem(app.config, "MATERIALS_DIR", str(tmp_path / "materials"))
    admin_user, admin = make_user("admin")
    org = make_org()
    rnd, application = make_draft(organisation=org, actor=admin_user)
    _, owner = make_user("applicant", organisation=org)
    _, outsider = make_user("applicant")
    reviewer_user, reviewer = make_user("reviewer", home_region_code="510302")
    _, county = make_user("county_office", home_region_code="510107")
    _, city = make_user("city_office", home_region_code="510100")
    _, far_county = make_user("county_office", home_region_code="510302")
    res = client.post(f"/api/v1/applications/{application.id}/materials", headers=owner, **pdf_upload())
    assert res.status_code == 201, res.json
    # A second organisation of the same county has submitted; the reviewer is assigned to it.
    submitted = Application(round_id=rnd.id, organisation_id=make_org().id, status="submitted", figures={})
    db.session.add(submitted)
    db.session.flush()
    assignment = Assignment(round_id=rnd.id, application_id=submitted.id, reviewer_id=reviewer_user.id)
    db.session.add(assignment)
    db.session.commit()
    return {
        "ids": {
            "round": rnd.id,
            "application": application.id,
            "material": res.json["id"],
            "submitted": submitted.id,
            "assignment": assignment.id,
            "reviewer": reviewer_user.id,
        },
        "headers": {
            "admin": admin,
            "reviewer": reviewer,
            "applicant": owner,
            "outsider": outsider,
            "county": county,
            "city": city,
            "far_county": far_county,
            "anonymous": {},
        },
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_rule_against_every_role(client, world, role):
    """One world per role; the rows run in order (those that change things come last)."""
    wrong = []
    for rule, method, path, kwargs, expected in MATRIX:
        url = "/api/v1" + path.format(**world["ids"])
        kwargs = dict(kwargs() if callable(kwargs) else kwargs)
        headers = {**world["headers"][role], **kwargs.pop("headers", {})}
        res = client.open(url, method=method, headers=headers, **kwargs)
        res.get_data()
        res.close()  # a download streams its file
        if expected[role] == OK:
            if res.status_code >= 500 or res.status_code in (401, 403):
                wrong.append((rule, method, url, "allowed", res.status_code, res.data[:200]))
        elif res.status_code != expected[role] or res.json["code"] != expected[role]:
            wrong.append((rule, method, url, expected[role], res.status_code, res.data[:200]))
    assert wrong == []


# Rules asked only by pages (tested in the page tests): a material inside the scoring page.
PAGE_ONLY = {"material.inline", "dossier.verify"}


def test_the_matrix_covers_every_rule():
    assert {rule for rule, *_ in MATRIX} | PAGE_ONLY == set(RULES)


def test_actions_have_rules_of_their_own():
    assert RULES["material.delete"] is not RULES["material.upload"]
    # the public's rules, no more: the shortlists, objections and the verification of a dossier
    public = {name for name in RULES if RULES[name].anonymous}
    assert public == {"shortlist.public", "objection.submit", "objection.status", "dossier.verify"}


def test_a_rule_can_admit_anonymous_callers(monkeypatch, make_user):
    user, _ = make_user("reviewer")
    monkeypatch.setitem(RULES, "shortlist.view", Rule(lambda u, o: True, anonymous=True))
    monkeypatch.setitem(RULES, "shortlist.verify", Rule(lambda u, o: u is None, anonymous=True))
    assert authorize(None, "shortlist.view") is None
    assert authorize(user, "shortlist.view") is user
    assert allowed(None, "shortlist.verify") and not allowed(user, "shortlist.verify")
    with pytest.raises(policy.ServiceError) as refused:
        authorize(user, "shortlist.verify")
    assert refused.value.status == 403


def test_a_rule_closed_to_anonymous_callers_is_a_401_without_asking_it(monkeypatch):
    asked = []
    monkeypatch.setitem(RULES, "round.view", Rule(lambda u, o: asked.append(u) or True))
    with pytest.raises(policy.ServiceError) as refused:
        authorize(None, "round.view")
    assert refused.value.status == 401 and asked == []
    assert not allowed(None, "round.view")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/users", {"username": "x", "password": "a", "role": "admin"}),
        ("post", "/api/v1/organisations", {}),
        ("post", "/api/v1/rounds", {"title": 1}),
        ("post", "/api/v1/rounds/1/transition", {"to": "nope"}),
        ("post", "/api/v1/criteria/validate", {}),
        ("get", "/api/v1/audit?since=yesterday", None),
    ],
)
def test_the_caller_is_checked_before_the_input_is_read(client, make_user, method, path, body):
    anonymous = getattr(client, method)(path, json=body)
    assert anonymous.status_code == 401 and "errors" not in anonymous.json, anonymous.json
    _, applicant = make_user("applicant")
    refused = getattr(client, method)(path, json=body, headers=applicant)
    assert refused.status_code == 403 and "errors" not in refused.json, refused.json
