"""The region steps switched per round, and the passage into review."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evaluator.applications.models import Application
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.rounds.phases import move_round
from evaluator.vetting import service as vetting
from evaluator.vetting.quota import enter_review, quota_status, recommend


def status_of(app):
    db.session.expire_all()
    return db.session.get(Application, app.id).status


def test_county_step_off_the_city_acts_on_submitted(vetting_world, set_steps):
    w = vetting_world
    set_steps(w.round, county_step=False)
    chengdu = w.users["chengdu"]
    with pytest.raises(Exception) as refused:
        vetting.endorse(w.users["wuhou"], w.apps.wuhou1)
    assert refused.value.status == 409
    db.session.rollback()
    queue = {a.id for a in db.session.scalars(vetting.queue_query(chengdu, w.round))}
    assert queue == {w.apps.wuhou1.id, w.apps.wuhou2.id, w.apps.jinjiang.id, w.apps.county.id}
    assert {a.id for a in db.session.scalars(vetting.queue_query(w.users["wuhou"], w.round))} == set()
    vetting.check(chengdu, w.apps.wuhou1, True)
    vetting.check(chengdu, w.apps.county, True)
    recommend(chengdu, w.round, "510100", [w.apps.wuhou1.id, w.apps.county.id])
    db.session.commit()
    assert status_of(w.apps.wuhou1) == "recommended"
    assert quota_status(chengdu, w.round)["applications"] == 4


def test_city_step_off_endorsed_go_straight_to_review(vetting_world, set_steps, make_user):
    w = vetting_world
    set_steps(w.round, city_step=False)
    vetting.endorse(w.users["wuhou"], w.apps.wuhou1)
    db.session.commit()
    with pytest.raises(Exception) as refused:
        vetting.check(w.users["chengdu"], w.apps.wuhou1, True)
    assert refused.value.status == 409
    db.session.rollback()
    admin, _ = make_user("admin")
    move_round(admin, w.round, "review")
    db.session.commit()
    assert status_of(w.apps.wuhou1) == "under_review"
    assert status_of(w.apps.county) == "under_review"  # a county applicant passes no county step
    assert status_of(w.apps.wuhou2) == "not_recommended"  # not endorsed: its vetting is closed


def test_both_steps_off_submitted_go_to_review(vetting_world, set_steps, make_user, make_application):
    w = vetting_world
    set_steps(w.round, county_step=False, city_step=False)
    draft = make_application(w.round, "510107", status="draft")
    admin, _ = make_user("admin")
    move_round(admin, w.round, "review")
    db.session.commit()
    for app in vars(w.apps).values():
        assert status_of(app) == "under_review"
    assert status_of(draft) == "draft"


def test_only_recommended_enter_review_when_both_steps_are_on(vetting_world, make_user):
    w = vetting_world
    vetting.endorse(w.users["wuhou"], w.apps.wuhou1)
    vetting.endorse(w.users["wuhou"], w.apps.wuhou2)
    vetting.check(w.users["chengdu"], w.apps.wuhou1, True)
    recommend(w.users["chengdu"], w.round, "510100", [w.apps.wuhou1.id])
    db.session.commit()
    version = db.session.get(Application, w.apps.wuhou1.id).version
    admin, _ = make_user("admin")
    move_round(admin, w.round, "review")
    db.session.commit()
    assert status_of(w.apps.wuhou1) == "under_review"
    assert db.session.get(Application, w.apps.wuhou1.id).version == version + 1  # the ETag changes
    others = [status_of(a) for a in (w.apps.wuhou2, w.apps.jinjiang, w.apps.county)]
    assert others == ["not_recommended"] * 3  # left at a step: none stays in between
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.entered_review"))
    assert event.summary["application_ids"] == [w.apps.wuhou1.id] and event.summary["applications"] == 1


def test_enter_review_needs_an_open_round(vetting_world):
    w = vetting_world
    w.round.phase = "review"
    with pytest.raises(Exception) as refused:
        enter_review(None, w.round)
    assert refused.value.status == 409


def test_enter_review_of_many_applications_is_one_statement(make_round, make_org, make_user):
    """Thousands of applications move in one UPDATE with one audit event (no event each)."""
    from evaluator.accounts.models import Organisation

    rnd = make_round()
    rnd.settings = {"county_step": False, "city_step": False}
    orgs = [
        Organisation(
            name=f"社区{k}",
            kind="community",
            city="成都市",
            city_code="510100",
            county="武侯区",
            county_code="510107",
        )
        for k in range(600)
    ]
    db.session.add_all(orgs)
    db.session.flush()
    db.session.add_all(
        [Application(round_id=rnd.id, organisation_id=o.id, status="submitted", figures={}) for o in orgs]
    )
    db.session.commit()
    before = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    admin, _ = make_user("admin")
    moved = enter_review(admin, rnd)
    db.session.commit()
    assert len(moved) == 600
    assert (
        db.session.scalar(
            select(db.func.count()).select_from(Application).where(Application.status == "under_review")
        )
        == 600
    )
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == before + 1


def test_clean_note():
    assert vetting.clean_note("  原因  ", required=True) == "原因"
    assert vetting.clean_note("", required=False) is None
    for bad in ("", "  ", None, 7, "x" * 2001, "a\x00"):
        with pytest.raises(Exception) as refused:
            vetting.clean_note(bad, required=True)
        assert refused.value.status == 422 and "reason" in refused.value.errors
