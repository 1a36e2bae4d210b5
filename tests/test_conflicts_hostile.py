"""Attacks on declared conflicts: the profile's picker naming the applicants of a blind round, a
recusal followed by a declaration to learn whose application it was, mass declarations steering the
automatic assignment to the one application chosen, and two decisions on one declaration at once."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from evaluator.applications.models import Application
from evaluator.assignments.conflicts import application_conflicts
from evaluator.assignments.models import Assignment, ConflictDeclaration
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from tests.live import parallel
from tests.pages import post

AUTO = "/api/v1/rounds/{}/assignments/auto"


def declare(client, rnd, headers, organisation, reason="亲属关系"):
    return client.post(
        f"/api/v1/rounds/{rnd.id}/conflicts",
        json={"organisation": organisation, "reason": reason},
        headers=headers,
    )


def reviewer_surfaces(client, page, case, assignment, headers):
    """Everything the reviewer can read in the round: pages and API answers, as one text."""
    texts = [
        page.get(url).get_data(as_text=True)
        for url in ("/reviewer", "/reviewer/assignments", "/reviewer/profile")
    ]
    texts.append(page.get(f"/reviewer/assignments/{assignment.id}/recuse").get_data(as_text=True))
    for url in (
        "/api/v1/assignments?mine=1",
        "/api/v1/assignments?mine=1&status=recused",
        f"/api/v1/assignments/{assignment.id}",
        f"/api/v1/assignments/{assignment.id}/review",
        f"/api/v1/rounds/{case.round.id}/conflicts",
    ):
        texts.append(client.get(url, headers=headers).get_data(as_text=True))
    return "\n".join(texts)


def test_the_profile_lists_no_applicant_of_a_blind_round(
    client, page_client, make_review_case, make_round, make_org
):
    """The old picker listed every application of every open or reviewing round with its organisation
    and county (<option value="145">雅安市雨城区 · …), and the blind sheet said "Application 145"."""
    case = make_review_case(applications=3, settings={"blind": True})
    open_round = make_round("open", title="申报中批次")
    other = make_org(name="雨城区某某社区", county="雨城区", county_code="511802")
    db.session.add(
        Application(round_id=open_round.id, organisation_id=other.id, status="submitted", figures={})
    )
    db.session.commit()
    c = page_client(user=case.reviewers[0][0])
    html = c.get("/reviewer/profile").get_data(as_text=True)
    for app in case.applications:
        assert app.organisation.name not in html
    assert other.name not in html and "雨城区" not in html and "锦江区" not in html
    form = html[html.index('id="conflict-form"') :]
    assert 'name="organisation"' in form and "<select" in form  # the rounds' select, and a text box
    options = re.findall(r'<option value="(\d*)"', form)  # the rounds only, never an application
    assert set(options) == {"", str(case.round.id), str(open_round.id)}


def test_a_recused_reviewer_cannot_learn_whose_application_it_was(
    client, admin, page_client, make_review_case, make_reviewer
):
    """Before: after recusing from "Application 145" the reviewer declared a conflict on application
    145, and the profile then named its organisation. Now a declaration names an organisation, and
    every answer is the same whether or not it is the recused application's."""
    case = make_review_case(applications=2, reviewers=1, settings={"blind": True})
    make_reviewer(region="510703", affiliation="西南交大")  # takes the place
    user, h = case.reviewers[0]
    scored, other = case.applications
    assignment = case.assignment(0, 0)
    res = client.post(f"/api/v1/assignments/{assignment.id}/recuse", json={"reason": "认识"}, headers=h)
    assert res.status_code == 200, res.get_json()
    right = declare(client, case.round, h, scored.organisation.name)
    wrong = declare(client, case.round, h, "毫不相干的社区")
    held = declare(client, case.round, h, other.organisation.name)  # still assigned to it, blind
    assert right.status_code == wrong.status_code == held.status_code == 201

    def shape(res):
        body = res.get_json()
        return sorted(body), body["status"], body["decision_reason"]

    assert shape(right) == shape(wrong) == shape(held)
    assert "organisation_id" not in right.get_json()
    page = page_client(user=user)
    seen = reviewer_surfaces(client, page, case, assignment, h)
    # What the reviewer typed comes back, nothing more: no county, no subdistrict, no application.
    assert "锦江区" not in seen and "春熙路" not in seen
    listed = client.get(f"/api/v1/rounds/{case.round.id}/conflicts", headers=h).get_json()
    assert {key for c in listed for key in c} == set(right.get_json())
    assert not {"application_id", "organisation_id", "organisation", "active_assignment"} & set(
        right.get_json()
    )
    # Only the office learns which declaration concerns which application, and that one is held.
    office = db.session.scalars(select(ConflictDeclaration).order_by(ConflictDeclaration.id)).all()
    assert [d.organisation_id for d in office] == [scored.organisation_id, None, other.organisation_id]
    admin_view = client.get(f"/api/v1/conflicts/{held.get_json()['id']}", headers=admin).get_json()
    assert admin_view["application_id"] == other.id and admin_view["active_assignment"] is True


