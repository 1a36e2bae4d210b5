"""The applicant's pages: home, starting an application, the figures form, the self-assessment."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from evaluator.applications.models import Application
from evaluator.audit.models import AuditEvent
from evaluator.core.db import utcnow
from evaluator.criteria import load_criteria
from evaluator.extensions import db
from evaluator.rounds.service import create_round
from tests.pages import post, versioned

BEIJING = timedelta(hours=8)


def fc_round(days=10, title="2026年省级特色社区", phase="open"):
    """An open featured-community round whose submission deadline is noon (Beijing time) ``days``
    calendar days from today in Beijing — ``days`` days left whatever the hour the test runs at."""
    today = (utcnow() + BEIJING).date()
    noon = datetime.combine(today + timedelta(days=days), time(12), tzinfo=UTC) - BEIJING
    rnd = create_round(None, title, load_criteria("fc-2026"), submission_deadline=noon)
    rnd.phase = phase
    db.session.commit()
    return rnd


def complete_form(cs):
    """A form with a valid value for every required field (and nothing else)."""
    data = {}
    for f in cs.fields:
        if not f.required:
            continue
        name = f"figures.{f.key}"
        if f.type in ("enum", "multi"):
            data[name] = f.choices[0].value
        elif f.type == "bool":
            data[name] = "yes"
        elif f.type in ("int", "float"):
            lo = f.min or 0
            data[name] = str(int(min(lo + 1, f.max if f.max is not None else lo + 1)))
        else:
            data[name] = "说明"
    return data


@pytest.fixture
def applicant(page_client):
    """A signed-in applicant (a community) and an open featured-community round."""
    rnd = fc_round()
    return page_client("applicant"), rnd


def start(c, rnd):
    res = post(c, f"/applicant/rounds/{rnd.id}/start")
    assert res.status_code == 303, res.get_data(as_text=True)[:3000]
    return db.session.scalar(select(Application).where(Application.round_id == rnd.id))


def test_home_lists_the_organisation_and_the_open_rounds_with_days_left(app, applicant, make_round):
    c, rnd = applicant
    fc_round(title="2026年已结束批次", phase="review")
    other_kind = create_round(None, "2026年街道实验区", load_criteria("ssz-2026"))
    other_kind.phase = "open"
    db.session.commit()
    page = c.get("/applicant/").get_data(as_text=True)
    assert "测试社区" in page and "武侯区" in page and "510107" not in page and "Community or village" in page
    assert "2026年省级特色社区" in page and "10 days left" in page
    assert "2026年已结束批次" not in page  # not open
    assert "2026年街道实验区" not in page  # for subdistricts, not communities
    assert f'action="/applicant/rounds/{rnd.id}/start"' in page


def test_starting_an_application_creates_the_draft_and_links_it(app, applicant):
    c, rnd = applicant
    application = start(c, rnd)
    assert application.status == "draft" and application.organisation_id == c.user.organisation_id
    page = c.get("/applicant/").get_data(as_text=True)
    assert f"/applicant/applications/{application.id}" in page and "Draft" in page
    assert f'action="/applicant/rounds/{rnd.id}/start"' not in page
    res = post(c, f"/applicant/rounds/{rnd.id}/start")  # a second one is refused on the page
    assert res.status_code == 422 and "already has an application" in res.get_data(as_text=True)


def test_the_form_is_generated_from_the_criteria_with_groups_labels_and_bounds(app, applicant):
    c, rnd = applicant
    application = start(c, rnd)
    page = c.get(f"/applicant/applications/{application.id}").get_data(as_text=True)
    assert "<fieldset" in page and "<legend>" in page
    assert '<label for="f-figures-households_resident">Resident households' in page
    assert 'name="figures.households_resident"' in page and 'max="50000"' in page and 'step="1"' in page
    assert '<select id="f-figures-category" name="figures.category"' in page
    assert "Traditional urban community" in page


def test_a_wrong_figure_is_refused_beside_the_field_keeping_the_entries(app, applicant):
    c, rnd = applicant
    application = start(c, rnd)
    url = f"/applicant/applications/{application.id}"
    res = post(
        c,
        url,
        versioned(
            application,
            {
                "figures.households_resident": "many",
                "figures.residents_resident": "300000",
                "figures.community_workers": "12",
                "figures.category": "market_town",
            },
        ),
    )
    page = res.get_data(as_text=True)
    assert res.status_code == 422
    assert 'id="figures-households_resident-errors"' in page and "Not a valid integer." in page
    assert 'id="figures-residents_resident-errors"' in page and "Must be between 0 and 200,000." in page
    assert 'value="many"' in page and 'value="12"' in page  # what was entered is kept
    assert '<option value="market_town" selected>' in page
    db.session.expire_all()
    assert db.session.get(Application, application.id).figures == {}  # nothing saved


def test_fixing_the_figures_saves_them_and_warnings_show_beside_the_field(app, applicant):
    c, rnd = applicant
    application = start(c, rnd)
    url = f"/applicant/applications/{application.id}"
    res = post(
        c,
        url,
        versioned(
            application,
            {
                "figures.category": "traditional_urban",
                "figures.households_resident": "6,800",
                "figures.residents_resident": "19500",
                "figures.area_km2": "1.5",
            },
        ),
    )
    assert res.status_code == 303
    db.session.expire_all()
    saved = db.session.get(Application, application.id)
    assert saved.figures == {
        "category": "traditional_urban",
        "households_resident": 6800,
        "residents_resident": 19500,
        "area_km2": 1.5,
    }
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "application.updated"))
    page = c.get(url).get_data(as_text=True)
    assert 'value="6800"' in page and "The draft has been saved." in page
    warnings = page.split('id="f-figures-households_resident-warnings"', 1)[1].split("</ul>", 1)[0]
    assert "outside the norm" in warnings
    # a blank entry removes the figure; one the form did not send stays
    assert post(c, url, versioned(application, {"figures.area_km2": ""})).status_code == 303
    db.session.expire_all()
    kept = db.session.get(Application, application.id).figures
    assert "area_km2" not in kept and kept["households_resident"] == 6800
    # a form read before the last save is refused, and says why
    res = post(c, url, {"figures.area_km2": "2", "version": "1"})
    assert res.status_code == 422 and "has changed since you read it" in res.get_data(as_text=True)


def test_self_assessment_is_bounded_by_the_points(app, applicant):
    c, rnd = applicant
    application = start(c, rnd)
    url = f"/applicant/applications/{application.id}/self-assessment"
    page = c.get(url).get_data(as_text=True)
    assert "Community party organisation" in page and "4 points" in page
    assert "Review of the uploaded materials" in page and "On-site inspection" in page
    res = post(
        c,
        url,
        versioned(
            application, {"self_assessment.basic_party_work": "5", "self_assessment.basic_workers_ratio": "1"}
        ),
    )
    page = res.get_data(as_text=True)
    assert res.status_code == 422
    assert 'id="self_assessment-basic_party_work-errors"' in page and "between 0 and 4" in page
    assert 'value="5"' in page
    db.session.expire_all()
    assert db.session.get(Application, application.id).self_assessment == {}
    res = post(c, url, versioned(application, {"self_assessment.basic_party_work": "3.5"}))
    assert res.status_code == 303
    db.session.expire_all()
    assert db.session.get(Application, application.id).self_assessment == {"basic_party_work": 3.5}
    assert 'value="3.5"' in c.get(url).get_data(as_text=True)


def test_another_organisation_gets_404_and_anonymous_is_sent_to_sign_in(app, applicant, page_client, client):
    c, rnd = applicant
    application = start(c, rnd)
    other = page_client("applicant")
    for path in ("", "/self-assessment", "/materials", "/submit"):
        assert other.get(f"/applicant/applications/{application.id}{path}").status_code == 404
    assert (
        post(
            other, f"/applicant/applications/{application.id}", {"figures.households_resident": "1"}
        ).status_code
        == 404
    )
    res = client.get(f"/applicant/applications/{application.id}")
    assert res.status_code == 302 and "/sign-in" in res.headers["Location"]
    assert client.get("/applicant/").status_code == 302
    assert page_client("admin").get("/applicant/").status_code == 403  # the office has its own pages


def test_a_post_without_the_csrf_token_is_refused(app, applicant):
    c, rnd = applicant
    application = start(c, rnd)
    res = c.post(f"/applicant/applications/{application.id}", data={"figures.households_resident": "5"})
    assert res.status_code == 400
    assert c.post(f"/applicant/rounds/{rnd.id}/start").status_code == 400
    db.session.expire_all()
    assert db.session.get(Application, application.id).figures == {}


def test_the_chinese_page_shows_the_criteria_labels(app, page_client):
    rnd = fc_round()
    c = page_client("applicant", language="zh")
    application = start(c, rnd)
    page = c.get(f"/applicant/applications/{application.id}").get_data(as_text=True)
    assert "常住户数" in page and "传统城市社区" in page
    assert "社区党组织建设" in c.get(f"/applicant/applications/{application.id}/self-assessment").get_data(
        as_text=True
    )
