"""The office's accounts pages: lists, creating accounts and organisations, deactivating and
resetting passwords (shown once), and the refusals."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from evaluator.accounts.models import Organisation, User
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from tests.pages import PASSWORD, csrf_token, post, sign_in

GOOD_ORG = {
    "name": "玉林北路社区",
    "kind": "community",
    "city": "成都市",
    "city_code": "510100",
    "county": "武侯区",
    "county_code": "510107",
    "subdistrict": "玉林街道",
    "subdistrict_code": "510107001",
    "community_code": "510107001002",
}


def counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(m)) for m in (User, Organisation, AuditEvent)
    )


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_lists_of_users_and_organisations_filter_and_page(page_client, make_user, make_org):
    c = page_client("admin")
    org = make_org(name="芳草社区")
    make_user("applicant", organisation=org)
    make_user("reviewer", affiliation="西南财经大学")
    make_user("reviewer", active=False)
    html = c.get("/office/accounts").get_data(as_text=True)
    assert 'id="users"' in html and "西南财经大学" in html and "芳草社区" in html
    html = c.get("/office/accounts?role=reviewer&active=no").get_data(as_text=True)
    assert html.count("No (deactivated)") == 1 and "芳草社区" not in html
    html = c.get("/office/accounts?q=西南财经").get_data(as_text=True)
    assert "西南财经大学" in html and "1 in all" in html
    html = c.get("/office/accounts?view=organisations&q=芳草").get_data(as_text=True)
    assert 'id="organisations"' in html and "芳草社区" in html and '<td class="num">1</td>' in html
    for k in range(30):
        make_org(name=f"分页社区{k:02d}")
    html = c.get("/office/accounts?view=organisations&q=分页").get_data(as_text=True)
    assert "Page 1 of 2 (30 in all)" in html and "分页社区24" in html and "分页社区25" not in html
    html = c.get("/office/accounts?view=organisations&q=分页&page=2").get_data(as_text=True)
    assert "分页社区25" in html


def test_create_a_reviewer_with_a_chosen_password(app, page_client):
    c = page_client("admin")
    res = post(
        c,
        "/office/accounts/users/new",
        {
            "role": "reviewer",
            "username": "expert.li",
            "display_name": "李专家",
            "affiliation.kind": "other",
            "affiliation.name": "四川大学",
            "home_region_code": "510104",
            "password": "a long enough password",
        },
    )
    assert res.status_code == 302, res.get_data(as_text=True)[:3000]
    user = db.session.scalar(select(User).where(User.username == "expert.li"))
    assert (user.role, user.affiliation, user.home_region_code) == ("reviewer", "四川大学", "510104")
    assert res.location == f"/office/accounts/users/{user.id}"
    assert events("user.created")[0].actor_id == c.user.id
    sign_in(app.test_client(), "expert.li", "a long enough password")


def test_a_home_region_is_chosen_by_name_never_typed_as_a_code(page_client, make_org, make_user):
    make_org(name="芳草社区", county="武侯区", county_code="510107", city="成都市", city_code="510100")
    c = page_client("admin", language="zh")
    page = c.get("/office/accounts/users/new").get_data(as_text=True)
    picker = re.search(r'<select[^>]*name="home_region_code".*?</select>', page, re.S).group(0)
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', picker)
    assert ("510100", "成都市") in options and ("510107", "成都市武侯区") in options
    assert ("513400", "凉山彝族自治州") in options  # every city, with or without organisations
    codes = [code for code, _ in options]
    assert codes.index("510100") < codes.index("510107") < codes.index("510300")  # a city, then its counties
    assert "代码" not in re.sub(r"<[^>]+>", "", picker)
    user, _ = make_user("county_office", home_region_code="510107")
    listing = c.get("/office/accounts").get_data(as_text=True)
    assert "成都市武侯区" in listing and ">510107<" not in listing
    assert "成都市武侯区" in c.get(f"/office/accounts/users/{user.id}").get_data(as_text=True)


def _reviewer_form(**affiliation: str) -> dict[str, str]:
    form = {"role": "reviewer", "username": "expert.wang", "display_name": "王专家", "generate": "1"}
    return {**form, **{f"affiliation.{k}": v for k, v in affiliation.items()}}


def test_a_reviewers_affiliation_is_chosen_by_name_never_typed_as_a_code(page_client, make_org):
    org = make_org(name="芳草社区", county="武侯区", county_code="510107", city="成都市")
    c = page_client("admin", language="zh")
    page = c.get("/office/accounts/users/new").get_data(as_text=True)
    assert "bureau:" not in page
    assert '<option value="bureau">区县民政局</option>' in page
    assert (
        '<option value="510107">成都市武侯区</option>' in page
        and f'<option value="{org.id}">芳草社区' in page
    )
    res = post(c, "/office/accounts/users/new", _reviewer_form(kind="bureau", county="510107"))
    assert res.status_code == 200, res.get_data(as_text=True)[:2000]
    user = db.session.scalar(select(User).where(User.username == "expert.wang"))
    assert user.affiliation == "bureau:510107"  # the data the assignments compare, as before
    page = c.get(f"/office/accounts/users/{user.id}").get_data(as_text=True)
    assert "成都市武侯区民政局" in page and "bureau:" not in page


@pytest.mark.parametrize(
    ("affiliation", "field", "message"),
    [
        ({"kind": "bureau"}, "affiliation-county", "This field is required."),
        ({"kind": "bureau", "county": "510100"}, "affiliation-county", "Choose a county from the list."),
        (
            {"kind": "organisation", "organisation": "999999"},
            "affiliation-organisation",
            "Choose an organisation from the list.",
        ),
        ({"kind": "other", "name": "  "}, "affiliation-name", "This field is required."),
        ({"kind": "other", "name": "x" * 201}, "affiliation-name", None),
        ({"kind": "university"}, "affiliation-kind", None),
    ],
)
def test_a_wrong_affiliation_is_refused_beside_its_picker(page_client, affiliation, field, message):
    c = page_client("admin")
    before = counts()
    res = post(c, "/office/accounts/users/new", {**_reviewer_form(**affiliation), "username": "x y"})
    page = res.get_data(as_text=True)
    assert res.status_code == 422
    shown = re.search(rf'id="{field}-errors">\s*<li>([^<]*)</li>', page)
    assert shown is not None, page[:3000]
    assert message is None or shown.group(1) == message
    assert 'id="username-errors"' in page  # the other fields' problems at the same time
    assert 'value="王专家"' in page and counts() == before  # what was typed is kept, nothing written


def test_create_an_applicant_with_a_generated_password_shown_once(app, page_client, make_org):
    org = make_org(name="芳草社区")
    c = page_client("admin")
    form = c.get(f"/office/accounts/users/new?role=applicant&organisation_id={org.id}").get_data(as_text=True)
    assert f'<option value="{org.id}" selected>' in form
    res = post(
        c,
        "/office/accounts/users/new",
        {
            "role": "applicant",
            "username": "fangcao",
            "display_name": "芳草社区居委会",
            "organisation_id": str(org.id),
            "generate": "1",
        },
    )
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="new-password">([^<]+)<', html).group(1)
    user = db.session.scalar(select(User).where(User.username == "fangcao"))
    assert user.organisation_id == org.id
    assert password not in (res.headers.get("Set-Cookie") or "")
    assert password not in c.get(f"/office/accounts/users/{user.id}").get_data(as_text=True)
    sign_in(app.test_client(), "fangcao", password)


def test_bad_accounts_are_refused_beside_the_fields(page_client):
    c = page_client("admin")
    before = counts()
    res = post(
        c,
        "/office/accounts/users/new",
        {"role": "applicant", "username": "a b", "display_name": "x", "password": "short"},
    )
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert 'id="username-errors"' in html and 'id="password-errors"' in html
    res = post(
        c,
        "/office/accounts/users/new",
        {
            "role": "applicant",
            "username": "nobody.org",
            "display_name": "无单位",
            "password": "a long password",
        },
    )
    assert res.status_code == 422 and 'id="organisation_id-errors"' in res.get_data(as_text=True)
    res = post(
        c,
        "/office/accounts/users/new",
        {"role": "admin", "username": "boss.two", "display_name": "Boss", "password": "a long password"},
    )
    assert res.status_code == 422 and 'id="role-errors"' in res.get_data(as_text=True)
    assert counts() == before


def test_create_an_organisation_and_bad_codes_are_shown_beside_the_fields(page_client):
    c = page_client("admin")
    before = counts()
    res = post(
        c,
        "/office/accounts/organisations/new",
        {**GOOD_ORG, "county_code": "520102", "subdistrict_code": "51010700"},
    )
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert 'id="county_code-errors"' in html and "Choose the county from the list." in html
    assert 'id="subdistrict_code-errors"' in html and 'value="玉林北路社区"' in html
    assert "city_code-errors" not in html  # the city follows from the county: nothing to type
    page = c.get("/office/accounts/organisations/new").get_data(as_text=True)
    assert '<option value="510107">成都市武侯区</option>' in page and 'name="city_code"' not in page
    assert counts() == before
    res = post(c, "/office/accounts/organisations/new", GOOD_ORG)
    assert res.status_code == 302, res.get_data(as_text=True)[:3000]
    org = db.session.scalar(select(Organisation).where(Organisation.name == "玉林北路社区"))
    assert org.community_code == "510107001002"
    assert (org.city, org.city_code, org.county) == ("成都市", "510100", "武侯区")  # from the county
    assert res.location.endswith(f"organisation_id={org.id}")
    assert events("organisation.created")[0].actor_id == c.user.id
    res = post(c, "/office/accounts/organisations/new", {**GOOD_ORG, "community_code": ""})
    assert res.status_code == 422 and "already exists" in res.get_data(as_text=True)


def test_deactivating_ends_the_users_sessions_and_sign_in(app, page_client, make_user):
    victim_user, headers = make_user("reviewer")
    victim = page_client(user=victim_user)
    assert victim.get("/reviewer").status_code == 200
    office = page_client("admin")
    page = office.get(f"/office/accounts/users/{victim_user.id}").get_data(as_text=True)
    assert 'id="deactivate-form"' in page and "data-confirm=" in page
    res = post(office, f"/office/accounts/users/{victim_user.id}/active", {"active": "0"})
    assert res.status_code == 302
    assert not db.session.get(User, victim_user.id).active
    res = victim.get("/reviewer")
    assert res.status_code == 302 and res.location.startswith("/sign-in")
    assert app.test_client().get("/api/v1/users/me", headers=headers).status_code == 401
    fresh = app.test_client()
    token = csrf_token(fresh)
    res = fresh.post(
        "/sign-in", data={"username": victim_user.username, "password": PASSWORD, "csrf_token": token}
    )
    assert res.status_code == 422
    assert len(events("user.deactivated")) == 1
    res = post(office, f"/office/accounts/users/{victim_user.id}/active", {"active": "1"})
    assert res.status_code == 302 and db.session.get(User, victim_user.id).active


def test_the_office_cannot_deactivate_itself(page_client):
    office = page_client("admin")
    res = post(office, f"/office/accounts/users/{office.user.id}/active", {"active": "0"})
    assert res.status_code == 422 and "You cannot deactivate your own account." in res.get_data(as_text=True)
    assert db.session.get(User, office.user.id).active


def test_reset_shows_the_password_once_and_forces_a_change(app, page_client, make_user):
    user, _ = make_user("reviewer")
    office = page_client("admin")
    res = post(office, f"/office/accounts/users/{user.id}/password-reset")
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="new-password">([^<]+)<', html).group(1)
    assert "must change it at the next sign-in" in html
    assert password not in res.headers.get("Location", "") and password not in str(res.headers)
    assert db.session.get(User, user.id).must_change_password
    assert len(events("user.password_reset")) == 1
    c = app.test_client()
    token = csrf_token(c)
    res = c.post("/sign-in", data={"username": user.username, "password": password, "csrf_token": token})
    assert res.status_code == 302 and res.location == "/account/password"
    res = c.get("/reviewer")
    assert res.status_code == 302 and res.location == "/account/password"
    c.csrf = csrf_token(c, "/account/password")
    res = post(
        c,
        "/account/password",
        {
            "current_password": password,
            "new_password": "my own new secret",
            "repeat_password": "my own new secret",
        },
    )
    assert res.status_code == 302
    assert c.get("/reviewer").status_code == 200


def test_an_unknown_user_is_404(page_client):
    office = page_client("admin")
    assert office.get("/office/accounts/users/987654").status_code == 404
    assert post(office, "/office/accounts/users/987654/password-reset").status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "applicant"])
def test_only_the_office_manages_accounts(page_client, make_user, role):
    target, _ = make_user("reviewer")
    c = page_client(role)
    before = counts()
    for path in (
        "/office/accounts",
        "/office/accounts/users/new",
        "/office/accounts/organisations/new",
        f"/office/accounts/users/{target.id}",
    ):
        assert c.get(path).status_code == 403, path
    assert post(c, f"/office/accounts/users/{target.id}/active", {"active": "0"}).status_code == 403
    assert post(c, f"/office/accounts/users/{target.id}/password-reset").status_code == 403
    assert post(c, "/office/accounts/organisations/new", GOOD_ORG).status_code == 403
    assert counts() == before and db.session.get(User, target.id).active


def test_anonymous_is_sent_to_sign_in_and_posts_need_the_csrf_token(client, page_client, make_user):
    target, _ = make_user("reviewer")
    for path in ("/office/accounts", "/office/accounts/users/new", f"/office/accounts/users/{target.id}"):
        res = client.get(path)
        assert res.status_code == 302 and res.location.startswith("/sign-in"), path
    office = page_client("admin")
    before = counts()
    assert office.post(f"/office/accounts/users/{target.id}/active", data={"active": "0"}).status_code == 400
    assert office.post(f"/office/accounts/users/{target.id}/password-reset").status_code == 400
    assert office.post("/office/accounts/organisations/new", data=GOOD_ORG).status_code == 400
    assert counts() == before and db.session.get(User, target.id).active
