"""Declared conflicts through the API: a reviewer against an organisation, an applicant against a
reviewer, the office's decision (If-Match, reasons, audit), the round's limit, and what binds."""

from __future__ import annotations

from sqlalchemy import select

from evaluator.assignments.models import Assignment, ConflictDeclaration
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db

AUTO = "/api/v1/rounds/{}/assignments/auto"


def declare(client, rnd, headers, **body):
    """POST a declaration for the round."""
    return client.post(
        f"/api/v1/rounds/{rnd.id}/conflicts", json={"reason": "亲属关系", **body}, headers=headers
    )


def decide(client, declaration_id, admin, decision="accepted", reason="属实", etag=None, **extra):
    """The office's decision, with the ETag read (or the one given)."""
    if etag is None:
        etag = client.get(f"/api/v1/conflicts/{declaration_id}", headers=admin).headers["ETag"]
    return client.post(
        f"/api/v1/conflicts/{declaration_id}/decision",
        json={"decision": decision, "reason": reason, **extra},
        headers={**admin, "If-Match": etag},
    )


def active(rnd, reviewer_id):
    db.session.expire_all()
    return set(
        db.session.scalars(
            select(Assignment.application_id).where(
                Assignment.round_id == rnd.id,
                Assignment.reviewer_id == reviewer_id,
                Assignment.status == "active",
            )
        )
    )


def test_a_reviewer_declares_against_an_organisation_and_reads_only_what_they_wrote(
    client, admin, review_round, make_reviewer
):
    rnd, apps = review_round(2)
    rev, h = make_reviewer(region="510302")
    name = apps[0].organisation.name
    res = declare(client, rnd, h, organisation=f"  {name}\u3000")  # an ideographic space is folded
    assert res.status_code == 201 and res.headers["ETag"] == '"v1"'
    body = res.get_json()
    assert body["organisation_name"] == name and body["status"] == "pending"
    assert body["reviewer_id"] == rev.id and body["reason"] == "亲属关系"
    # The reviewer is never told whether the name matched a registered organisation, nor what it is.
    for office_only in (
        "organisation_id",
        "organisation",
        "application_id",
        "active_assignment",
        "candidates",
    ):
        assert office_only not in body
    row = db.session.get(ConflictDeclaration, body["id"])
    assert row.organisation_id == apps[0].organisation_id and row.declared_by == rev.id
    listed = client.get(f"/api/v1/rounds/{rnd.id}/conflicts", headers=h).get_json()
    assert [c["id"] for c in listed] == [body["id"]]
    office = client.get(f"/api/v1/conflicts/{body['id']}", headers=admin).get_json()
    assert office["organisation_id"] == apps[0].organisation_id and office["application_id"] == apps[0].id
    assert office["active_assignment"] is False and office["declared_by"] == rev.id
    # Another reviewer neither lists nor reads it.
    _, other = make_reviewer(region="510603")
    assert client.get(f"/api/v1/rounds/{rnd.id}/conflicts", headers=other).get_json() == []
    theirs = client.get(f"/api/v1/conflicts/{body['id']}", headers=other)
    missing = client.get("/api/v1/conflicts/2147483647", headers=other)
    assert theirs.status_code == missing.status_code == 404  # as for a declaration that does not exist
    assert theirs.get_json()["message"].replace(str(body["id"]), "#") == missing.get_json()[
        "message"
    ].replace("2147483647", "#")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "conflict.declare"))
    assert event.summary["organisation_name"] == name and event.summary["side"] == "reviewer"


def test_the_declaration_is_checked(client, review_round, make_reviewer):
    rnd, _apps = review_round(1)
    _, h = make_reviewer()
    assert declare(client, rnd, h, organisation=" ").status_code == 422
    assert declare(client, rnd, h, organisation="x" * 201).status_code == 422
    assert declare(client, rnd, h, organisation="某社区", reason="").status_code == 422
    res = declare(client, rnd, h, organisation="某社区", reviewer_id=5)
    assert res.status_code == 422 and "reviewer_id" in res.get_json()["errors"]
    assert client.post("/api/v1/rounds/999999/conflicts", json={"reason": "x"}, headers=h).status_code == 404
    rnd.phase = "scoring_closed"
    db.session.commit()
    assert declare(client, rnd, h, organisation="某社区").status_code == 409
    assert db.session.scalar(select(ConflictDeclaration.id)) is None


