"""Cohort runs through the API and the service: a deterministic run on fixed figures stored with its
members, the round's settings, moves with a reason (audited, stale and concurrent ones refused),
settings refused by field, who may see what, and the standings the results pages read."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluator.audit.models import AuditEvent
from evaluator.cohort_runs import service, standings
from evaluator.cohort_runs.models import CohortMember, CohortMove, CohortRun
from evaluator.cohorts.profiles import round_significant
from evaluator.extensions import db

MINI_SETTINGS = {
    "features": [
        {
            "key": "category",
            "kind": "category",
            "field": "category",
            "profile": {"zh": "{value}", "en": "{value}"},
        },
        {
            "key": "households",
            "field": "households",
            "log": True,
            "profile": {"zh": "{value} 户", "en": "{value} households"},
        },
        {"key": "residents", "field": "residents", "log": True},
    ],
    "k": {"min": 2, "max": 3},
    "min_cohort_size": 2,
    "bootstrap": {"resamples": 5, "threshold": 0.7},
    "peers": 3,
}


def run(client, headers, rnd, body=None, status=201):
    res = client.post(f"/api/v1/rounds/{rnd.id}/cohorts", headers=headers, json=body or {})
    assert res.status_code == status, res.get_json()
    return res.get_json()


def test_a_run_on_fixed_figures_is_deterministic_and_stored(client, admin, make_cohort_round):
    rnd, apps = make_cohort_round()
    first = run(client, admin, rnd)
    assert first["k"] == 3 and first["applications"] == 36
    assert [c["size"] for c in first["cohorts"]] == [12, 12, 12]
    # Numbered ascending by residents: the relocation communities first, the city centre last.
    assert first["cohorts"][0]["profile_zh"].startswith("易地扶贫搬迁社区")
    assert first["cohorts"][2]["profile_en"].startswith("Traditional urban community")
    assert first["quality"]["silhouette"] > 0.7
    by_app = {m["application_id"]: m["cohort"] for m in first["members"]}
    assert by_app == {a.id: 1 + k // 12 for k, a in enumerate(apps)}
    assert all(m["stability"] is not None and not m["unstable"] for m in first["members"])

    again = run(client, admin, rnd)
    assert again["id"] != first["id"] and again["data_hash"] == first["data_hash"]
    assert {m["application_id"]: m["cohort"] for m in again["members"]} == by_app
    for a, b in zip(first["cohorts"], again["cohorts"], strict=True):
        assert a["profile_zh"] == b["profile_zh"] and a["centre"] == b["centre"]
    got = client.get(f"/api/v1/rounds/{rnd.id}/cohorts", headers=admin).get_json()
    assert got["id"] == again["id"]  # the newest run
    assert db.session.scalar(select(func.count()).select_from(CohortMember)) == 72
    refs = service.current_cohorts(rnd.id)
    assert {aid: ref.number for aid, ref in refs.items()} == by_app
    assert refs[apps[0].id].label_en.startswith("Poverty-alleviation relocation community")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cohorts.computed")).all()
    assert len(events) == 2 and events[0].summary["applications"] == 36


def test_no_run_means_no_cohorts(client, admin, make_cohort_round):
    rnd, _ = make_cohort_round(sizes=(3,))
    assert service.current_cohorts(rnd.id) == {}
    res = client.get(f"/api/v1/rounds/{rnd.id}/cohorts", headers=admin)
    assert res.status_code == 404 and res.get_json()["code"] == 404


def test_the_settings_in_the_body_become_the_rounds(client, admin, make_cohort_round):
    rnd, _ = make_cohort_round()
    body = run(
        client,
        admin,
        rnd,
        {
            "settings": {
                "features": [{"key": "households", "field": "households_resident", "log": True}],
                "k": 2,
                "min_cohort_size": 3,
            }
        },
    )
    assert body["k"] == 2 and [f["key"] for f in body["features"]] == ["households"]
    again = run(client, admin, rnd)  # no settings: the round's (its newest run's) again
    assert again["settings_sha256"] == body["settings_sha256"] and again["k"] == 2


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"features": [{"key": "x", "field": "nowhere"}]}, "settings.features[0].field"),
        ({"features": [{"key": "x", "field": "households_resident"}], "k": 99}, "settings.k"),
        ({"features": [{"key": "x", "field": "households_resident"}], "method": "magic"}, "settings.method"),
        ({"features": []}, "settings.features"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(client, admin, make_cohort_round, settings, field):
    rnd, _ = make_cohort_round(sizes=(4, 4))
    res = client.post(f"/api/v1/rounds/{rnd.id}/cohorts", headers=admin, json={"settings": settings})
    assert res.status_code == 422, res.get_json()
    assert field in res.get_json()["errors"], res.get_json()
    assert db.session.scalar(select(func.count()).select_from(CohortRun)) == 0


def test_settings_that_are_not_a_mapping_are_refused(client, admin, make_cohort_round):
    rnd, _ = make_cohort_round(sizes=(4, 4))
    res = client.post(f"/api/v1/rounds/{rnd.id}/cohorts", headers=admin, json={"settings": [1, 2]})
    assert res.status_code == 422 and "settings" in str(res.get_json()["errors"])


def test_cohorts_are_formed_only_in_review_and_after_scoring(client, admin, make_cohort_round):
    rnd, _ = make_cohort_round(sizes=(4, 4), phase="open")
    res = client.post(f"/api/v1/rounds/{rnd.id}/cohorts", headers=admin, json={})
    assert res.status_code == 409


def move(client, headers, app, cohort, reason="户数与第二组接近", **extra):
    return (
        client.post(
            f"/api/v1/applications/{app.id}/cohort",
            headers=headers,
            json={"cohort": cohort, "reason": reason, **{k: v for k, v in extra.items() if k != "etag"}},
        )
        if "etag" not in extra
        else client.post(
            f"/api/v1/applications/{app.id}/cohort",
            headers={**headers, "If-Match": extra["etag"]},
            json={"cohort": cohort, "reason": reason},
        )
    )


def test_a_move_with_a_reason_is_stored_and_audited(client, admin, make_cohort_round):
    rnd, apps = make_cohort_round()
    body = run(client, admin, rnd)
    app = apps[0]
    read = client.get(f"/api/v1/applications/{app.id}/cohort", headers=admin)
    assert read.status_code == 200 and read.get_json()["cohort"] == 1
    res = move(client, admin, app, 2, etag=read.headers["ETag"], run_id=body["id"])
    assert res.status_code == 200, res.get_json()
    moved = res.get_json()
    assert moved["cohort"] == 2 and moved["placed_in"] == 1 and moved["moved"]
    assert res.headers["ETag"] != read.headers["ETag"]
    assert service.current_cohorts(rnd.id)[app.id].number == 2
    stored = db.session.scalars(select(CohortMove)).one()
    assert (stored.from_cohort, stored.to_cohort, stored.reason) == (1, 2, "户数与第二组接近")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cohorts.moved")).one()
    assert event.object_id == str(app.id) and event.summary["reason"] == "户数与第二组接近"
    listed = client.get(f"/api/v1/rounds/{rnd.id}/cohorts", headers=admin).get_json()
    assert [c["members_now"] for c in listed["cohorts"]] == [11, 13, 12]
    back = move(client, admin, app, 1, reason="复核后仍属第一组")
    assert back.status_code == 200 and not back.get_json()["moved"]


def test_stale_and_concurrent_moves_are_refused(client, admin, make_cohort_round):
    rnd, apps = make_cohort_round()
    first = run(client, admin, rnd)
    app = apps[0]
    etag = client.get(f"/api/v1/applications/{app.id}/cohort", headers=admin).headers["ETag"]
    assert move(client, admin, app, 2, etag=etag).status_code == 200
    late = move(client, admin, app, 3, etag=etag)  # read at the same version as the move before it
    assert late.status_code == 412 and "If-Match" in late.get_json()["errors"]
    kept = run(client, admin, rnd, status=422)  # the newest cohorts carry a move: not dropped unasked
    assert "replace_moves" in kept["errors"]
    run(client, admin, rnd, {"replace_moves": True})
    stale = move(client, admin, app, 3, run_id=first["id"])
    assert stale.status_code == 409 and "run_id" in stale.get_json()["errors"]
    same = move(client, admin, app, 1)
    assert same.status_code == 422 and "cohort" in same.get_json()["errors"]
    nowhere = move(client, admin, app, 9)
    assert nowhere.status_code == 422 and "cohort" in nowhere.get_json()["errors"]
    blank = move(client, admin, app, 2, reason="   ")
    assert blank.status_code == 422 and "reason" in blank.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(CohortMove)) == 1


def test_who_may_see_and_move(client, admin, make_cohort_round, make_user):
    rnd, apps = make_cohort_round(blind=True)
    run(client, admin, rnd)
    app = apps[0]
    own = make_user("applicant", organisation=app.organisation)[1]
    other = make_user("applicant")[1]
    office = make_user("county_office", home_region_code=app.organisation.county_code)[1]
    reviewer = make_user("reviewer")[1]
    for headers in (own, other, office, reviewer):
        assert client.get(f"/api/v1/rounds/{rnd.id}/cohorts", headers=headers).status_code == 403
        assert move(client, headers, app, 2).status_code == 403
        assert client.post(f"/api/v1/rounds/{rnd.id}/cohorts", headers=headers, json={}).status_code == 403
    assert client.get(f"/api/v1/rounds/{rnd.id}/cohorts").status_code == 401
    assert client.get(f"/api/v1/applications/{app.id}/peers", headers=other).status_code == 404
    assert client.get(f"/api/v1/applications/{app.id}/peers", headers=office).status_code == 403
    assert client.get(f"/api/v1/applications/{app.id}/peers", headers=reviewer).status_code == 403
    mine = client.get(f"/api/v1/applications/{app.id}/peers", headers=own)
    assert mine.status_code == 200
    body = mine.get_json()
    assert body["cohort"] == 1 and len(body["peers"]) == 20 and not body["names_shown"]
    assert all(p["organisation"] is None and p["application_id"] is None for p in body["peers"])
    assert all(p["city"] in ("成都市", "自贡市") and p["total"] is None for p in body["peers"])
    assert body["rank"] is None  # not before the results are public
    full = client.get(f"/api/v1/applications/{app.id}/peers?count=5", headers=admin).get_json()
    assert len(full["peers"]) == 5 and all(p["organisation"] for p in full["peers"])
    assert [p["application_id"] for p in full["peers"]] == [p["application_id"] for p in full["peers"]]
    assert {f["key"] for f in full["features"]} >= {"households", "residents"}
    # the blind round's applicant reads its peers' figures to two significant figures, the office exactly
    assert body["figures_rounded"] and not full["figures_rounded"]
    changed = 0
    for peer, known in zip(body["peers"][:5], full["peers"], strict=True):  # both nearest first
        for key, value in known["values"].items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                shown = peer["values"][key]
                assert abs(shown - round_significant(value)) <= 1e-9 * max(abs(value), 1)
                changed += abs(shown - value) > 1e-9 * max(abs(value), 1)
    assert changed  # the demo's figures have more than two significant figures


def test_standings_in_the_cohort_follow_the_results(client, admin, make_scored_round):
    sr = make_scored_round(n_apps=12, n_reviewers=6, per_app=4, seed=5)
    assert client.post(f"/api/v1/rounds/{sr.rnd.id}/results/compute", headers=admin).status_code == 201
    run(client, admin, sr.rnd, {"settings": MINI_SETTINGS})
    table = standings.standings(sr.rnd)
    assert set(table) == {a.id for a in sr.apps}
    lines = {
        line["application_id"]: line
        for line in client.get(
            f"/api/v1/rounds/{sr.rnd.id}/results", headers=admin, query_string={"page_size": 100}
        ).get_json()
    }
    for number in {s.cohort.number for s in table.values()}:
        mates = [aid for aid, s in table.items() if s.cohort.number == number and lines[aid]["rank"]]
        ordered = sorted(mates, key=lambda aid: lines[aid]["rank"])
        assert [table[aid].rank for aid in ordered] == list(range(1, len(ordered) + 1))
        for aid in ordered:
            n = len(ordered)
            expected = 100.0 if n == 1 else 100.0 * (n - table[aid].rank) / (n - 1)
            assert abs(table[aid].percentile - expected) < 1e-9 and table[aid].of == n
    medians = standings.cohort_section_medians(sr.rnd, sr.apps[0].id)
    assert medians is not None and len(medians) == len(sr.criteria.indicators)
    assert all(m is None or 0 <= m <= 1 for m in medians)
    peers = client.get(f"/api/v1/applications/{sr.apps[0].id}/peers", headers=admin).get_json()
    if lines[sr.apps[0].id]["rank"]:
        above = [p for p in peers["peers"] if p["total"] is not None and p["total"] > peers["total"] + 1e-6]
        assert peers["rank"] == 1 + len(above)


def test_the_results_api_carries_the_cohort_standing_once_cohorts_are_formed(
    client, admin, make_scored_round
):
    sr = make_scored_round(n_apps=8, n_reviewers=5, per_app=3, seed=7)
    assert client.post(f"/api/v1/rounds/{sr.rnd.id}/results/compute", headers=admin).status_code == 201
    target = sr.apps[0].id
    before = client.get(f"/api/v1/applications/{target}/result", headers=admin).get_json()
    assert before["cohort"] is None
    run(client, admin, sr.rnd, {"settings": MINI_SETTINGS})
    after = client.get(f"/api/v1/applications/{target}/result", headers=admin).get_json()
    standing = standings.standings(sr.rnd)[target]
    cohort = after["cohort"]
    assert cohort["number"] == standing.cohort.number and cohort["label_zh"] == standing.cohort.label_zh
    assert cohort["rank"] == standing.rank and cohort["of"] == standing.of
    assert (cohort["percentile"] is None) == (standing.percentile is None)
    if standing.percentile is not None:
        assert abs(cohort["percentile"] - standing.percentile) < 1e-9
    assert cohort["section_medians"] == standings.cohort_section_medians(sr.rnd, target)
