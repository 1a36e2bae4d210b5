"""The city recommends only what passed its check (when the city step is on): the rule is
``vetting.service.allowed_acts`` and ``check_recommendable``, applied by the ranking (API and page)."""

from __future__ import annotations

import pytest

from evaluator.applications.models import Application
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.vetting import service as vetting
from tests.pages import post


def state(app):
    db.session.expire_all()
    fresh = db.session.get(Application, app.id)
    return fresh.status, fresh.city_rank


def put_ranking(client, w, ids):
    return client.put(
        f"/api/v1/rounds/{w.round.id}/recommendations",
        json={"application_ids": ids},
        headers=w.headers["chengdu"],
    )


def check(client, w, app, body):
    return client.post(f"/api/v1/applications/{app.id}/check", json=body, headers=w.headers["chengdu"])


@pytest.fixture
def endorsed(vetting_world):
    """The world with 武侯区's two applications endorsed by their county."""
    w = vetting_world
    for app in (w.apps.wuhou1, w.apps.wuhou2):
        vetting.endorse(w.users["wuhou"], app)
    db.session.commit()
    return w


def test_recommending_needs_a_passed_check_of_each_application(client, endorsed):
    w = endorsed
    res = put_ranking(client, w, [w.apps.wuhou1.id, w.apps.wuhou2.id])
    assert res.status_code == 409, res.json
    named = res.json["errors"]["application_ids"]
    assert len(named) == 2 and all("has no check by the city office" in m for m in named)
    assert f"Application {w.apps.wuhou1.id} (" in named[0] and w.apps.wuhou1.organisation.name in named[0]
    assert state(w.apps.wuhou1) == state(w.apps.wuhou2) == ("endorsed", None)  # nothing written

    assert check(client, w, w.apps.wuhou1, {"passed": True}).status_code == 201
    assert check(client, w, w.apps.wuhou2, {"passed": False, "note": "数据存疑"}).status_code == 201
    res = put_ranking(client, w, [w.apps.wuhou1.id, w.apps.wuhou2.id])
    assert res.status_code == 409
    assert res.json["message"] == (
        f"Application {w.apps.wuhou2.id} ({w.apps.wuhou2.organisation.name}) did not pass the city "
        "office's latest check: it cannot be recommended."
    )
    assert state(w.apps.wuhou1) == ("endorsed", None)

    assert put_ranking(client, w, [w.apps.wuhou1.id]).status_code == 200
    assert state(w.apps.wuhou1) == ("recommended", 1)
    # the latest check counts: passed after failing, it may be recommended
    assert check(client, w, w.apps.wuhou2, {"passed": True}).status_code == 201
    assert put_ranking(client, w, [w.apps.wuhou2.id, w.apps.wuhou1.id]).status_code == 200
    assert state(w.apps.wuhou2) == ("recommended", 1)


def test_a_recommended_application_cannot_fail_its_check(client, endorsed, pass_city_check):
    w = endorsed
    pass_city_check(w.users["chengdu"], w.apps.wuhou1)
    assert put_ranking(client, w, [w.apps.wuhou1.id]).status_code == 200
    res = check(client, w, w.apps.wuhou1, {"passed": False, "note": "发现问题"})
    assert res.status_code == 409 and "take it off your ranking" in res.json["message"]
    assert check(client, w, w.apps.wuhou1, {"passed": True, "note": "复核无误"}).status_code == 201
    assert (
        client.delete(
            f"/api/v1/applications/{w.apps.wuhou1.id}/recommendation", headers=w.headers["chengdu"]
        ).json["status"]
        == "endorsed"
    )
    assert check(client, w, w.apps.wuhou1, {"passed": False, "note": "发现问题"}).status_code == 201
    assert put_ranking(client, w, [w.apps.wuhou1.id]).status_code == 409


def test_the_acts_offered_include_recommending_once_checked(endorsed, set_steps):
    w = endorsed
    city = w.users["chengdu"]
    assert "recommend" not in vetting.allowed_acts(city, w.apps.wuhou1)
    vetting.check(city, w.apps.wuhou1, False, "数据存疑")
    assert "recommend" not in vetting.allowed_acts(city, w.apps.wuhou1)
    vetting.check(city, w.apps.wuhou1, True)
    assert vetting.allowed_acts(city, w.apps.wuhou1) == ("check", "recommend", "return", "decline")
    db.session.commit()
    set_steps(w.round, city_step=False)  # no city step: the city neither checks nor recommends
    assert vetting.allowed_acts(city, w.apps.wuhou1) == ()
    with pytest.raises(ServiceError) as refused:
        vetting.check_recommendable(w.apps.wuhou2)
    assert refused.value.status == 409


def test_the_ranking_page_refuses_an_unchecked_application_by_name(page_client, endorsed, pass_city_check):
    w = endorsed
    pass_city_check(w.users["chengdu"], w.apps.wuhou1)
    city = page_client(user=w.users["chengdu"])
    page = city.get(f"/region/ranking?round={w.round.id}").get_data(as_text=True)
    assert f'name="rank.{w.apps.wuhou1.id}"' in page and f'name="rank.{w.apps.wuhou2.id}"' not in page
    # a form made by hand (or read before another tab's check) still meets the service's rule
    form = {f"rank.{w.apps.wuhou1.id}": "1", f"rank.{w.apps.wuhou2.id}": "2", "round": str(w.round.id)}
    res = post(city, "/region/ranking", form)
    body = res.get_data(as_text=True)
    assert res.status_code == 422 and w.apps.wuhou2.organisation.name in body  # the form again
    assert "has no check by the city office" in body
    assert state(w.apps.wuhou1) == ("endorsed", None)
    application = city.get(f"/region/applications/{w.apps.wuhou2.id}").get_data(as_text=True)
    assert 'id="recommend-state"' in application and "before you recommend it" in application
    application = city.get(f"/region/applications/{w.apps.wuhou1.id}").get_data(as_text=True)
    assert "you can recommend it on your ranking" in application


def test_a_page_cannot_post_the_recommend_act(page_client, endorsed):
    city = page_client(user=endorsed.users["chengdu"])
    assert post(city, f"/region/applications/{endorsed.apps.wuhou1.id}/recommend").status_code == 404
