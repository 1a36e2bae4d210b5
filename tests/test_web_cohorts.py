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


def _settings_form(page: str) -> dict[str, str]:
    """The settings form's fields as the page fills them in (inputs and chosen options)."""
    form = page.split('id="settings-form"', 1)[1].split("</form>", 1)[0]
    values = dict(re.findall(r'<input type="number" id="[^"]+" name="([^"]+)" value="([^"]*)"', form))
    for name, chosen in re.findall(
        r'<select id="[^"]+" name="([^"]+)".*?<option value="([^"]+)" selected', form, re.S
    ):
        values[name] = chosen
    return values


def test_the_office_changes_the_cohort_settings_on_the_page(page_client, make_cohort_round):
    rnd, _ = make_cohort_round()
    office = page_client("admin")
    url = f"/office/rounds/{rnd.id}/cohorts"
    form = _settings_form(office.get(url).get_data(as_text=True))
    assert form["k_min"] == "3" and form["k_max"] == "8" and form["min_cohort_size"] == "10"
    assert form["method"] == "kmeans" and form["weight.households"] == "1"
    weights = {k for k in form if k.startswith("weight.")}
    assert weights == {
        f"weight.{k}"
        for k in ("category", "households", "residents", "density", "aged_share", "floating_share")
    }
    # refused, each beside its field, and nothing formed
    bad = post(
        office,
        f"{url}/settings",
        {**form, "k_min": "5", "k_max": "3", "weight.households": "0", "method": ""},
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and service.latest(rnd.id) is None
    assert (
        'id="k_max-errors"' in text and "The largest number of cohorts cannot be below the smallest." in text
    )
    assert 'id="weight-households-errors"' in text and "A weight is a number above 0 and at most 100." in text
    assert (
        'id="method-errors"' in text and '<details class="cohort-settings" id="cohort-settings" open>' in text
    )
    assert _settings_form(text)["k_min"] == "5"  # the form keeps what was typed
    # accepted: formed at once with exactly three cohorts, Ward's method, households weighing double
    good = post(
        office,
        f"{url}/settings",
        {**form, "k_min": "3", "k_max": "3", "method": "ward", "weight.households": "2.5"},
    )
    assert good.status_code == 303
    db.session.expire_all()
    found = service.latest(rnd.id)
    assert found.k == 3 and found.settings["k"] == 3 and found.settings["method"] == "ward"
    weight = {f["key"]: f["weight"] for f in found.settings["features"]}
    assert abs(weight["households"] - 2.5) < 1e-9 and abs(weight["residents"] - 1.0) < 1e-9
    # the next run keeps them; the form now shows them
    again = _settings_form(office.get(url).get_data(as_text=True))
    assert again["k_max"] == "3" and again["method"] == "ward" and again["weight.households"] == "2.5"
    assert post(page_client("county_office"), f"{url}/settings", form).status_code == 403
    assert office.post(f"{url}/settings", data=form).status_code == 400  # no CSRF token


def test_the_engines_refusal_of_a_weight_is_shown_beside_that_weight():
    from types import SimpleNamespace

    from evaluator.cohort_runs.pages.settings_form import form_errors_of
    from evaluator.errors import ServiceError

    current = SimpleNamespace(source={"features": [{"key": "households"}, {"key": "residents"}]})
    moved = form_errors_of(
        ServiceError(
            422, "no", {"settings.features[1].weight": ["x"], "settings.k.min": ["y"], "replace_moves": ["z"]}
        ),
        current,
    )
    assert moved.errors == {"weight.residents": ["x"], "k_min": ["y"], "settings_replace_moves": ["z"]}


def test_settings_changed_while_the_cohorts_carry_moves_ask_for_the_box(page_client, make_cohort_round):
    rnd, apps = make_cohort_round()
    office = page_client("admin")
    url = f"/office/rounds/{rnd.id}/cohorts"
    found = service.run(None, rnd)
    db.session.add(
        CohortMove(run_id=found.id, application_id=apps[0].id, from_cohort=1, to_cohort=2, reason="核对")
    )
    db.session.commit()
    page = office.get(url).get_data(as_text=True)
    form = _settings_form(page)
    assert 'id="f-settings_replace_moves"' in page
    refused = post(office, f"{url}/settings", {**form, "k_min": "2", "k_max": "2"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="settings_replace_moves-errors"' in text
    assert 'id="replace_moves-errors"' not in text and service.latest(rnd.id).id == found.id
    done = post(
        office, f"{url}/settings", {**form, "k_min": "2", "k_max": "2", "settings_replace_moves": "1"}
    )
    assert done.status_code == 303 and service.latest(rnd.id).k == 2
