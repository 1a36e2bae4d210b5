"""The cohort pages: the office's cohorts of a round (profiles, quality in words, the scatter, forming
them again), an application's place with the move form (CSRF, confirmation, version), the results'
cohort columns and radar, and the applicant's cohort and peers as the blind rule allows."""

from __future__ import annotations

import re

from sqlalchemy import select

from evaluator.cohort_runs import service
from evaluator.cohort_runs.models import CohortMove
from evaluator.extensions import db
from tests.pages import post


def test_the_office_forms_the_cohorts_and_reads_them(page_client, make_cohort_round):
    rnd, _ = make_cohort_round()
    office = page_client("admin")
    empty = office.get(f"/office/rounds/{rnd.id}/cohorts")
    assert empty.status_code == 200 and "The cohorts have not been formed yet." in empty.get_data(
        as_text=True
    )
    res = post(office, f"/office/rounds/{rnd.id}/cohorts")
    assert res.status_code == 303
    page = office.get(f"/office/rounds/{rnd.id}/cohorts").get_data(as_text=True)
    assert "Traditional urban community" in page and "易地扶贫搬迁社区" not in page  # one language
    assert page.count('class="point"') == 36 and "First principal component" in page
    assert "The cohorts are clearly apart" in page and "Silhouette" in page
    assert 'id="cohort-3"' in page and "<svg" in page
    chosen = office.get(f"/office/rounds/{rnd.id}/cohorts?x=households&y=aged_share").get_data(as_text=True)
    svg = chosen.split('class="chart-scatter"', 1)[1].split("</svg>")[0]
    assert "Resident households (households)" in svg and "Share aged 60 and over (%)" in svg
    assert svg.count('class="point"') == 36
    assert "First principal component" not in chosen
    zh = page_client("admin", language="zh").get(f"/office/rounds/{rnd.id}/cohorts").get_data(as_text=True)
    assert "易地扶贫搬迁社区" in zh and "第一主成分" in zh
    assert post(page_client("applicant"), f"/office/rounds/{rnd.id}/cohorts").status_code == 403


def test_the_office_moves_an_application_with_a_reason(page_client, make_cohort_round):
    rnd, apps = make_cohort_round()
    office = page_client("admin")
    service.run(None, rnd)
    db.session.commit()
    app = apps[0]
    url = f"/office/rounds/{rnd.id}/cohorts/applications/{app.id}"
    page = office.get(url).get_data(as_text=True)
    assert 'id="move-form"' in page and 'data-confirm-box="move-confirm"' in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    run_id = re.search(r'name="run_id" value="(\d+)"', page).group(1)
    unconfirmed = post(
        office, f"{url}/move", {"cohort": "2", "reason": "规模接近", "version": version, "run_id": run_id}
    )
    assert unconfirmed.status_code == 422 and "Tick the box to confirm the move." in unconfirmed.get_data(
        as_text=True
    )
    done = post(
        office,
        f"{url}/move",
        {"cohort": "2", "reason": "规模接近", "confirm": "1", "version": version, "run_id": run_id},
    )
    assert done.status_code == 303
    assert service.current_cohorts(rnd.id)[app.id].number == 2
    again = post(
        office,
        f"{url}/move",
        {"cohort": "3", "reason": "再议", "confirm": "1", "version": version, "run_id": run_id},
    )
    assert again.status_code == 422 and "has changed since you read it" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(CohortMove)).all()) == 1
    shown = office.get(url).get_data(as_text=True)
    assert "规模接近" in shown and "Moved by the office" in shown
    assert office.get(f"/office/rounds/{rnd.id}/cohorts/applications/999999").status_code == 404


def test_the_results_show_the_cohort(page_client, client, admin, make_scored_round):
    from tests.test_cohort_runs_api import MINI_SETTINGS

    sr = make_scored_round(n_apps=10, n_reviewers=6, per_app=4, seed=2)
    assert client.post(f"/api/v1/rounds/{sr.rnd.id}/results/compute", headers=admin).status_code == 201
    office = page_client("admin")
    before = office.get(f"/office/rounds/{sr.rnd.id}/results").get_data(as_text=True)
    assert "Rank in cohort" not in before
    assert (
        client.post(
            f"/api/v1/rounds/{sr.rnd.id}/cohorts", headers=admin, json={"settings": MINI_SETTINGS}
        ).status_code
        == 201
    )
    table = office.get(f"/office/rounds/{sr.rnd.id}/results").get_data(as_text=True)
    assert "Rank in cohort" in table
    ranked = next(
        a
        for a in sr.apps
        if office.get(f"/office/rounds/{sr.rnd.id}/results/applications/{a.id}").status_code == 200
    )
    page = office.get(f"/office/rounds/{sr.rnd.id}/results/applications/{ranked.id}").get_data(as_text=True)
    assert 'id="cohort-standing"' in page and "Cohort median" in page and 'class="cohort"' in page


def test_the_applicant_sees_its_cohort_and_peers_without_names_in_a_blind_round(
    page_client, make_cohort_round
):
    rnd, apps = make_cohort_round(blind=True)
    app = apps[0]
    applicant = page_client("applicant", organisation=app.organisation)
    before = applicant.get(f"/applicant/applications/{app.id}/cohort")
    assert before.status_code == 200 and "have not been formed yet" in before.get_data(as_text=True)
    service.run(None, rnd)
    db.session.commit()
    view = applicant.get(f"/applicant/applications/{app.id}").get_data(as_text=True)
    assert 'id="cohort-link"' in view and "Cohort 1" in view
    page = applicant.get(f"/applicant/applications/{app.id}/cohort").get_data(as_text=True)
    assert (
        "Poverty-alleviation relocation community" in page and "Shown once the results are published." in page
    )
    assert "The round is blind" in page and "Peer 1" in page
    assert apps[1].organisation.name not in page and "自贡市" in page
    rnd.settings, rnd.phase = {}, "notice"
    db.session.commit()
    named = applicant.get(f"/applicant/applications/{app.id}/cohort").get_data(as_text=True)
    assert "The round is blind" not in named and any(a.organisation.name in named for a in apps[1:12])
    other = page_client("applicant")
    assert other.get(f"/applicant/applications/{app.id}/cohort").status_code == 404
