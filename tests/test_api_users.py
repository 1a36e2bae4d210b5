"""Accounts and organisations: created by admins only, validated, audited; ``flask create-admin``."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluator.accounts.models import User
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db

GOOD_ORG = {
    "name": "玉林社区",
    "kind": "community",
    "city": "成都市",
    "city_code": "510100",
    "county": "武侯区",
    "county_code": "510107",
    "subdistrict": "玉林街道",
    "subdistrict_code": "510107001",
    "community_code": "510107001002",
}


def counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def reviewer(**overrides) -> dict:
    return {
        "username": "expert.li",
        "password": "a long enough password",
        "display_name": "李专家",
        "role": "reviewer",
        "affiliation": "西南财经大学",
        "home_region_code": "510104",
        **overrides,
    }


def test_admin_creates_a_reviewer(client, make_user):
    admin, headers = make_user("admin")
    res = client.post("/api/v1/users", headers=headers, json=reviewer())
    assert res.status_code == 201, res.json
    assert res.json == {
        "id": res.json["id"],
        "username": "expert.li",
        "display_name": "李专家",
        "role": "reviewer",
        "organisation_id": None,
        "affiliation": "西南财经大学",
        "home_region_code": "510104",
        "active": True,
        "must_change_password": False,
    }
    user = db.session.get(User, res.json["id"])
    assert user.password_hash.startswith("$argon2id$")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))
    assert event.actor_id == admin.id and event.object_id == str(user.id)
    assert event.summary == {"username": "expert.li", "role": "reviewer"}
    login = client.post(
        "/api/v1/auth/token", json={"username": "expert.li", "password": "a long enough password"}
    )
    assert login.status_code == 201 and login.json["role"] == "reviewer"


def test_admin_creates_an_applicant_of_an_organisation(client, make_user, make_org):
    _, headers = make_user("admin")
    org = make_org()
    res = client.post(
        "/api/v1/users",
        headers=headers,
        json={
            "username": "yulin",
            "password": "a long enough password",
            "display_name": "玉林社区",
            "role": "applicant",
            "organisation_id": org.id,
        },
    )
    assert res.status_code == 201 and res.json["organisation_id"] == org.id


@pytest.mark.parametrize("role", ["reviewer", "applicant"])
def test_only_admins_create_accounts_and_organisations(client, make_user, role):
    _, headers = make_user(role)
    before = counts()
    for path, body in (("/api/v1/users", reviewer()), ("/api/v1/organisations", GOOD_ORG)):
        res = client.post(path, headers=headers, json=body)
        assert res.status_code == 403 and res.json["code"] == 403
        assert client.post(path, json=body).status_code == 401
    assert client.get("/api/v1/organisations", headers=headers).status_code == 403
    assert counts() == before


def test_duplicate_username_is_a_conflict(client, make_user):
    _, headers = make_user("admin")
    assert client.post("/api/v1/users", headers=headers, json=reviewer()).status_code == 201
    before = counts()
    res = client.post("/api/v1/users", headers=headers, json=reviewer(display_name="另一个"))
    assert res.status_code == 409 and res.json == {
        "code": 409,
        "status": "Conflict",
        "message": "This username is taken.",
        "errors": {"username": ["already exists"]},
    }
    assert counts() == before


@pytest.mark.parametrize(
    "overrides, field, status",
    [
        ({"role": "applicant"}, "organisation_id", 422),  # applicant without organisation
        ({"role": "applicant", "organisation_id": 987654}, "organisation_id", 422),
        ({"organisation_id": 10**30}, "organisation_id", 422),  # beyond any database integer: not a 500
        ({"organisation_id": 0}, "organisation_id", 422),
        ({"role": "superuser"}, "role", 422),
        ({"password": "short"}, "password", 422),
        ({"username": "ab"}, "username", 422),
        ({"username": "has space"}, "username", 422),
        ({"username": "expert.li\n"}, "username", 422),  # a trailing newline is not a new name
        ({"username": "专家"}, "username", 422),
        ({"display_name": ""}, "display_name", 422),
        ({"home_region_code": "51010"}, "home_region_code", 422),
        ({"home_region_code": "5101041"}, "home_region_code", 422),
        ({"home_region_code": "５１０１０４"}, "home_region_code", 422),  # full-width digits
        ({"home_region_code": "510104\n"}, "home_region_code", 422),
    ],
)
def test_bad_accounts_are_refused_with_the_field_named(client, make_user, overrides, field, status):
    _, headers = make_user("admin")
    before = counts()
    res = client.post("/api/v1/users", headers=headers, json=reviewer(**overrides))
    assert res.status_code == status, res.json
    errors = res.json["errors"]
    assert field in errors.get("json", errors), res.json
    assert counts() == before


def test_admin_creates_and_lists_organisations(client, make_user):
    admin, headers = make_user("admin")
    res = client.post("/api/v1/organisations", headers=headers, json=GOOD_ORG)
    assert res.status_code == 201, res.json
    assert res.json == {"id": res.json["id"], **GOOD_ORG}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.created"))
    assert event.actor_id == admin.id and event.object_id == str(res.json["id"])
    listed = client.get("/api/v1/organisations", headers=headers)
    assert [o["name"] for o in listed.json] == ["玉林社区"]
    before = counts()
    dup = client.post("/api/v1/organisations", headers=headers, json=GOOD_ORG)
    assert dup.status_code == 409 and dup.json["errors"] == {"name": ["already exists"]}
    assert counts() == before


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"kind": "county", "subdistrict": None, "subdistrict_code": None, "community_code": None},
        {"kind": "subdistrict", "community_code": None},
        {
            "city": "攀枝花市",
            "city_code": "510400",
            "county": "米易县",
            "county_code": "510421",
            "subdistrict": "攀莲镇",
            "subdistrict_code": "510421100",
            "community_code": "510421100001",
        },
    ],
)
def test_good_region_codes_are_accepted(client, make_user, overrides):
    _, headers = make_user("admin")
    body = {**GOOD_ORG, **overrides}
    body = {k: v for k, v in body.items() if v is not None}
    res = client.post("/api/v1/organisations", headers=headers, json=body)
    assert res.status_code == 201, res.json


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"city_code": "510101"}, "city_code"),  # a city code ends in 00
        ({"city_code": "51010"}, "city_code"),
        ({"city_code": "5101000"}, "city_code"),
        ({"city_code": "510000"}, "city_code"),  # the province, not a city
        ({"city_code": "51o100"}, "city_code"),
        ({"city_code": "５１０１００"}, "city_code"),  # full-width digits
        ({"city_code": "510100\n"}, "city_code"),
        ({"city_code": ""}, "city_code"),
        ({"city_code": 510100}, "city_code"),  # a number, not a string
        ({"county_code": "510100"}, "county_code"),  # a county code does not end in 00
        ({"county_code": "520102"}, "county_code"),  # Guiyang, not inside Chengdu
        ({"county_code": "51010"}, "county_code"),
        ({"county_code": "51O107"}, "county_code"),
        ({"subdistrict_code": "51010700"}, "subdistrict_code"),  # 8 digits
        ({"subdistrict_code": "510108001"}, "subdistrict_code"),  # not inside county 510107
        ({"subdistrict_code": "510107001\n"}, "subdistrict_code"),
        ({"subdistrict_code": ""}, "subdistrict_code"),
        ({"community_code": "51010700100"}, "community_code"),  # 11 digits
        ({"community_code": "510107002001"}, "community_code"),  # not inside subdistrict 510107001
        ({"subdistrict_code": None, "community_code": "510107001002"}, "community_code"),  # no parent
        ({"community_code": "51010700100２"}, "community_code"),
        ({"kind": "village"}, "kind"),
        ({"name": "x"}, "name"),
        ({"name": "社" * 201}, "name"),
    ],
)
def test_bad_region_codes_are_refused_with_the_field_named(client, make_user, overrides, field):
    _, headers = make_user("admin")
    body = {k: v for k, v in {**GOOD_ORG, **overrides}.items() if v is not None}
    before = counts()
    res = client.post("/api/v1/organisations", headers=headers, json=body)
    assert res.status_code == 422, res.json
    assert field in res.json["errors"]["json"], res.json
    assert counts() == before


def test_create_admin_command(client, runner):
    res = runner.invoke(
        args=["create-admin", "office.admin", "--display-name", "省民政厅"],
        input="a long enough password\na long enough password\n",
    )
    assert res.exit_code == 0, res.output
    assert "Created administrator 'office.admin'" in res.output
    user = db.session.scalar(select(User).where(User.username == "office.admin"))
    assert user.role == "admin" and user.display_name == "省民政厅" and user.active
    assert user.password_hash.startswith("$argon2id$")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))
    assert event.actor_id is None and event.object_id == str(user.id)
    token = client.post(
        "/api/v1/auth/token", json={"username": "office.admin", "password": "a long enough password"}
    )
    assert token.status_code == 201 and token.json["role"] == "admin"


def test_create_admin_commits_once(runner, monkeypatch):
    calls = []
    real = db.session.commit
    monkeypatch.setattr(db.session, "commit", lambda: (calls.append(1), real())[1])
    res = runner.invoke(args=["create-admin", "root2", "--password", "a long enough password"])
    assert res.exit_code == 0, res.output
    assert len(calls) == 1
    assert db.session.scalar(select(User.display_name).where(User.username == "root2")) == "root2"


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["create-admin", "ab", "--password", "a long enough password"], None, "username"),
        (["create-admin", "root3", "--password", "short"], None, "password"),
        (["create-admin", "root3"], "a long enough password\nsomething else\n", "do not match"),
    ],
)
def test_create_admin_refuses_bad_input(runner, args, stdin, message):
    before = counts()
    res = runner.invoke(args=args, input=stdin)
    assert res.exit_code != 0 and message in res.output, res.output
    assert counts() == before


def test_create_admin_refuses_an_existing_username(runner, make_user):
    user, _ = make_user("reviewer")
    before = counts()
    res = runner.invoke(args=["create-admin", user.username, "--password", "a long enough password"])
    assert res.exit_code == 1
    assert f"No account created: This username is taken. ({user.username})" in res.output
    assert counts() == before
    assert db.session.get(User, user.id).role == "reviewer"


def test_admin_lists_users_with_filters_and_pages(client, make_user):
    _, headers = make_user("admin")
    make_user("reviewer", affiliation="四川大学")
    make_user("reviewer", active=False)
    res = client.get("/api/v1/users?role=reviewer", headers=headers)
    assert res.status_code == 200 and len(res.json) == 2
    assert client.get("/api/v1/users?role=reviewer&active=false", headers=headers).json[0]["active"] is False
    found = client.get("/api/v1/users?q=四川", headers=headers).json
    assert [u["affiliation"] for u in found] == ["四川大学"]
    res = client.get("/api/v1/users?page_size=1&page=2", headers=headers)
    assert len(res.json) == 1 and '"total": 3' in res.headers["X-Pagination"]
    assert client.get("/api/v1/users?role=boss", headers=headers).status_code == 422


def test_organisations_are_paginated_and_searched(client, make_user, make_org):
    _, headers = make_user("admin")  # makes no organisation
    for k in range(3):
        make_org(name=f"搜索社区{k}")
    make_org(name="其他社区")
    assert len(client.get("/api/v1/organisations", headers=headers).json) == 4  # 100 a page by default
    res = client.get("/api/v1/organisations?q=搜索&page_size=2", headers=headers)
    assert [o["name"] for o in res.json] == ["搜索社区0", "搜索社区1"]
    assert '"total": 3' in res.headers["X-Pagination"]


def test_admin_deactivates_activates_and_resets(client, make_user):
    admin, headers = make_user("admin")
    user, user_headers = make_user("reviewer")
    assert client.get(f"/api/v1/users/{user.id}", headers=headers).json["username"] == user.username
    assert client.get("/api/v1/users/987654", headers=headers).status_code == 404
    res = client.patch(f"/api/v1/users/{user.id}", headers=headers, json={"active": False})
    assert res.status_code == 200 and res.json["active"] is False
    assert client.get("/api/v1/users/me", headers=user_headers).status_code == 401  # its token ended
    res = client.patch(f"/api/v1/users/{admin.id}", headers=headers, json={"active": False})
    assert res.status_code == 422 and "active" in res.json["errors"]
    assert client.patch(f"/api/v1/users/{user.id}", headers=headers, json={"active": "x"}).status_code == 422
    assert client.patch(f"/api/v1/users/{user.id}", headers=headers, json={"active": True}).json["active"]
    res = client.post(f"/api/v1/users/{user.id}/password-reset", headers=headers)
    assert res.status_code == 200 and res.json["must_change_password"] is True
    assert res.headers["Cache-Control"] == "no-store"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))).all()
    assert {"user.deactivated", "user.activated", "user.password_reset"} <= set(actions)
    # the new password signs in to the API, and the account changes it there
    login = client.post(
        "/api/v1/auth/token", json={"username": user.username, "password": res.json["password"]}
    )
    assert login.status_code == 201
    mine = {"Authorization": f"Bearer {login.json['token']}"}
    assert client.get("/api/v1/users/me", headers=mine).json["must_change_password"] is True
    bad = client.post(
        "/api/v1/users/me/password",
        headers=mine,
        json={"current_password": "wrong", "new_password": "my own new secret"},
    )
    assert bad.status_code == 422 and "current_password" in bad.json["errors"]
    done = client.post(
        "/api/v1/users/me/password",
        headers=mine,
        json={"current_password": res.json["password"], "new_password": "my own new secret"},
    )
    assert done.status_code == 200 and done.json["must_change_password"] is False
    assert client.get("/api/v1/users/me", headers=mine).status_code == 401  # every token ends
    again = client.post(
        "/api/v1/auth/token", json={"username": user.username, "password": "my own new secret"}
    )
    assert again.status_code == 201


@pytest.mark.parametrize("role", ["reviewer", "applicant"])
def test_only_admins_manage_accounts(client, make_user, role):
    target, _ = make_user("reviewer")
    _, headers = make_user(role)
    before = counts()
    for method, path, body in (
        ("get", "/api/v1/users", None),
        ("get", f"/api/v1/users/{target.id}", None),
        ("patch", f"/api/v1/users/{target.id}", {"active": False}),
        ("post", f"/api/v1/users/{target.id}/password-reset", None),
    ):
        assert getattr(client, method)(path, headers=headers, json=body).status_code == 403, path
        assert getattr(client, method)(path, json=body).status_code == 401, path
    assert counts() == before
