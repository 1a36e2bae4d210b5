"""``flask demo load``: demo accounts, Sichuan organisations, open rounds and valid applications."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import func, select

from evaluator.accounts.models import Organisation, User
from evaluator.accounts.service import check_region
from evaluator.applications.models import Application
from evaluator.audit.models import AuditEvent
from evaluator.audit.service import verify_chain
from evaluator.demo.loader import PASSWORDS
from evaluator.demo.regions import COUNTIES
from evaluator.extensions import db
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.scoring.engine import score_round

KINDS = {
    "community_governance_zone": "county",
    "subdistrict_service_zone": "subdistrict",
    "featured_community": "community",
}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _counts() -> dict[str, int]:
    return {m.__name__: _count(m) for m in (User, Organisation, Round, Application, AuditEvent)}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_load_creates_open_rounds_with_applications_that_score(runner):
    res = runner.invoke(args=["demo", "load"])
    assert res.exit_code == 0, res.output
    every = db.session.scalars(select(Round).order_by(Round.id)).all()
    rounds = [r for r in every if r.phase == "open"]
    assert sorted(r.criteria_id for r in rounds) == ["cgz-2026", "fc-2026", "ssz-2026"]
    assert [r.phase for r in every if r not in rounds] == ["final", "scoring_closed"]
    now = datetime.now(UTC)
    vetoed = missing = 0
    for rnd in rounds:
        assert rnd.phase == "open"
        assert _aware(rnd.submission_deadline) > now and _aware(rnd.review_deadline) > now
        apps = db.session.scalars(
            select(Application).where(Application.round_id == rnd.id).order_by(Application.id)
        ).all()
        assert len(apps) == 30
        statuses = [a.status for a in apps]
        assert statuses.count("submitted") >= 25 and 1 <= statuses.count("draft") <= 5
        for app in apps:
            assert (app.submitted_at is not None) == (app.status == "submitted")
            if app.submitted_at is not None:
                assert _aware(rnd.opens_at) <= _aware(app.submitted_at) <= now
            assert app.organisation.kind == KINDS[rnd.zone_type]
        cs = round_criteria(rnd)
        keys = {f.key for f in cs.fields}
        assert all(set(a.figures) <= keys for a in apps)
        missing += sum(len(a.figures) < len(keys) for a in apps)  # the planted missing figure
        table = pd.DataFrame([{"id": str(a.id), **a.figures} for a in apps])
        result = score_round(cs, table)  # raises InputError on any bad figure
        assert len(result.ids) == 30
        vetoed += int(result.vetoed.sum())
    assert vetoed >= 1 and missing >= 1  # the demo's edge cases are there
    assert "admin" in res.output and PASSWORDS["admin"] in res.output

    places = {(c.city, c.city_code, c.county, c.county_code): dict(c.subdistricts) for c in COUNTIES}
    orgs = db.session.scalars(select(Organisation)).all()
    assert len(orgs) == 91 and len({o.name for o in orgs}) == 91
    for org in orgs:
        data = {
            k: getattr(org, k) for k in ("city_code", "county_code", "subdistrict_code", "community_code")
        }
        assert check_region(data) == {}, (org.name, data)
        subs = places[(org.city, org.city_code, org.county, org.county_code)]
        if org.kind != "county":
            assert subs[org.subdistrict_code] == org.subdistrict
        if org.kind == "community":
            assert len(org.community_code) == 12
    assert len({o.community_code for o in orgs if o.community_code}) == 31

    reviewers = db.session.scalars(select(User).where(User.role == "reviewer")).all()
    assert len(reviewers) >= 10
    assert all(r.affiliation and r.home_region_code and r.expertise for r in reviewers)
    offices = db.session.scalars(select(User).where(User.role.in_(("county_office", "city_office")))).all()
    counties = {c.county_code for c in COUNTIES}
    assert {u.home_region_code for u in offices if u.role == "county_office"} == counties
    assert {u.home_region_code for u in offices if u.role == "city_office"} == {c.city_code for c in COUNTIES}
    applicants = db.session.scalars(select(User).where(User.role == "applicant")).all()
    assert len({u.organisation_id for u in applicants}) == len(applicants) == 91
    report = verify_chain()
    assert report.ok and report.events == _count(AuditEvent)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    # three rounds opened; the scored ones opened, entered review and closed scoring; last year's
    # went on to the notice and the recognition
    assert actions.count("round.transition") == 3 + 3 + 5 and actions.count("application.created") == 150
    assert actions.count("shortlist.published") == 2 and actions.count("recognition.published") == 1


def test_the_scored_round_went_through_the_whole_procedure(runner):
    from evaluator.assignments.models import Assignment
    from evaluator.results.models import ApplicationResult, ResultSnapshot
    from evaluator.reviews.models import Review

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    rnd = db.session.scalars(select(Round).where(Round.phase == "scoring_closed")).one()
    apps = db.session.scalars(select(Application).where(Application.round_id == rnd.id)).all()
    statuses = {a.status for a in apps}
    # those their city did not recommend were closed when the round entered review
    assert "under_review" in statuses and statuses <= {"under_review", "not_recommended"}
    reviewed = [a for a in apps if a.status == "under_review"]
    assert all(a.city_rank for a in reviewed)  # every one of them was recommended by its city
    panels = db.session.scalars(select(Assignment).where(Assignment.round_id == rnd.id)).all()
    assert len(panels) == 5 * len(reviewed)
    for row in panels:  # no reviewer scores an application of their own county
        assert row.reviewer.home_region_code[:6] != row.application.organisation.county_code
    reviews = db.session.scalars(select(Review).where(Review.round_id == rnd.id)).all()
    assert len(reviews) == len(panels) and {r.status for r in reviews} == {"submitted"}
    snapshot = db.session.scalars(select(ResultSnapshot).where(ResultSnapshot.round_id == rnd.id)).one()
    assert snapshot.criteria_sha256 == rnd.criteria_sha256
    lines = db.session.scalars(
        select(ApplicationResult).where(ApplicationResult.snapshot_id == snapshot.id)
    ).all()
    assert len(lines) == len(reviewed)
    assert {line.status for line in lines} >= {"ranked", "vetoed"}
    ranks = sorted(line.rank for line in lines if line.rank)
    assert ranks == list(range(1, len(ranks) + 1))


def test_demo_admin_logs_in_with_the_printed_password(runner, client):
    res = runner.invoke(args=["demo", "load", "--applicants", "3"])
    assert res.exit_code == 0, res.output
    password = re.search(r"^\s*admin\s+(\S+)", res.output, re.M).group(1)
    token = client.post("/api/v1/auth/token", json={"username": "admin", "password": password})
    assert token.status_code == 201, token.json
    headers = {"Authorization": f"Bearer {token.json['token']}"}
    assert client.get("/api/v1/users/me", headers=headers).json["role"] == "admin"
    listed = client.get("/api/v1/rounds", headers=headers).json
    assert len(listed) == 5
    assert sorted(r["phase"] for r in listed) == ["final"] + ["open"] * 3 + ["scoring_closed"]
    tour = client.post(
        "/api/v1/auth/token", json={"username": "applicant", "password": PASSWORDS["applicant"]}
    )
    assert tour.status_code == 201 and tour.json["role"] == "applicant"


def test_loading_twice_is_refused_and_reset_reloads(runner):
    assert runner.invoke(args=["demo", "load", "--applicants", "4"]).exit_code == 0
    before = _counts()
    again = runner.invoke(args=["demo", "load", "--applicants", "4"])
    assert again.exit_code == 1
    assert "already holds data" in again.output and "--reset" in again.output
    assert _counts() == before  # nothing changed

    kept = runner.invoke(args=["demo", "load", "--if-empty"])
    assert kept.exit_code == 0 and "not loaded again" in kept.output and _counts() == before

    reset = runner.invoke(args=["demo", "load", "--applicants", "4", "--reset"])
    assert reset.exit_code == 0, reset.output
    assert _counts() == before  # the same demo again, the audit log restarted with it
    assert db.session.scalars(select(AuditEvent.action)).all().count("demo.loaded") == 1
    assert verify_chain().ok
    assert _count(Round) == 5 and _count(Application) == 20


def test_bad_options_write_nothing(runner):
    res = runner.invoke(args=["demo", "load", "--applicants", "500"])
    assert res.exit_code == 1 and "--applicants" in res.output
    assert all(v == 0 for v in _counts().values())
