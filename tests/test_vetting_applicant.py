"""What the applicant sees of the region offices — the office's note — and its bonus claims."""

from __future__ import annotations

import pytest

from evaluator.applications.models import Application
from evaluator.extensions import db
from tests.pages import post, versioned


@pytest.fixture
def applicant_draft(make_draft, make_user):
    user, headers = make_user("applicant")
    _, application = make_draft(organisation=user.organisation)
    return user, headers, application


def test_bonus_claims_through_the_api(client, applicant_draft):
    _, headers, application = applicant_draft
    url = f"/api/v1/applications/{application.id}"
    res = client.patch(
        url, json={"bonus_claims": ["provincial_meeting_site", "national_meeting_site"]}, headers=headers
    )
    assert res.status_code == 200, res.json
    assert res.json["bonus_claims"] == ["national_meeting_site", "provincial_meeting_site"]  # criteria order
    assert res.json["office_note"] is None and res.json["city_rank"] is None
    res = client.patch(url, json={"bonus_claims": []}, headers=headers)
    assert res.json["bonus_claims"] == []


@pytest.mark.parametrize(
    "claims, where",
    [
        (["national_honour"], "0"),  # awarded by the figures, not claimed
        (["nope"], "0"),
        (["national_meeting_site", "national_meeting_site"], "1"),
    ],
)
def test_bad_bonus_claims_name_the_item(client, applicant_draft, claims, where):
    _, headers, application = applicant_draft
    res = client.patch(
        f"/api/v1/applications/{application.id}", json={"bonus_claims": claims}, headers=headers
    )
    assert res.status_code == 422 and where in res.json["errors"]["bonus_claims"], res.json


@pytest.mark.parametrize(
    "body",
    [
        {"bonus_claims": "national_meeting_site"},
        {"bonus_claims": [1]},
        {"bonus_claims": [None]},
        {"bonus_claims": ["x" * 81]},
        {"bonus_claims": ["a"] * 201},
    ],
)
def test_malformed_bonus_claims(client, applicant_draft, body):
    _, headers, application = applicant_draft
    res = client.patch(f"/api/v1/applications/{application.id}", json=body, headers=headers)
    assert res.status_code == 422


def test_bonus_claims_on_the_self_assessment_page(page_client, applicant_draft):
    user, _, application = applicant_draft
    c = page_client(user=user)
    url = f"/applicant/applications/{application.id}/self-assessment"
    page = c.get(url).get_data(as_text=True)
    assert 'id="f-bonus-national_meeting_site"' in page and 'id="f-bonus-national_honour"' not in page
    res = post(
        c, url, versioned(application, {"bonus_claims": "provincial_meeting_site", "bonus_claims_shown": "1"})
    )
    assert res.status_code == 303, res.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Application, application.id).bonus_claims == ["provincial_meeting_site"]
    assert 'value="provincial_meeting_site" checked' in c.get(url).get_data(as_text=True)
    res = post(c, url, versioned(application, {"bonus_claims_shown": "1"}))  # all unticked
    db.session.expire_all()
    assert db.session.get(Application, application.id).bonus_claims == []


def test_the_applicant_reads_the_offices_reason(page_client, client, make_office, make_user):
    from evaluator.criteria import load_criteria
    from evaluator.rounds.service import create_round

    rnd = create_round(None, "退回测试", load_criteria("fc-2026"))
    rnd.phase = "open"
    user, _ = make_user("applicant")
    application = Application(
        round_id=rnd.id, organisation_id=user.organisation_id, status="submitted", figures={}
    )
    db.session.add(application)
    db.session.commit()
    _, county = make_office("county", user.organisation.county_code)
    res = client.post(
        f"/api/v1/applications/{application.id}/return",
        json={"reason": "请补充居民议事会记录"},
        headers=county,
    )
    assert res.status_code == 200, res.json
    page = page_client(user=user).get(f"/applicant/applications/{application.id}").get_data(as_text=True)
    assert 'id="office-note"' in page and "请补充居民议事会记录" in page
