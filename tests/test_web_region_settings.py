"""A round's review settings: the office's page and GET/PATCH /rounds/{id}/settings."""

from __future__ import annotations

import re

from sqlalchemy import select

from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.rounds.models import Round
from evaluator.rounds.settings import settings_of
from tests.pages import post, versioned

FULL = {
    "county_step": "1",
    "quota.kind": "number",
    "quota.value": "4",
    "city.510100.kind": "",
    "city.510100.value": "",
    "city.510700.kind": "share",
    "city.510700.value": "0.4",
    "reviewers_per_application": "3",
    "inspectors_per_application": "2",
    "max_load": "",
    "disagreement_spread": "0.25",
    "conflicts.same_region": "1",
    "conflicts.region_level": "city",
    "conflicts.declared": "1",
    "blind": "1",
}


def _row(page: str, code: str) -> tuple[str, str, str]:
    """A row of the table of single cities' quotas as the page shows it: the city's name, the kind
    selected, the value."""
    row = page[page.index(f'<tr id="city-{code}"') :]
    row = row[: row.index("</tr>")]
    name = re.search(r'<th scope="row"[^>]*>([^<]*)</th>', row).group(1)
    kind = re.search(r'<option value="([^"]*)" selected', row)
    value = re.search(r'name="city\.\d+\.value"[^>]* value="([^"]*)"', row)
    return name, kind.group(1) if kind else "", value.group(1) if value else ""


def fresh(rnd):
    db.session.expire_all()
    return db.session.get(Round, rnd.id)


def test_the_round_page_links_its_settings(page_client, make_round):
    rnd = make_round()
    office = page_client("admin")
    round_page = office.get(f"/office/rounds/{rnd.id}").get_data(as_text=True)
    assert f"/office/rounds/{rnd.id}/settings" in round_page
    page = office.get(f"/office/rounds/{rnd.id}/settings")
    assert page.status_code == 200 and 'name="county_step" value="1" checked' in page.get_data(as_text=True)


def test_the_office_saves_the_whole_settings(page_client, make_round):
    rnd = make_round()
    office = page_client("admin")
    res = post(office, f"/office/rounds/{rnd.id}/settings", versioned(rnd, FULL))
    assert res.status_code == 302, res.get_data(as_text=True)[:3000]
    s = settings_of(fresh(rnd))
    assert (s.county_step, s.city_step, s.blind, s.on_site_group) == (True, False, True, False)
    assert s.quota_for("510100").limit(10) == 4 and s.quota_for("510700").limit(10) == 4
    assert s.quota_for("510700").kind == "share"
    assert (s.reviewers_per_application, s.inspectors_per_application, s.max_load) == (3, 2, None)
    assert s.conflicts.region_level == "city" and s.conflicts.same_affiliation is False
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.settings_changed"))
    assert "city_step" in event.summary["changed"]
    page = office.get(res.headers["Location"]).get_data(as_text=True)
    assert _row(page, "510700") == ("绵阳市", "share", "0.4")
    assert _row(page, "510100") == ("成都市", "", "")


def test_bad_settings_are_shown_beside_their_fields(page_client, make_round):
    rnd = make_round()
    office = page_client("admin")
    for change, field in (
        ({"quota.kind": "share", "quota.value": "2"}, "quota-value"),
        ({"reviewers_per_application": "0"}, "reviewers_per_application"),
        ({"reviewers_per_application": "x"}, "reviewers_per_application"),
        ({"city.510100.kind": "lots", "city.510100.value": "3"}, "city-510100-kind"),
        ({"city.510107.kind": "number", "city.510107.value": "3"}, "city-510107-kind"),
        ({"city.510100.kind": "number", "city.510100.value": "2.5"}, "city-510100-value"),
        ({"city.510100.kind": "number"}, "city-510100-value"),
        ({"city.510100.value": "3"}, "city-510100-kind"),
        ({"disagreement_spread": "2"}, "disagreement_spread"),
    ):
        res = post(office, f"/office/rounds/{rnd.id}/settings", versioned(rnd, {**FULL, **change}))
        assert res.status_code == 422, change
        assert f'id="{field}-errors"' in res.get_data(as_text=True), change
    assert fresh(rnd).settings == {}


