"""What a region office may do to an application: the acts the pages offer (``allowed_acts``) are
exactly those the service's acts carry out, in every status, step setting and phase."""

from __future__ import annotations

import pytest

from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.vetting import service as vetting
from evaluator.vetting.quota import city_of, rankable, recommend

STATUSES = ("submitted", "endorsed", "recommended", "declined", "under_review")


def attempt(actor, app, act) -> bool:
    """Whether the act goes through (rolled back either way)."""
    try:
        if act == "endorse":
            vetting.endorse(actor, app, None)
        elif act == "return":
            vetting.return_application(actor, app, "请补充材料")
        elif act == "decline":
            vetting.decline(actor, app, "不符合条件")
        elif act == "recommend":  # on the city's ranking (with the others already on it)
            kept = [a.id for a in rankable(actor, app.round) if a.status == "recommended" and a.id != app.id]
            recommend(actor, app.round, city_of(actor), [*kept, app.id])
        else:
            vetting.check(actor, app, True, "核实无误")
    except ServiceError as exc:
        assert exc.status in (403, 404, 409), exc
        return False
    finally:
        db.session.rollback()
    return True


@pytest.fixture
def statuses(vetting_world, make_application):
    """The world plus an application of 武侯区 and a county applicant of 锦江区 in each status."""
    w = vetting_world
    apps = []
    for status in STATUSES:
        rank = {"city_rank": 1} if status == "recommended" else {}
        apps.append(make_application(w.round, "510107", status=status, **rank))
        apps.append(make_application(w.round, "510104", status=status, kind="county", **rank))
    return w, apps


@pytest.mark.parametrize("steps", [{}, {"county_step": False}, {"city_step": False}, {"phase": "review"}])
def test_the_acts_offered_are_the_acts_that_go_through(statuses, set_steps, steps):
    w, apps = statuses
    if steps.pop("phase", None):
        w.round.phase = "review"
        db.session.commit()
    set_steps(w.round, **steps)
    offered = 0
    for office in ("wuhou", "jinjiang", "chengdu"):
        actor = w.users[office]
        for app in apps:
            if not vetting.in_scope(actor, app):
                assert vetting.allowed_acts(actor, app) == ()
                continue
            allowed = vetting.allowed_acts(actor, app)
            offered += len(allowed)
            for act in vetting.ACTS[actor.region_level]:
                assert attempt(actor, app, act) == (act in allowed), (office, app.status, act, steps)
    assert offered or w.round.phase == "review"


def test_what_each_office_may_do_in_an_open_round(statuses):
    w, apps = statuses
    by_status = {(a.status, a.organisation.kind): a for a in apps}
    county, city = w.users["wuhou"], w.users["chengdu"]
    community = {s: by_status[(s, "community")] for s in STATUSES}
    assert vetting.allowed_acts(county, community["submitted"]) == ("endorse", "return", "decline")
    assert vetting.allowed_acts(county, community["endorsed"]) == ()  # the county acts before it endorses
    assert vetting.allowed_acts(city, community["submitted"]) == ()  # not at the city yet
    assert vetting.allowed_acts(city, community["endorsed"]) == ("check", "return", "decline")
    assert vetting.allowed_acts(city, community["recommended"]) == ("check",)
    assert vetting.allowed_acts(city, by_status[("submitted", "county")]) == ("check", "return", "decline")
    assert vetting.allowed_acts(city, community["under_review"]) == ()


def test_the_ranking_lists_what_the_city_may_recommend_or_take_off(statuses):
    w, _ = statuses
    ranked = {(a.status, a.organisation.kind) for a in rankable(w.users["chengdu"], w.round)}
    assert ranked == {
        ("endorsed", "community"),
        ("recommended", "community"),
        ("submitted", "county"),
        ("endorsed", "county"),
        ("recommended", "county"),
    }
    first = rankable(w.users["chengdu"], w.round, limit=1)
    assert [a.status for a in first] == ["recommended"]
