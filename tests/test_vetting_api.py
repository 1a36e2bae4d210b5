"""The region offices through the API: each act, its refusals, the scope across regions, the quota."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evaluator.applications.models import Application
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.vetting.models import RegionCheck


def status_of(app):
    db.session.expire_all()
    return db.session.get(Application, app.id).status


def post(client, path, headers, body=None):
    return client.post(f"/api/v1{path}", json=body if body is not None else {}, headers=headers)


def endorse(client, w, app, office="wuhou"):
    return post(client, f"/applications/{app.id}/endorse", w.headers[office])


# ------------------------------------------------------------------------------------ the county


def test_county_endorses_its_submitted_application(client, vetting_world):
    w = vetting_world
    res = post(client, f"/applications/{w.apps.wuhou1.id}/endorse", w.headers["wuhou"], {"note": "材料齐全"})
    assert res.status_code == 200, res.json
    assert res.json["status"] == "endorsed" and res.headers["ETag"]
    check = db.session.scalar(select(RegionCheck).where(RegionCheck.application_id == w.apps.wuhou1.id))
    assert (check.level, check.action, check.note) == ("county", "endorse", "材料齐全")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "application.endorsed"))
    assert event.object_id == str(w.apps.wuhou1.id)
    assert event.summary["status"] == {"before": "submitted", "after": "endorsed"}


@pytest.mark.parametrize("action", ["return", "decline"])
def test_county_returns_or_declines_with_a_reason(client, vetting_world, action):
    w = vetting_world
    res = post(
        client, f"/applications/{w.apps.wuhou1.id}/{action}", w.headers["wuhou"], {"reason": "缺少台账"}
    )
    assert res.status_code == 200, res.json
    assert res.json["status"] == ("draft" if action == "return" else "declined")
    assert res.json["office_note"] == "缺少台账"
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action.like("application.%ed")).order_by(AuditEvent.id.desc())
    )
    assert event.summary["reason"] == "缺少台账"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reason": ""},
        {"reason": "   "},
        {"reason": None},
        {"reason": "x" * 2001},
        {"reason": "a\x00b"},
        {"reason": 5},
    ],
)
@pytest.mark.parametrize("action", ["return", "decline"])
def test_a_reason_is_required(client, vetting_world, action, body):
    w = vetting_world
    res = post(client, f"/applications/{w.apps.wuhou1.id}/{action}", w.headers["wuhou"], body)
    assert res.status_code == 422, res.json
    assert "reason" in str(res.json["errors"])
    assert status_of(w.apps.wuhou1) == "submitted"


def test_the_applicant_reads_the_reason(client, vetting_world, make_user):
    w = vetting_world
    post(client, f"/applications/{w.apps.wuhou1.id}/return", w.headers["wuhou"], {"reason": "请补充照片"})
    _, headers = make_user("applicant", organisation=w.apps.wuhou1.organisation)
    res = client.get(f"/api/v1/applications/{w.apps.wuhou1.id}", headers=headers)
    assert res.json["status"] == "draft" and res.json["office_note"] == "请补充照片"


@pytest.mark.parametrize("status", ["endorsed", "declined", "recommended", "under_review"])
def test_county_acts_only_on_submitted(client, vetting_world, make_application, status):
    w = vetting_world
    other = make_application(w.round, "510107", status=status)
    for action, body in (("endorse", {}), ("return", {"reason": "r"}), ("decline", {"reason": "r"})):
        res = post(client, f"/applications/{other.id}/{action}", w.headers["wuhou"], body)
        assert res.status_code == 409, (action, res.json)
    assert status_of(other) == status


@pytest.mark.parametrize("phase", ["draft", "review", "scoring_closed", "final"])
def test_acts_only_while_the_round_is_open(client, vetting_world, phase):
    w = vetting_world
    w.round.phase = phase
    db.session.commit()
    assert endorse(client, w, w.apps.wuhou1).status_code == 409
    res = post(
        client, f"/rounds/{w.round.id}/recommendations".replace("/rounds", "/rounds"), w.headers["chengdu"]
    )
    assert res.status_code in (405, 409)
    res = client.put(
        f"/api/v1/rounds/{w.round.id}/recommendations",
        json={"application_ids": []},
        headers=w.headers["chengdu"],
    )
    assert res.status_code == 409
    assert status_of(w.apps.wuhou1) == "submitted"


def test_a_county_applicant_goes_straight_to_the_city(client, vetting_world):
    w = vetting_world
    assert endorse(client, w, w.apps.county, "jinjiang").status_code == 409
    res = post(client, f"/applications/{w.apps.county.id}/check", w.headers["chengdu"], {"passed": True})
    assert res.status_code == 201, res.json
    res = client.put(
        f"/api/v1/rounds/{w.round.id}/recommendations",
        json={"application_ids": [w.apps.county.id]},
        headers=w.headers["chengdu"],
    )
    assert res.status_code == 200, res.json
    assert res.json[0]["status"] == "recommended" and res.json[0]["city_rank"] == 1


# -------------------------------------------------------------------------------------- the city


def test_the_city_cannot_act_before_the_county(client, vetting_world):
    w = vetting_world
    acts = (("check", {"passed": True}), ("return", {"reason": "r"}), ("decline", {"reason": "r"}))
    for action, body in acts:
        res = post(client, f"/applications/{w.apps.wuhou1.id}/{action}", w.headers["chengdu"], body)
        assert res.status_code == 409, (action, res.json)
    res = client.put(
        f"/api/v1/rounds/{w.round.id}/recommendations",
        json={"application_ids": [w.apps.wuhou1.id]},
        headers=w.headers["chengdu"],
    )
    assert res.status_code == 409


def test_the_city_checks_returns_and_declines_endorsed(client, vetting_world):
    w = vetting_world
    for app in (w.apps.wuhou1, w.apps.wuhou2, w.apps.jinjiang):
        assert endorse(client, w, app, "jinjiang" if app is w.apps.jinjiang else "wuhou").status_code == 200
    res = post(
        client,
        f"/applications/{w.apps.wuhou1.id}/check",
        w.headers["chengdu"],
        {"passed": False, "note": "数据存疑"},
    )
    assert res.status_code == 201 and res.json["passed"] is False and res.json["level"] == "city"
    assert (
        post(
            client, f"/applications/{w.apps.wuhou1.id}/check", w.headers["chengdu"], {"passed": False}
        ).status_code
        == 422
    )  # a failed check says why
    assert (
        post(
            client, f"/applications/{w.apps.wuhou1.id}/return", w.headers["chengdu"], {"reason": "请核实数据"}
        ).json["status"]
        == "draft"
    )
    assert (
        post(
            client,
            f"/applications/{w.apps.wuhou2.id}/decline",
            w.headers["chengdu"],
            {"reason": "不符合条件"},
        ).json["status"]
        == "declined"
    )
    checks = client.get(f"/api/v1/applications/{w.apps.wuhou2.id}/checks", headers=w.headers["chengdu"]).json
    assert [(c["level"], c["action"]) for c in checks] == [("county", "endorse"), ("city", "decline")]
    # a returned application is a draft again: out of the office's sight, its acts recorded
    assert (
        client.get(
            f"/api/v1/applications/{w.apps.wuhou1.id}/checks", headers=w.headers["chengdu"]
        ).status_code
        == 404
    )
    rows = db.session.scalars(
        select(RegionCheck).where(RegionCheck.application_id == w.apps.wuhou1.id).order_by(RegionCheck.id)
    )
    assert [(c.level, c.action) for c in rows] == [
        ("county", "endorse"),
        ("city", "check"),
        ("city", "return"),
    ]


def test_a_county_office_cannot_recommend_and_a_city_cannot_endorse(client, vetting_world):
    w = vetting_world
    assert endorse(client, w, w.apps.wuhou1, "chengdu").status_code == 403
    res = client.put(
        f"/api/v1/rounds/{w.round.id}/recommendations",
        json={"application_ids": []},
        headers=w.headers["wuhou"],
    )
    assert res.status_code == 403


def test_recommend_ranks_and_replaces(client, vetting_world, set_steps, make_application, pass_city_check):
    w = vetting_world
    set_steps(w.round, quota={"kind": "number", "value": 2})
    extra = make_application(w.round, "510107")
    for app in (w.apps.wuhou1, w.apps.wuhou2, extra):
        endorse(client, w, app)
    pass_city_check(w.users["chengdu"], w.apps.wuhou1, w.apps.wuhou2, extra)
    put = lambda ids: client.put(
        f"/api/v1/rounds/{w.round.id}/recommendations",
        json={"application_ids": ids},
        headers=w.headers["chengdu"],
    )
    res = put([w.apps.wuhou2.id, w.apps.wuhou1.id])
    assert res.status_code == 200, res.json
    assert [(a["id"], a["city_rank"]) for a in res.json] == [(w.apps.wuhou2.id, 1), (w.apps.wuhou1.id, 2)]
    assert put([w.apps.wuhou1.id, w.apps.wuhou2.id, extra.id]).status_code == 409  # over the quota
    res = put([extra.id, w.apps.wuhou1.id])
    assert res.status_code == 200
    assert status_of(w.apps.wuhou2) == "endorsed" and status_of(extra) == "recommended"
    ranking = client.get(f"/api/v1/rounds/{w.round.id}/recommendations", headers=w.headers["chengdu"]).json
    assert [(a["id"], a["city_rank"]) for a in ranking] == [(extra.id, 1), (w.apps.wuhou1.id, 2)]
    res = client.delete(f"/api/v1/applications/{extra.id}/recommendation", headers=w.headers["chengdu"])
    assert res.status_code == 200 and res.json["status"] == "endorsed" and res.json["city_rank"] is None
    ranking = client.get(f"/api/v1/rounds/{w.round.id}/recommendations", headers=w.headers["chengdu"]).json
    assert [(a["id"], a["city_rank"]) for a in ranking] == [(w.apps.wuhou1.id, 1)]
    assert (
        client.delete(
            f"/api/v1/applications/{extra.id}/recommendation", headers=w.headers["chengdu"]
        ).status_code
        == 409
    )


def test_quota_as_a_number_and_as_a_share(client, vetting_world, set_steps, make_application):
    w = vetting_world
    more = [make_application(w.round, "510107") for _ in range(3)]
    for app in (w.apps.wuhou1, w.apps.wuhou2, *more):
        endorse(client, w, app)
    # reached 成都: 5 endorsed in 武侯区 + the county applicant (submitted, straight to the city)
    quota = client.get(f"/api/v1/rounds/{w.round.id}/quota", headers=w.headers["chengdu"]).json
    assert (quota["applications"], quota["kind"], quota["value"], quota["limit"]) == (6, "share", 0.5, 3)
    set_steps(w.round, quota={"kind": "share", "value": 0.4})
    assert client.get(f"/api/v1/rounds/{w.round.id}/quota", headers=w.headers["chengdu"]).json["limit"] == 3
    set_steps(w.round, city_quotas={"510100": {"kind": "number", "value": 1}})
    quota = client.get(f"/api/v1/rounds/{w.round.id}/quota", headers=w.headers["chengdu"]).json
    assert (quota["limit"], quota["used"], quota["remaining"]) == (1, 0, 1)
    assert (
        client.get(f"/api/v1/rounds/{w.round.id}/quota", headers=w.headers["mianyang"]).json["applications"]
        == 0
    )  # 涪城区's is not endorsed
    res = client.put(
        f"/api/v1/rounds/{w.round.id}/recommendations",
        json={"application_ids": [more[0].id, more[1].id]},
        headers=w.headers["chengdu"],
    )
    assert res.status_code == 409 and "application_ids" in res.json["errors"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"application_ids": "1"},
        {"application_ids": [0]},
        {"application_ids": [-1]},
        {"application_ids": [2**63]},
        {"application_ids": [1.5]},
        {"application_ids": [None]},
    ],
)
def test_bad_rankings_are_refused(client, vetting_world, body):
    res = client.put(
        f"/api/v1/rounds/{vetting_world.round.id}/recommendations",
        json=body,
        headers=vetting_world.headers["chengdu"],
    )
    assert res.status_code == 422, res.json


def test_a_ranking_naming_an_id_twice_or_unknown(client, vetting_world):
    w = vetting_world
    endorse(client, w, w.apps.wuhou1)
    put = lambda ids: client.put(
        f"/api/v1/rounds/{w.round.id}/recommendations",
        json={"application_ids": ids},
        headers=w.headers["chengdu"],
    )
    assert put([w.apps.wuhou1.id, w.apps.wuhou1.id]).status_code == 422
    assert put([999999]).status_code == 404
    assert put([w.apps.fucheng.id]).status_code == 404  # 绵阳's


# ------------------------------------------------------------------------------------ the scope


def test_offices_see_only_their_region(client, vetting_world):
    w = vetting_world

    def queue(office, **params):
        res = client.get(
            f"/api/v1/rounds/{w.round.id}/vetting", query_string=params, headers=w.headers[office]
        )
        assert res.status_code == 200, res.json
        return {a["id"] for a in res.json}

    assert queue("wuhou") == {w.apps.wuhou1.id, w.apps.wuhou2.id}
    assert queue("jinjiang") == {w.apps.jinjiang.id}  # not the county applicant: it goes to the city
    assert queue("fucheng") == {w.apps.fucheng.id}
    assert queue("chengdu") == {w.apps.county.id}  # only what reached the city
    assert queue("mianyang") == set()
    endorse(client, w, w.apps.wuhou1)
    endorse(client, w, w.apps.fucheng, "fucheng")
    assert queue("chengdu") == {w.apps.county.id, w.apps.wuhou1.id}
    assert queue("chengdu", status="endorsed") == {w.apps.wuhou1.id}
    assert queue("mianyang") == {w.apps.fucheng.id}
    assert queue("wuhou", status="endorsed") == {w.apps.wuhou1.id}


def test_another_regions_application_is_not_found(client, vetting_world):
    w = vetting_world
    endorse(client, w, w.apps.fucheng, "fucheng")
    for office, app in (
        ("wuhou", w.apps.jinjiang),
        ("jinjiang", w.apps.wuhou1),
        ("chengdu", w.apps.fucheng),
        ("mianyang", w.apps.wuhou1),
        ("wuhou", w.apps.fucheng),
    ):
        for action, body in (
            ("endorse", {}),
            ("return", {"reason": "r"}),
            ("decline", {"reason": "r"}),
            ("check", {"passed": True}),
        ):
            res = post(client, f"/applications/{app.id}/{action}", w.headers[office], body)
            assert res.status_code in (403, 404), (office, action, res.json)
            if office in ("wuhou", "jinjiang") and action == "endorse":
                assert res.status_code == 404
        checks = client.get(f"/api/v1/applications/{app.id}/checks", headers=w.headers[office])
        assert checks.status_code == 404
        assert client.get(f"/api/v1/applications/{app.id}", headers=w.headers[office]).status_code == 404
    assert status_of(w.apps.jinjiang) == "submitted" and status_of(w.apps.wuhou1) == "submitted"


def test_a_draft_is_out_of_sight(client, vetting_world, make_application):
    w = vetting_world
    draft = make_application(w.round, "510107", status="draft")
    assert endorse(client, w, draft).status_code == 404
    assert draft.id not in {
        a["id"] for a in client.get(f"/api/v1/rounds/{w.round.id}/vetting", headers=w.headers["wuhou"]).json
    }


@pytest.mark.parametrize("role", ["admin", "reviewer", "applicant"])
def test_other_roles_are_refused(client, vetting_world, make_user, role):
    w = vetting_world
    _, headers = make_user(role)
    assert client.get(f"/api/v1/rounds/{w.round.id}/vetting", headers=headers).status_code == 403
    assert client.get(f"/api/v1/rounds/{w.round.id}/quota", headers=headers).status_code == 403
    assert post(client, f"/applications/{w.apps.wuhou1.id}/endorse", headers).status_code == 403
    assert (
        client.put(
            f"/api/v1/rounds/{w.round.id}/recommendations", json={"application_ids": []}, headers=headers
        ).status_code
        == 403
    )


def test_anonymous_callers_sign_in_first(client, vetting_world):
    w = vetting_world
    assert client.get(f"/api/v1/rounds/{w.round.id}/vetting").status_code == 401
    assert post(client, f"/applications/{w.apps.wuhou1.id}/endorse", {}).status_code == 401


def test_an_office_without_a_valid_scope_sees_nothing(client, vetting_world, make_user):
    _, headers = make_user("county_office", home_region_code=None)
    w = vetting_world
    assert client.get(f"/api/v1/rounds/{w.round.id}/vetting", headers=headers).json == []
    assert post(client, f"/applications/{w.apps.wuhou1.id}/endorse", headers).status_code == 404


def test_a_deactivated_office_is_refused(client, vetting_world):
    w = vetting_world
    w.users["wuhou"].active = False
    db.session.commit()
    res = client.get(f"/api/v1/rounds/{w.round.id}/vetting", headers=w.headers["wuhou"])
    assert res.status_code in (401, 403)