def test_every_city_is_a_row_by_name_and_nothing_is_typed_as_code(page_client, make_round):
    rnd = make_round()
    page = page_client("admin", language="zh").get(f"/office/rounds/{rnd.id}/settings").get_data(as_text=True)
    assert 'name="city_quotas"' not in page and "510100 number" not in page
    rows = re.findall(r'<tr id="city-(\d{6})"', page)
    assert len(rows) == 21 and rows[0] == "510100" and rows[-1] == "513400"
    assert _row(page, "513400")[0] == "凉山彝族自治州"
    assert "按统一名额" in page  # the kind of quota is a labelled choice


def _error(page: str, name: str) -> str | None:
    """The first message shown beside a field (``city-510100-value``), if any."""
    found = re.search(rf'id="{name}-errors">\s*<li>([^<]*)</li>', page)
    return found.group(1) if found else None


def test_a_refused_row_keeps_what_was_typed_and_says_what_is_wrong(page_client, make_round):
    rnd = make_round()
    office = page_client("admin")
    form = {
        **FULL,
        "city.510300.kind": "number",
        "city.510300.value": "",
        "city.510100.kind": "share",
        "city.510100.value": "0.5",
        "reviewers_per_application": "",
    }
    res = post(office, f"/office/rounds/{rnd.id}/settings", versioned(rnd, form))
    page = res.get_data(as_text=True)
    assert res.status_code == 422
    assert _row(page, "510100") == ("成都市", "share", "0.5")
    assert _row(page, "510700") == ("绵阳市", "share", "0.4")
    assert _error(page, "city-510300-value") == "This field is required."
    assert _error(page, "reviewers_per_application") == "This field is required."
    assert page.count("This field is required.") == 2  # once each, beside its field
    form.update({"city.510300.value": "2", "reviewers_per_application": "3", "city.510100.value": "1.5"})
    page = post(office, f"/office/rounds/{rnd.id}/settings", versioned(rnd, form)).get_data(as_text=True)
    assert _error(page, "city-510100-value") == "A share lies between 0 and 1."
    assert _row(page, "510300") == ("自贡市", "number", "2")
    assert fresh(rnd).settings == {}
    form["city.510100.value"] = "0.5"
    assert post(office, f"/office/rounds/{rnd.id}/settings", versioned(rnd, form)).status_code == 302
    s = settings_of(fresh(rnd))
    assert s.quota_for("510100").kind == "share" and s.quota_for("510300").limit(9) == 2


def test_a_stale_form_and_a_round_in_review_are_refused(page_client, make_round):
    rnd = make_round()
    office = page_client("admin")
    res = post(office, f"/office/rounds/{rnd.id}/settings", {**FULL, "version": "999"})
    assert res.status_code == 422
    rnd.phase = "review"
    db.session.commit()
    res = post(office, f"/office/rounds/{rnd.id}/settings", versioned(rnd, FULL))
    assert res.status_code == 422 and "review begins" in res.get_data(as_text=True)


def test_only_the_office_opens_the_settings(page_client, make_round):
    rnd = make_round()
    assert (
        page_client("city_office", home_region_code="510100")
        .get(f"/office/rounds/{rnd.id}/settings")
        .status_code
        == 403
    )


def test_the_settings_through_the_api(client, make_round, make_user, admin):
    rnd = make_round()
    res = client.get(f"/api/v1/rounds/{rnd.id}/settings", headers=admin)
    assert res.status_code == 200 and res.json["county_step"] is True and res.json["quota"]["kind"] == "share"
    etag = res.headers["ETag"]
    res = client.patch(
        f"/api/v1/rounds/{rnd.id}/settings", json={"city_step": False}, headers={**admin, "If-Match": etag}
    )
    assert res.status_code == 200 and res.json["city_step"] is False and res.headers["ETag"] != etag
    res = client.patch(
        f"/api/v1/rounds/{rnd.id}/settings", json={"city_step": True}, headers={**admin, "If-Match": etag}
    )
    assert res.status_code == 412
    for bad in (
        {"quota": {"kind": "share", "value": 3}},
        {"nope": 1},
        {"city_quotas": {"510107": {"kind": "number", "value": 1}}},
        {"reviewers_per_application": 1.5},
    ):
        assert client.patch(f"/api/v1/rounds/{rnd.id}/settings", json=bad, headers=admin).status_code == 422
    _, city = make_user("city_office", home_region_code="510100")
    assert client.get(f"/api/v1/rounds/{rnd.id}/settings", headers=city).status_code == 403
    assert client.patch(f"/api/v1/rounds/{rnd.id}/settings", json={}, headers=city).status_code == 403
