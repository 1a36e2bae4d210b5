"""What the import must not take on trust: region codes that name no division of Sichuan, and a
population that cannot live in its households (1,200 residents in 6,800 households)."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from evaluator.accounts import divisions
from evaluator.accounts.models import Organisation
from evaluator.criteria import build_criteria
from evaluator.criteria.loader import CriteriaError
from evaluator.extensions import db
from tests.test_import import csv_bytes, row, upload


@pytest.fixture
def plausible_raw(mini_raw):
    """The mini criteria with residents at least households, as the bundled sets have it."""
    raw = copy.deepcopy(mini_raw)
    for spec in raw["fields"]:
        if spec["key"] == "residents":
            spec["at_least"] = "households"
    return raw


@pytest.mark.parametrize(
    "cells, column, message",
    [
        (
            {"县（市、区）代码": "510199"},
            "县（市、区）代码",
            "510199 is not the code of a county or district of Sichuan.",
        ),
        (
            {"市（州）代码": "511200", "县（市、区）代码": "511202", "街道（乡镇）代码": "511202001"},
            "市（州）代码",
            "511200 is not the code of a city or prefecture of Sichuan.",
        ),
    ],
)
def test_a_code_naming_no_division_is_an_error_of_its_row_and_column(
    client, make_round, admin, cells, column, message
):
    rnd = make_round()
    before = db.session.scalar(select(func.count()).select_from(Organisation))
    data = csv_bytes([row("甲社区"), row("乙社区", **({"街道（乡镇）代码": "510199001"} | cells))])
    for dry_run in ("true", "false"):
        res = upload(client, rnd, admin, data, dry_run=dry_run)
        assert res.status_code == 422, res.json
        problems = [(p["row"], p["column"], p["message"]) for p in res.json["errors"]["rows"]]
        assert (3, column, message) in problems, problems
        assert all(p[0] == 3 for p in problems)  # row 2 is fine
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == before


def test_the_organisations_api_refuses_a_county_that_does_not_exist(client, admin):
    body = {
        "name": "不存在社区",
        "kind": "community",
        "city": "成都市",
        "city_code": "510100",
        "county": "某区",
        "county_code": "510199",
    }
    res = client.post("/api/v1/organisations", json=body, headers=admin)
    assert res.status_code == 422 and "county_code" in res.json["errors"]["json"], res.json
    assert (
        client.post("/api/v1/organisations", json=body | {"county_code": "510107"}, headers=admin).status_code
        == 201
    )


def test_the_shipped_divisions_are_sichuans():
    assert len(divisions.CITIES) == 21 and len(divisions.COUNTIES) == 183
    assert all(code[:2] == "51" and code.endswith("00") for code in divisions.CITIES)
    assert all(code[:4] + "00" in divisions.CITIES and not code.endswith("00") for code in divisions.COUNTIES)
    from evaluator.demo.regions import COUNTIES as DEMO

    for county in DEMO:  # the demo's real places carry their official codes and names
        assert divisions.COUNTIES[county.county_code] == county.county
        assert divisions.CITIES[county.city_code] == county.city


def test_residents_fewer_than_households_is_an_intake_warning(client, make_round, admin, plausible_raw):
    rnd = make_round(criteria=build_criteria(plausible_raw, "test"))
    data = csv_bytes(
        [row("甲社区", 户数="1600", 常住人口="1200"), row("乙社区", 户数="1500", 常住人口="1500")]
    )
    res = upload(client, rnd, admin, data, dry_run="true")
    assert res.status_code == 200, res.json
    first, second = res.json["rows"]
    assert [(w["field"], w["code"]) for w in first["warnings"]] == [("residents", "implausible_pair")]
    said = first["warnings"][0]["message"]  # the figures by their names in the reader's language
    assert "Residents (1,200) is below Households (1,600): both cannot be true" in said
    assert second["warnings"] == []  # one resident a household is possible
    res = upload(client, rnd, admin, data)
    assert res.status_code == 201  # a warning, never a refusal


def test_the_warning_comes_from_the_criteria_and_is_checked_there(plausible_raw):
    cs = build_criteria(plausible_raw, "test")
    assert cs.field_map["residents"].at_least == "households"
    for bad in ("nope", "residents", "category"):
        raw = copy.deepcopy(plausible_raw)
        next(f for f in raw["fields"] if f["key"] == "residents")["at_least"] = bad
        with pytest.raises(CriteriaError) as refused:
            build_criteria(raw, "test")
        assert "at_least" in str(refused.value)


def test_the_bundled_sets_relate_residents_to_households():
    from evaluator.criteria import load_criteria

    for ref in ("cgz-2026", "ssz-2026", "fc-2026"):
        assert load_criteria(ref).field_map["residents_resident"].at_least == "households_resident"


def test_the_applicants_form_gets_the_same_warning(client, make_draft, make_user):
    user, headers = make_user("applicant")
    _, application = make_draft(organisation=user.organisation)
    url = f"/api/v1/applications/{application.id}"
    res = client.patch(
        url, json={"figures": {"households_resident": 6800, "residents_resident": 1200}}, headers=headers
    )
    assert res.status_code == 200, res.json
    assert ("residents_resident", "implausible_pair") in [
        (w["field"], w["code"]) for w in res.json["warnings"]
    ]
    res = client.patch(url, json={"figures": {"residents_resident": 17000}}, headers=headers)
    assert "implausible_pair" not in [w["code"] for w in res.json["warnings"]]
