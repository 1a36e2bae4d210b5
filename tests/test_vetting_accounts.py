"""Region office accounts: a county office is scoped to a county code, a city office to a city code."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evaluator.accounts.models import User
from evaluator.extensions import db
from tests.pages import post


def account(role, code, username="office.one"):
    body = {"username": username, "display_name": "武侯区民政局", "role": role, "password": "a long password"}
    return body if code is None else {**body, "home_region_code": code}


@pytest.mark.parametrize("role, code", [("county_office", "510107"), ("city_office", "510100")])
def test_region_offices_are_created_with_their_scope(client, admin, role, code):
    res = client.post("/api/v1/users", json=account(role, code), headers=admin)
    assert res.status_code == 201, res.json
    user = db.session.scalar(select(User).where(User.username == "office.one"))
    assert user.role == role and user.home_region_code == code and user.in_region("510107")


@pytest.mark.parametrize(
    "role, code",
    [
        ("county_office", None),
        ("county_office", "510100"),
        ("county_office", "5101070"),
        ("county_office", "510107001"),
        ("city_office", None),
        ("city_office", "510107"),
        ("city_office", "510000"),
        ("city_office", "51010"),
        ("city_office", "５１０１００"),
    ],
)
def test_a_region_office_needs_a_code_of_its_level(client, admin, role, code):
    res = client.post("/api/v1/users", json=account(role, code), headers=admin)
    assert res.status_code == 422 and "home_region_code" in str(res.json["errors"]), res.json


def test_the_office_creates_a_region_office_on_the_page(page_client):
    c = page_client("admin")
    assert "county_office" in c.get("/office/accounts/users/new").get_data(as_text=True)
    res = post(c, "/office/accounts/users/new", account("city_office", "510107"))
    assert res.status_code == 422 and 'id="home_region_code-errors"' in res.get_data(as_text=True)
    res = post(c, "/office/accounts/users/new", account("city_office", "510100"))
    assert res.status_code == 302, res.get_data(as_text=True)[:2000]
    page = c.get(res.headers["Location"]).get_data(as_text=True)
    assert "成都市" in page  # its region, by name