def _round_pair(review_round, make_reviewer):
    """The same six organisations under review in two rounds, and six reviewers free of any rule."""
    first, apps = review_round(6, counties=["510104"], settings={"reviewers_per_application": 2})
    second, _ = review_round(0, settings={"reviewers_per_application": 2})
    twins = [
        Application(round_id=second.id, organisation_id=a.organisation_id, status="under_review", figures={})
        for a in apps
    ]
    db.session.add_all(twins)
    db.session.commit()
    reviewers = [make_reviewer(region="510302") for _ in range(6)]
    return first, second, apps, twins, reviewers


def _by_organisation(rnd):
    db.session.expire_all()
    rows = db.session.execute(
        select(Application.organisation_id, Assignment.reviewer_id)
        .join(Application, Application.id == Assignment.application_id)
        .where(Assignment.round_id == rnd.id, Assignment.status == "active")
    )
    return sorted(rows)


def test_mass_declarations_no_longer_steer_the_automatic_assignment(
    client, admin, review_round, make_reviewer
):
    """Before: a reviewer declared conflicts with every other application, waited for the automatic
    run, and got exactly the one they chose. Now pending declarations bind nothing, the round caps
    them (5 by default), and only the office's acceptance makes one bind."""
    plain, steered, apps, twins, reviewers = _round_pair(review_round, make_reviewer)
    steerer, h = reviewers[0]
    chosen = apps[5].organisation
    others = [a.organisation.name for a in apps[:5]]
    assert all(declare(client, steered, h, name).status_code == 201 for name in others)
    refused = declare(client, steered, h, "第六个社区")
    assert refused.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(ConflictDeclaration)) == 5
    for rnd in (plain, steered):
        assert client.post(AUTO.format(rnd.id), json={"seed": 7}, headers=admin).status_code == 200
    # Pending declarations changed nothing: the same seed gives the same panels as in the round
    # where nobody declared anything.
    assert _by_organisation(steered) == _by_organisation(plain)
    mine = {o for o, r in _by_organisation(steered) if r == steerer.id}
    assert mine != {chosen.id}, "the reviewer steered themselves onto the chosen application"
    # The office decides: a refusal keeps the pair possible; an acceptance excludes it.
    ids = [d.id for d in db.session.scalars(select(ConflictDeclaration).order_by(ConflictDeclaration.id))]
    etag = client.get(f"/api/v1/conflicts/{ids[0]}", headers=admin).headers["ETag"]
    res = client.post(
        f"/api/v1/conflicts/{ids[0]}/decision",
        json={"decision": "accepted", "reason": "属实"},
        headers={**admin, "If-Match": etag},
    )
    assert res.status_code == 200
    # Accepted, it binds (an assignment made before stays until the office takes the reviewer off).
    assert "declared" in application_conflicts(steered, twins[0].id).get(steerer.id, [])
    assert steerer.id not in application_conflicts(steered, twins[1].id)  # still pending


def test_two_declarations_at_once_do_not_pass_the_cap(live_workers, review_round, make_reviewer):
    rnd, _apps = review_round(1, settings={"max_declared_conflicts": 1})
    _, h = make_reviewer()
    url = f"/api/v1/rounds/{rnd.id}/conflicts"
    replies = parallel(
        [
            lambda n=n: live_workers.request("POST", url, {"organisation": f"社区{n}", "reason": "亲属"}, h)
            for n in range(3)
        ]
    )
    assert sorted(r.status for r in replies) == [201, 409, 409], live_workers.log()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ConflictDeclaration)) == 1


def test_two_decisions_at_once_on_one_declaration(
    live_workers, admin, review_round, make_reviewer, make_user
):
    rnd, apps = review_round(1)
    _, h = make_reviewer()
    _, office2 = make_user("admin")
    created = live_workers.request(
        "POST",
        f"/api/v1/rounds/{rnd.id}/conflicts",
        {"organisation": apps[0].organisation.name, "reason": "亲属"},
        h,
    )
    assert created.status == 201, live_workers.log()
    url = f"/api/v1/conflicts/{created.body['id']}/decision"
    etag = created.headers["ETag"]
    replies = parallel(
        [
            lambda: live_workers.request(
                "POST", url, {"decision": "accepted", "reason": "属实"}, {**admin, "If-Match": etag}
            ),
            lambda: live_workers.request(
                "POST", url, {"decision": "refused", "reason": "不属实"}, {**office2, "If-Match": etag}
            ),
        ]
    )
    assert sorted(r.status for r in replies) == [200, 412], live_workers.log()
    winner = next(r for r in replies if r.status == 200).body
    db.session.rollback()
    row = db.session.get(ConflictDeclaration, created.body["id"])
    assert (row.status, row.version) == (winner["status"], 2)
    decisions = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "conflict.decide")).all()
    assert len(decisions) == 1 and decisions[0].summary["status"]["after"] == row.status


def test_a_decision_with_a_stale_version_on_the_page_changes_nothing(
    client, page_client, admin, review_round, make_reviewer
):
    rnd, apps = review_round(1)
    _, h = make_reviewer()
    made = declare(client, rnd, h, apps[0].organisation.name).get_json()
    office = page_client("admin")
    url = f"/office/conflicts/{made['id']}/decision"
    assert post(office, url, {"decision": "accepted", "reason": "属实", "version": "1"}).status_code == 303
    res = post(office, url, {"decision": "refused", "reason": "不属实", "version": "1"})
    assert res.status_code == 422 and "since you read it" in res.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ConflictDeclaration, made["id"]).status == "accepted"
