"""Applications through the API: roles, the round's phase, the form's validation, warnings, status."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from evaluator.applications.models import Application
from evaluator.audit.models import AuditEvent
from evaluator.criteria import load_criteria
from evaluator.extensions import db

FULL = {"category": "urban", "households": 2000, "residents": 6000, "satisfaction": 92.5, "incident": False}


def counts():
    """Rows that a refused request must leave untouched."""
    return (
        db.session.scalar(select(func.count()).select_from(Application)),
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
    )


def url(rnd):
    return f"/api/v1/rounds/{rnd.id}/applications"


def test_applicant_creates_a_draft_that_is_audited(client, make_user, make_round):
    rnd = make_round()
    user, headers = make_user("applicant")
    res = client.post(
        url(rnd),
        headers=headers,
        json={"figures": {"households": 2000, "category": "urban"}, "self_assessment": {"plan_quality": 10}},
    )
    assert res.status_code == 201, res.json
    body = res.json
    assert body["status"] == "draft" and body["organisation"]["id"] == user.organisation_id
    assert body["figures"] == {"households": 2000, "category": "urban"}
    assert body["self_assessment"] == {"plan_quality": 10.0}
    assert body["missing_required"] == ["residents", "satisfaction", "incident"]
    assert body["warnings"] == [] and body["submitted_at"] is None
    event = db.session.scalars(select(AuditEvent).filter_by(action="application.created")).one()
    assert event.object_id == str(body["id"]) and event.actor_id == user.id
    assert event.summary["changed"]["figures.households"] == {"before": None, "after": 2000}
    assert event.summary["status"] == {"before": None, "after": "draft"}


def test_roles(client, make_user, make_round, make_org):
    rnd = make_round()
    _, own = make_user("applicant")
    _, other = make_user("applicant")
    _, admin = make_user("admin")
    _, reviewer = make_user("reviewer")
    app_id = client.post(url(rnd), headers=own, json={}).json["id"]
    one = f"/api/v1/applications/{app_id}"

    assert client.post(url(rnd), json={}).status_code == 401
    assert client.get(url(rnd)).status_code == 401
    assert client.get(one).status_code == 401
    assert client.post(f"{one}/submit").status_code == 401
    for headers in (admin, reviewer):  # only applicants apply, for their own organisation
        assert client.post(url(rnd), headers=headers, json={}).status_code == 403
    assert client.get(url(rnd), headers=reviewer).status_code == 403
    # Another organisation's application is not found, as a missing one is; a reviewer may not
    # change any application (403 whatever the id).
    for headers, changes in ((other, 404), (reviewer, 403)):
        assert client.get(one, headers=headers).status_code == 404
        assert client.patch(one, headers=headers, json={"figures": {"households": 1}}).status_code == changes
        assert client.post(f"{one}/submit", headers=headers).status_code == changes
        assert client.post(f"{one}/withdraw", headers=headers).status_code == changes
    assert client.patch(one, headers=admin, json={"figures": {"households": 1}}).status_code == 403
    res = client.get(one, headers=admin)
    assert res.status_code == 200 and res.json["id"] == app_id
    assert client.get(one, headers=own).status_code == 200
    assert client.get("/api/v1/applications/999999", headers=admin).status_code == 404
    assert client.get(url(rnd), headers=other).json == []  # sees nothing of others'


def test_round_must_be_open(client, make_user, make_round):
    _, headers = make_user("applicant")
    draft = make_round(phase="draft")
    before = counts()
    res = client.post(url(draft), headers=headers, json={})
    assert res.status_code == 409 and "open" in res.json["message"] and counts() == before

    rnd = make_round()
    app_id = client.post(url(rnd), headers=headers, json={"figures": FULL}).json["id"]
    rnd.phase = "review"
    db.session.commit()
    before = counts()
    assert (
        client.patch(
            f"/api/v1/applications/{app_id}", headers=headers, json={"figures": {"households": 1}}
        ).status_code
        == 409
    )
    assert client.post(f"/api/v1/applications/{app_id}/submit", headers=headers).status_code == 409
    assert counts() == before and db.session.get(Application, app_id).status == "draft"


def test_one_application_per_organisation_per_round(client, make_user, make_round):
    rnd = make_round()
    user, headers = make_user("applicant")
    assert client.post(url(rnd), headers=headers, json={}).status_code == 201
    before = counts()
    res = client.post(url(rnd), headers=headers, json={"figures": {"households": 3}})
    assert res.status_code == 409
    assert user.organisation.name in res.json["message"]
    assert "already has an application" in res.json["message"]
    assert counts() == before


def test_a_county_cannot_apply_for_featured_community(client, make_user, make_round, make_org):
    rnd = make_round()
    county = make_org(kind="county", subdistrict=None, subdistrict_code=None)
    _, headers = make_user("applicant", organisation=county)
    res = client.post(url(rnd), headers=headers, json={})
    assert res.status_code == 422 and "社区（村）" in res.json["message"]


RAW_BAD = [
    ('{"figures": {"households": ', 400, None),
    ('{"figures": {"households": NaN}}', 422, ("figures", "households")),
    ('{"figures": {"fund": NaN}}', 422, ("figures", "fund")),
    ('{"figures": {"fund": Infinity}}', 422, ("figures", "fund")),
    ('{"figures": {"satisfaction": -Infinity}}', 422, ("figures", "satisfaction")),
    ('{"figures": {"fund": 1e400}}', 422, ("figures", "fund")),
    ('{"figures": {"households": 100000000000000000000}}', 422, ("figures", "households")),
    ('{"self_assessment": {"plan_quality": NaN}}', 422, ("self_assessment", "plan_quality")),
    ("[1, 2]", 422, None),
]


@pytest.mark.parametrize(("raw", "status", "path"), RAW_BAD)
def test_raw_bodies_are_refused(client, make_user, make_round, raw, status, path):
    rnd = make_round()
    _, headers = make_user("applicant")
    before = counts()
    res = client.post(url(rnd), headers=headers, data=raw, content_type="application/json")
    assert res.status_code == status, res.json
    assert res.json["code"] == status and res.json["message"]
    if path:
        assert path[1] in res.json["errors"][path[0]]
    assert counts() == before


BAD = [
    ({"figures": {"households": "many"}}, ("figures", "households")),
    ({"figures": {"households": "12"}}, ("figures", "households")),
    ({"figures": {"households": 12.5}}, ("figures", "households")),
    ({"figures": {"households": -1}}, ("figures", "households")),
    ({"figures": {"satisfaction": 101}}, ("figures", "satisfaction")),
    ({"figures": {"fund": True}}, ("figures", "fund")),
    ({"figures": {"platform": "yes"}}, ("figures", "platform")),
    ({"figures": {"category": "suburban"}}, ("figures", "category")),
    ({"figures": {"services": "health"}}, ("figures", "services")),
    ({"figures": {"services": ["health", "dancing"]}}, ("figures", "services")),
    ({"figures": {"theme": "x" * 2001}}, ("figures", "theme")),
    ({"figures": {"nonsense": 1}}, ("figures", "nonsense")),
    ({"figures": []}, ("json", "figures")),
    ({"colour": "red"}, ("json", "colour")),
    ({"self_assessment": {"nope": 1}}, ("self_assessment", "nope")),
    ({"self_assessment": {"basics": 1}}, ("self_assessment", "basics")),
    ({"self_assessment": {"size": 11}}, ("self_assessment", "size")),
    ({"self_assessment": {"size": -1}}, ("self_assessment", "size")),
    ({"self_assessment": {"size": "9"}}, ("self_assessment", "size")),
]


@pytest.mark.parametrize(("body", "path"), BAD)
def test_bad_input_is_refused_with_its_path_and_writes_nothing(client, make_user, make_round, body, path):
    rnd = make_round()
    _, headers = make_user("applicant")
    before = counts()
    res = client.post(url(rnd), headers=headers, json=body)
    assert res.status_code == 422, res.json
    assert path[1] in res.json["errors"][path[0]], res.json
    assert counts() == before
    # the same on an existing draft: nothing changes
    app_id = client.post(url(rnd), headers=headers, json={"figures": {"households": 5}}).json["id"]
    before = counts()
    res = client.patch(f"/api/v1/applications/{app_id}", headers=headers, json=body)
    assert res.status_code == 422 and counts() == before
    assert db.session.get(Application, app_id).figures == {"households": 5}


def test_patch_merges_removes_and_audits_what_changed(client, make_user, make_round):
    rnd = make_round()
    _, headers = make_user("applicant")
    start = {"figures": {"households": 5, "fund": 100.0}}
    app_id = client.post(url(rnd), headers=headers, json=start).json["id"]
    one = f"/api/v1/applications/{app_id}"
    change = {"figures": {"households": 6, "fund": None, "platform": True}, "self_assessment": {"size": 7.5}}
    res = client.patch(one, headers=headers, json=change)
    assert res.status_code == 200, res.json
    assert res.json["figures"] == {"households": 6, "platform": True}
    assert res.json["self_assessment"] == {"size": 7.5}
    event = db.session.scalars(select(AuditEvent).filter_by(action="application.updated")).one()
    assert event.summary["changed"] == {
        "figures.fund": {"before": 100.0, "after": None},
        "figures.households": {"before": 5, "after": 6},
        "figures.platform": {"before": None, "after": True},
        "self_assessment.size": {"before": None, "after": 7.5},
    }
    before = counts()
    assert client.patch(one, headers=headers, json={"figures": {"households": 6}}).status_code == 200
    assert counts() == before  # nothing changed, nothing audited


def test_submit_lists_every_missing_required_field(client, make_user, make_round):
    rnd = make_round()
    _, headers = make_user("applicant")
    app_id = client.post(url(rnd), headers=headers, json={"figures": {"households": 5}}).json["id"]
    before = counts()
    res = client.post(f"/api/v1/applications/{app_id}/submit", headers=headers)
    assert res.status_code == 422
    assert set(res.json["errors"]["figures"]) == {"category", "residents", "satisfaction", "incident"}
    assert "Category" in res.json["message"] and "Satisfaction" in res.json["message"]  # by name
    zh = client.post(f"/api/v1/applications/{app_id}/submit", headers={**headers, "Accept-Language": "zh"})
    assert "社区类型" in zh.json["message"] and "满意度" in zh.json["message"]
    assert counts() == before and db.session.get(Application, app_id).status == "draft"


def test_submit_withdraw_and_the_status_machine(client, make_user, make_round):
    rnd = make_round()
    user, headers = make_user("applicant")
    app_id = client.post(url(rnd), headers=headers, json={"figures": FULL}).json["id"]
    one = f"/api/v1/applications/{app_id}"
    assert client.post(f"{one}/withdraw", headers=headers).status_code == 409  # a draft
    res = client.post(f"{one}/submit", headers=headers)
    assert res.status_code == 200 and res.json["status"] == "submitted" and res.json["submitted_at"]
    assert client.patch(one, headers=headers, json={"figures": {"households": 3}}).status_code == 409
    assert client.post(f"{one}/submit", headers=headers).status_code == 409
    res = client.post(f"{one}/withdraw", headers=headers)
    assert res.status_code == 200 and res.json["status"] == "withdrawn"
    assert client.post(f"{one}/submit", headers=headers).status_code == 409
    assert client.post(f"{one}/withdraw", headers=headers).status_code == 409
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "application").order_by(AuditEvent.id)
    ).all()
    assert actions == ["application.created", "application.submitted", "application.withdrawn"]
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last.summary["status"] == {"before": "submitted", "after": "withdrawn"}
    assert last.actor_id == user.id


def test_withdraw_needs_the_round_open(client, make_user, make_round):
    rnd = make_round()
    _, headers = make_user("applicant")
    app_id = client.post(url(rnd), headers=headers, json={"figures": FULL}).json["id"]
    assert client.post(f"/api/v1/applications/{app_id}/submit", headers=headers).status_code == 200
    rnd.phase = "review"
    db.session.commit()
    assert client.post(f"/api/v1/applications/{app_id}/withdraw", headers=headers).status_code == 409
    assert db.session.get(Application, app_id).status == "submitted"


def test_the_submission_deadline_is_enforced(client, make_user, make_round):
    rnd = make_round(submission_deadline=datetime.now(UTC) + timedelta(hours=1))
    _, headers = make_user("applicant")
    app_id = client.post(url(rnd), headers=headers, json={"figures": FULL}).json["id"]
    rnd.submission_deadline = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    before = counts()
    res = client.post(f"/api/v1/applications/{app_id}/submit", headers=headers)
    assert res.status_code == 409 and "deadline" in res.json["message"]
    assert counts() == before and db.session.get(Application, app_id).submitted_at is None


def test_intake_warnings_flag_unusual_figures(client, make_user, make_round):
    rnd = make_round()
    _, headers = make_user("applicant")
    figures = {
        **FULL,
        "households": 9000,
        "online_rate": 50,
        "online_rate_prev": 60,
        "residents": 0,
        "workers": 8,
    }
    res = client.post(url(rnd), headers=headers, json={"figures": figures})
    assert res.status_code == 201
    by_code = {w["code"]: w for w in res.json["warnings"]}
    assert set(by_code) == {"outside_norm", "declined", "ratio_zero_base"}
    assert by_code["outside_norm"]["field"] == "households"
    assert "1,500–4,000" in by_code["outside_norm"]["message"]
    assert by_code["declined"]["field"] == "online_rate_prev"
    # The same warnings read in Chinese, the service's default language.
    zh = client.get(f"/api/v1/applications/{res.json['id']}", headers={**headers, "Accept-Language": "zh"})
    zh_codes = {w["code"]: w["message"] for w in zh.json["warnings"]}
    assert set(zh_codes) == set(by_code) and "请" in zh_codes["outside_norm"]
    assert "1,500–4,000" in zh_codes["outside_norm"]
    one = f"/api/v1/applications/{res.json['id']}"
    # a relocation community has no household norm: the warning goes once the category changes
    res = client.patch(
        one,
        headers=headers,
        json={"figures": {"category": "relocation", "online_rate": 70, "residents": 100}},
    )
    assert res.json["warnings"] == []
    assert db.session.get(Application, res.json["id"]).warnings == []


def test_more_disputes_resolved_than_received_is_a_warning(client, make_user, make_round):
    rnd = make_round(criteria=load_criteria("fc-2026"))
    _, headers = make_user("applicant")
    res = client.post(
        url(rnd),
        headers=headers,
        json={
            "figures": {
                "disputes_received": 10,
                "disputes_resolved": 12,
                "category": "traditional_urban",
                "households_resident": 1000,
            }
        },
    )
    assert res.status_code == 201, res.json
    warnings = {(w["field"], w["code"]) for w in res.json["warnings"]}
    assert ("disputes_resolved", "ratio_above_100") in warnings
    assert ("households_resident", "outside_norm") in warnings


def test_list_filters_and_pages(client, make_user, make_round, make_org):
    rnd = make_round()
    _, admin = make_user("admin")
    heads = []
    for k, county in enumerate(["510107", "510107", "510104", "510107", "510104"]):
        org = make_org(
            name=f"{'玉林' if k % 2 else '望江'}社区{k}", county_code=county, subdistrict_code=f"{county}001"
        )
        _, headers = make_user("applicant", organisation=org)
        heads.append(headers)
        assert client.post(url(rnd), headers=headers, json={"figures": FULL}).status_code == 201
    app_ids = [a.id for a in db.session.scalars(select(Application).order_by(Application.id))]
    client.post(f"/api/v1/applications/{app_ids[0]}/submit", headers=heads[0])

    res = client.get(url(rnd), headers=admin, query_string={"page_size": 2, "page": 2})
    assert res.status_code == 200 and [a["id"] for a in res.json] == app_ids[2:4]
    meta = json.loads(res.headers["X-Pagination"])
    assert meta["total"] == 5 and meta["total_pages"] == 3 and meta["page"] == 2
    get = lambda **q: [a["id"] for a in client.get(url(rnd), headers=admin, query_string=q).json]
    assert get(county_code="510104") == [app_ids[2], app_ids[4]]
    assert get(q="玉林") == [app_ids[1], app_ids[3]]
    assert get(status="submitted") == [app_ids[0]]
    assert get(status="draft", county_code="510107") == [app_ids[1], app_ids[3]]
    assert get(q="100%") == []
    res = client.get(url(rnd), headers=heads[3])
    assert [a["id"] for a in res.json] == [app_ids[3]]
    assert json.loads(res.headers["X-Pagination"])["total"] == 1
    assert client.get(url(rnd), headers=admin, query_string={"status": "lost"}).status_code == 422
    assert client.get(url(rnd), headers=admin, query_string={"county_code": "51"}).status_code == 422
    assert client.get("/api/v1/rounds/999999/applications", headers=admin).status_code == 404


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/rounds/{round_id}/applications",
        "/api/v1/applications/{application_id}",
        "/api/v1/applications/{application_id}/submit",
        "/api/v1/applications/{application_id}/withdraw",
        "/api/v1/rounds/{round_id}/applications/import",
        "/api/v1/rounds/{round_id}/applications/template",
    ):
        assert path in paths, path
    assert (
        "multipart/form-data"
        in paths["/api/v1/rounds/{round_id}/applications/import"]["post"]["requestBody"]["content"]
    )


def test_list_filters_by_city_and_category_and_sorts(client, make_user, make_round, make_org):
    rnd = make_round()
    _, admin = make_user("admin")
    for name, city, category in (
        ("乙社区", "511500", "urban"),
        ("甲社区", "510100", "relocation"),
        ("丙社区", "510100", "urban"),
    ):
        org = make_org(name=name, city_code=city, county_code=city[:4] + "02", subdistrict_code=city + "001")
        db.session.add(
            Application(
                round_id=rnd.id,
                organisation_id=org.id,
                status="draft",
                figures={"category": category},
                self_assessment={},
                warnings=[],
            )
        )
    db.session.commit()
    get = lambda **q: [
        a["organisation"]["name"] for a in client.get(url(rnd), headers=admin, query_string=q).json
    ]
    assert get(city_code="510100") == ["甲社区", "丙社区"]
    assert get(category="urban") == ["乙社区", "丙社区"]
    assert get(city_code="510100", category="urban") == ["丙社区"]
    assert get(sort="-city") == ["乙社区", "甲社区", "丙社区"]
    assert get(sort="city") == ["甲社区", "丙社区", "乙社区"]
    for bad in ({"sort": "password"}, {"city_code": "5101"}, {"category": "castle"}):
        res = client.get(url(rnd), headers=admin, query_string=bad)
        assert res.status_code == 422 and next(iter(bad)) in json.dumps(res.json["errors"]), bad
    params = {
        p["name"]
        for p in client.get("/api/v1/openapi.json").json["paths"]["/api/v1/rounds/{round_id}/applications"][
            "get"
        ]["parameters"]
    }
    assert {"city_code", "category", "sort"} <= params