def test_an_applicant_declares_against_a_reviewer_of_the_roster(
    client, admin, review_round, make_reviewer, make_user
):
    rnd, apps = review_round(2)
    org = apps[0].organisation
    _, applicant = make_user("applicant", organisation=org)
    _, stranger = make_user("applicant")  # an organisation without an application in the round
    rev, rev_headers = make_reviewer(region="510302", affiliation="四川大学")
    make_reviewer(region="510603", affiliation="西南财经大学", active=False)
    roster = client.get(f"/api/v1/rounds/{rnd.id}/conflicts/reviewers", headers=applicant)
    assert roster.status_code == 200
    assert roster.get_json() == [{"id": rev.id, "display_name": rev.display_name, "affiliation": "四川大学"}]
    assert client.get(f"/api/v1/rounds/{rnd.id}/conflicts/reviewers", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/rounds/{rnd.id}/conflicts/reviewers", headers=rev_headers).status_code == 403
    assert declare(client, rnd, applicant, organisation="x", reviewer_id=rev.id).status_code == 422
    assert declare(client, rnd, applicant).status_code == 422
    assert declare(client, rnd, applicant, reviewer_id=999999).status_code == 422
    assert declare(client, rnd, stranger, reviewer_id=rev.id).status_code == 409
    res = declare(client, rnd, applicant, reviewer_id=rev.id, reason="该专家曾任本社区顾问")
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert body["side"] == "applicant" and body["reviewer_name"] == rev.display_name
    assert body["organisation_name"] == org.name and body["status"] == "pending"
    # The reviewer never learns of it: their list holds their own declarations only.
    assert client.get(f"/api/v1/rounds/{rnd.id}/conflicts", headers=rev_headers).get_json() == []
    assert client.get(f"/api/v1/conflicts/{body['id']}", headers=rev_headers).status_code == 404
    # Accepted, it binds: the reviewer is never put on this organisation's application.
    assert decide(client, body["id"], admin).status_code == 200
    client.post(AUTO.format(rnd.id), json={"reviewers_per_application": 1}, headers=admin)
    assert apps[0].id not in active(rnd, rev.id) and apps[1].id in active(rnd, rev.id)


def test_the_office_decides_with_if_match_and_a_reason(client, admin, review_round, make_reviewer, make_org):
    rnd, _apps = review_round(1)
    _, h = make_reviewer()
    first = declare(
        client, rnd, h, organisation="玉林社区"
    ).get_json()  # no registered organisation of that name
    near = make_org(name="武侯区玉林街道玉林社区")
    url = f"/api/v1/conflicts/{first['id']}/decision"
    assert client.post(url, json={"decision": "accepted", "reason": "x"}, headers=admin).status_code == 428
    assert client.post(url, json={"decision": "accepted", "reason": "x"}, headers=h).status_code == 403
    assert decide(client, first["id"], admin, decision="pending").status_code == 422
    assert decide(client, first["id"], admin, reason=" ").status_code == 422
    office = client.get(f"/api/v1/conflicts/{first['id']}", headers=admin).get_json()
    assert office["organisation_id"] is None and {"id": near.id, "name": near.name} in office["candidates"]
    res = decide(client, first["id"], admin)
    assert res.status_code == 422 and "organisation_id" in res.get_json()["errors"]
    assert decide(client, first["id"], admin, organisation_id=999999).status_code == 422
    res = decide(client, first["id"], admin, organisation_id=near.id, reason="同一社区")
    assert res.status_code == 200 and res.headers["ETag"] == '"v2"'
    body = res.get_json()
    assert (body["status"], body["decision_reason"], body["organisation_id"]) == (
        "accepted",
        "同一社区",
        near.id,
    )
    # A stale version: 412, nothing changes.
    stale = decide(client, first["id"], admin, decision="refused", etag='"v1"')
    assert stale.status_code == 412 and "If-Match" in stale.get_json()["errors"]
    # The office may change its mind; the declarer reads the decision and its reason.
    assert decide(client, first["id"], admin, decision="refused", reason="关系已解除").status_code == 200
    mine = client.get(f"/api/v1/conflicts/{first['id']}", headers=h).get_json()
    assert (mine["status"], mine["decision_reason"]) == ("refused", "关系已解除")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "conflict.decide").order_by(AuditEvent.id)
    ).all()
    assert [e.summary["status"] for e in events] == [
        {"before": "pending", "after": "accepted"},
        {"before": "accepted", "after": "refused"},
    ]
    rnd.phase = "notice"
    db.session.commit()
    assert decide(client, first["id"], admin, decision="accepted").status_code == 409


def test_the_round_caps_each_declarers_pending_and_accepted_declarations(
    client, admin, make_round, review_round, make_reviewer
):
    rnd, _apps = review_round(1, settings={"max_declared_conflicts": 2})
    _, h = make_reviewer()
    ids = [declare(client, rnd, h, organisation=f"社区{i}").get_json()["id"] for i in range(2)]
    res = declare(client, rnd, h, organisation="社区2")
    assert res.status_code == 409 and "organisation" in res.get_json()["errors"]
    assert declare(client, rnd, h, organisation="社区0").status_code == 201  # the same again: the first stays
    assert decide(client, ids[0], admin, decision="refused").status_code == 200
    assert declare(client, rnd, h, organisation="社区2").status_code == 201  # a refused one no longer counts
    assert declare(client, rnd, h, organisation="社区3").status_code == 409
    # The cap is the round's: another round has its own (the default, 5).
    other = make_round("open", title="另一批次")
    assert all(declare(client, other, h, organisation=f"社区{i}").status_code == 201 for i in range(5))
    assert declare(client, other, h, organisation="社区5").status_code == 409
    # The office sets it in the round's settings, before the review.
    res = client.patch(
        f"/api/v1/rounds/{other.id}/settings", json={"max_declared_conflicts": 0}, headers=admin
    )
    assert res.status_code == 200 and res.get_json()["max_declared_conflicts"] == 0
    bad = client.patch(
        f"/api/v1/rounds/{other.id}/settings", json={"max_declared_conflicts": -1}, headers=admin
    )
    assert bad.status_code == 422


def test_accepted_declarations_bind_only_while_the_rounds_rule_is_on(
    client, admin, review_round, make_reviewer
):
    rnd, apps = review_round(1, counties=["510104"], settings={"reviewers_per_application": 1})
    rnd.settings = {"reviewers_per_application": 1, "conflicts": {"declared": False}}
    db.session.commit()
    rev, h = make_reviewer(region="510302")
    row = declare(client, rnd, h, organisation=apps[0].organisation.name).get_json()
    assert decide(client, row["id"], admin).status_code == 200
    client.post(AUTO.format(rnd.id), json={}, headers=admin)
    assert active(rnd, rev.id) == {apps[0].id}
