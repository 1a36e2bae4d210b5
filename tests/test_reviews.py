"""Reviews through the API: bounds, scope, vetoes, bonus verification, completeness on submit, draft
and submitted, the phase lock, inactive assignments, other reviewers, the version check and the
audit's before and after."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.reviews.models import Review

FULL = {
    "scores": {"plan_quality": 8, "onsite": 5.5, "novelty": 3},
    "comments": {"plan_quality": "方案完整", "": "总体较好"},
    "bonus_verified": {"meeting": True},
}


def url(assignment) -> str:
    return f"/api/v1/assignments/{assignment.id}/review"


def put(client, assignment, body, headers, version="v0"):
    extra = {} if version is None else {"If-Match": f'"{version}"'}
    return client.put(url(assignment), json=body, headers={**headers, **extra})


@pytest.fixture
def case(make_review_case):
    return make_review_case()


def bounds_of(client, case) -> dict[str, float]:
    res = client.get(f"/api/v1/assignments/{case.assignment().id}/sheet", headers=case.headers())
    return {i["id"]: i["points"] for i in res.get_json()["indicators"]}


def test_first_get_is_an_empty_review_with_version_zero(client, case):
    res = client.get(url(case.assignment()), headers=case.headers())
    assert res.status_code == 200
    assert res.headers["ETag"] == '"v0"'
    body = res.get_json()
    assert body["status"] == "not_started" and body["version"] == 0 and body["scores"] == {}
    assert body["progress"] == {"scored": 0, "total": 3}


def test_a_draft_is_saved_and_stored_as_float64_aligned_with_the_expert_indicators(client, case):
    res = put(client, case.assignment(), {"scores": {"novelty": 2.5}}, case.headers())
    assert res.status_code == 200, res.get_json()
    assert res.headers["ETag"] == '"v1"'
    body = res.get_json()
    assert body["status"] == "draft" and body["scores"] == {"novelty": 2.5}
    assert body["progress"] == {"scored": 1, "total": 3}
    review = db.session.scalar(select(Review))
    values = np.frombuffer(review.scores, dtype="<f8")
    assert values.shape == (3,) and np.isnan(values[0]) and np.isnan(values[1]) and values[2] == 2.5


def test_scores_are_bounded_by_the_indicator_points(client, case):
    points = bounds_of(client, case)
    for bad in (-0.5, points["novelty"] + 0.01, 1e308):
        res = put(client, case.assignment(), {"scores": {"novelty": bad}}, case.headers())
        assert res.status_code == 422
        assert "novelty" in res.get_json()["errors"]["scores"]
    assert (
        put(client, case.assignment(), {"scores": {"novelty": points["novelty"]}}, case.headers()).status_code
        == 200
    )


@pytest.mark.parametrize("bad", ["3", True, [1], {"a": 1}])
def test_a_score_is_a_json_number(client, case, bad):
    res = put(client, case.assignment(), {"scores": {"novelty": bad}}, case.headers())
    assert res.status_code == 422
    assert "novelty" in res.get_json()["errors"]["scores"]


def test_nan_and_infinity_are_refused(client, case):
    for literal in ("NaN", "Infinity", "-Infinity"):
        res = client.put(
            url(case.assignment()),
            data=f'{{"scores": {{"novelty": {literal}}}}}',
            headers={**case.headers(), "If-Match": '"v0"', "Content-Type": "application/json"},
        )
        assert res.status_code in (400, 422), literal
    assert db.session.scalar(select(Review)) is None


def test_indicators_outside_the_scope_are_refused_by_name(client, case):
    for bad in ("size", "basics", "nope"):  # an automatic indicator, a section, an unknown id
        res = put(client, case.assignment(), {"scores": {bad: 1}}, case.headers())
        assert res.status_code == 422
        assert bad in res.get_json()["errors"]["scores"]
    res = put(client, case.assignment(), {"comments": {"size": "x"}}, case.headers())
    assert "size" in res.get_json()["errors"]["comments"]


def test_on_site_group_splits_the_scope(client, make_review_case):
    case = make_review_case(settings={"on_site_group": True})
    res = put(client, case.assignment(), {"scores": {"onsite": 1}}, case.headers())
    assert res.status_code == 422 and "onsite" in res.get_json()["errors"]["scores"]
    inspection = make_review_case(settings={"on_site_group": True}, kind="on_site")
    res = put(
        client,
        inspection.assignment(),
        {"scores": {"onsite": 1}, "status": "submitted", "bonus_verified": {"meeting": True}},
        inspection.headers(),
    )
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["progress"] == {"scored": 1, "total": 1}


def test_comments_follow_the_text_rule_and_limits(client, case):
    res = put(client, case.assignment(), {"comments": {"novelty": "a\x00b"}}, case.headers())
    assert res.status_code == 422 and "novelty" in res.get_json()["errors"]["comments"]
    res = put(client, case.assignment(), {"comments": {"novelty": "x" * 2001}}, case.headers())
    assert res.status_code == 422 and "novelty" in res.get_json()["errors"]["comments"]
    res = put(client, case.assignment(), {"comments": {"": "y" * 5001}}, case.headers())
    assert res.status_code == 422
    res = put(
        client, case.assignment(), {"comments": {"": "多行\n意见\t可以", "novelty": "  "}}, case.headers()
    )
    assert res.status_code == 200
    assert res.get_json()["comments"] == {"": "多行\n意见\t可以"}  # a blank comment is no comment


def test_vetoes_need_a_known_flag_and_a_reason(client, case):
    h = case.headers()
    res = put(client, case.assignment(), {"vetoes": [{"flag": "made_up", "reason": "x"}]}, h)
    assert res.status_code == 422 and "flag" in res.get_json()["errors"]["vetoes"]["0"]
    res = put(client, case.assignment(), {"vetoes": [{"flag": "falsified_materials"}]}, h)
    assert res.status_code == 422 and "reason" in res.get_json()["errors"]["vetoes"]["0"]
    res = put(client, case.assignment(), {"vetoes": [{"flag": "falsified_materials", "reason": "   "}]}, h)
    assert res.status_code == 422 and "reason" in res.get_json()["errors"]["vetoes"]["0"]
    twice = [{"flag": "falsified_materials", "reason": "a"}, {"flag": "falsified_materials", "reason": "b"}]
    assert put(client, case.assignment(), {"vetoes": twice}, h).status_code == 422
    veto = [{"flag": "falsified_materials", "reason": "照片重复"}]
    res = put(client, case.assignment(), {"vetoes": veto}, h)
    assert res.status_code == 200
    assert res.get_json()["vetoes"] == [{"flag": "falsified_materials", "reason": "照片重复"}]


def test_bonus_verification_only_for_claimed_items(client, case):
    h = case.headers()
    res = put(client, case.assignment(), {"bonus_verified": {"national": True}}, h)
    assert res.status_code == 422 and "national" in res.get_json()["errors"]["bonus_verified"]
    res = put(client, case.assignment(), {"bonus_verified": {"meeting": "yes"}}, h)
    assert res.status_code == 422
    res = put(client, case.assignment(), {"bonus_verified": {"meeting": False}}, h)
    assert res.status_code == 200 and res.get_json()["bonus_verified"] == {"meeting": False}


def test_submit_needs_every_indicator_scored_and_every_claim_verified(client, case):
    h = case.headers()
    partial = {"scores": {"plan_quality": 8}, "status": "submitted"}
    res = put(client, case.assignment(), partial, h)
    assert res.status_code == 422
    errors = res.get_json()["errors"]
    assert set(errors["scores"]) == {"onsite", "novelty"} and set(errors["bonus_verified"]) == {"meeting"}
    assert db.session.scalar(select(Review)) is None  # nothing written
    res = put(client, case.assignment(), {**FULL, "status": "submitted"}, h)
    assert res.status_code == 200
    body = res.get_json()
    assert body["status"] == "submitted" and body["submitted_at"]


def test_a_submitted_review_may_be_reopened_while_in_review(client, case):
    h = case.headers()
    put(client, case.assignment(), {**FULL, "status": "submitted"}, h)
    res = put(client, case.assignment(), {**FULL, "status": "draft"}, h, "v1")
    assert res.status_code == 200 and res.get_json()["status"] == "draft"
    assert res.get_json()["submitted_at"] is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "review").order_by(AuditEvent.id)
    ).all()
    assert actions == ["review.submitted", "review.reopened"]


@pytest.mark.parametrize("phase", ["open", "scoring_closed", "notice", "final"])
def test_scores_change_only_in_the_review_phase(client, make_review_case, phase):
    case = make_review_case(phase=phase)
    res = put(client, case.assignment(), FULL, case.headers())
    assert res.status_code == 409
    assert db.session.scalar(select(Review)) is None


@pytest.mark.parametrize("status", ["recused", "removed"])
def test_an_inactive_assignment_cannot_be_scored(client, case, status):
    assignment = case.assignment()
    assignment.status = status
    db.session.commit()
    assert put(client, assignment, FULL, case.headers()).status_code == 409


def test_another_reviewer_can_neither_read_nor_write(client, case, make_user):
    mine, theirs = case.assignment(0, 0), case.assignment(0, 1)
    put(client, theirs, FULL, case.headers(1))
    # Another reviewer's assignment is not found, as a missing one is.
    assert client.get(url(theirs), headers=case.headers(0)).status_code == 404
    assert put(client, theirs, FULL, case.headers(0), "v1").status_code == 404
    assert client.get(f"/api/v1/assignments/{theirs.id}/sheet", headers=case.headers(0)).status_code == 404
    # Their scores never show in my review or sheet.
    assert client.get(url(mine), headers=case.headers(0)).get_json()["scores"] == {}
    _, applicant = make_user("applicant")
    assert client.get(url(mine), headers=applicant).status_code == 403
    assert put(client, mine, FULL, applicant).status_code == 403
    assert client.get(url(mine)).status_code == 401
    assert client.get("/api/v1/assignments/999999/review", headers=case.headers(0)).status_code == 404


def test_the_office_reads_any_review_but_cannot_score(client, case, admin):
    put(client, case.assignment(), FULL, case.headers())
    res = client.get(url(case.assignment()), headers=admin)
    assert res.status_code == 200 and res.get_json()["scores"]["plan_quality"] == 8
    assert put(client, case.assignment(), FULL, admin, "v1").status_code == 403


def test_a_stale_version_is_a_failed_precondition_and_changes_nothing(client, case):
    h = case.headers()
    assert put(client, case.assignment(), {"scores": {"novelty": 1}}, h).status_code == 200
    res = put(client, case.assignment(), {"scores": {"novelty": 4}}, h, "v0")
    assert res.status_code == 412
    assert res.get_json()["errors"] == {"If-Match": ['the current ETag is "v1"']}
    assert client.get(url(case.assignment()), headers=h).get_json()["scores"] == {"novelty": 1}
    assert put(client, case.assignment(), {"scores": {"novelty": 4}}, h, None).status_code == 428
    res = client.put(url(case.assignment()), json={"scores": {"novelty": 4}}, headers={**h, "If-Match": "*"})
    assert res.status_code == 200 and res.headers["ETag"] == '"v2"'


def test_a_save_that_changes_nothing_keeps_the_version(client, case):
    h = case.headers()
    put(client, case.assignment(), FULL, h)
    res = put(client, case.assignment(), FULL, h, "v1")
    assert res.status_code == 200 and res.headers["ETag"] == '"v1"'
    assert (
        db.session.scalar(
            select(db.func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "review")
        )
        == 1
    )


def test_every_change_is_audited_with_only_the_changed_indicators(client, case):
    h = case.headers()
    put(client, case.assignment(), FULL, h)
    changed = {**FULL, "scores": {**FULL["scores"], "novelty": 4}}
    put(client, case.assignment(), changed, h, "v1")
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "review").order_by(AuditEvent.id.desc())
    ).first()
    assert event.action == "review.saved"
    assert event.summary["scores"] == {"novelty": {"before": 3.0, "after": 4.0}}
    assert "comments" not in event.summary and "status" not in event.summary
    assert event.summary["assignment_id"] == case.assignment().id
    first = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "review").order_by(AuditEvent.id)
    ).first()
    assert first.summary["scores"]["plan_quality"] == {"before": None, "after": 8.0}
    assert first.summary["status"] == {"before": None, "after": "draft"}


def test_unknown_keys_and_bad_shapes_are_refused(client, case):
    h = case.headers()
    for body in (
        {"score": {}},
        {"scores": []},
        {"status": "final"},
        {"vetoes": {"flag": "x"}},
        {"vetoes": [{"flag": "falsified_materials", "reason": "x", "extra": 1}]},
    ):
        assert put(client, case.assignment(), body, h).status_code == 422, body
    res = client.put(
        url(case.assignment()),
        data="not json",
        headers={**h, "If-Match": '"v0"', "Content-Type": "application/json"},
    )
    assert res.status_code == 400


def test_the_sheet_lists_the_scope_with_guidance_bounds_and_evidence(client, case):
    res = client.get(f"/api/v1/assignments/{case.assignment().id}/sheet", headers=case.headers())
    assert res.status_code == 200
    body = res.get_json()
    assert [i["id"] for i in body["indicators"]] == ["plan_quality", "onsite", "novelty"]
    plan = body["indicators"][0]
    assert plan["check"] == ["materials"] and plan["evidence"][0]["key"] == "plan"
    assert plan["points"] > 0 and plan["min"] == 0 and plan["section"] == "quality"
    assert body["application"]["applicant"]["name"] == "评审社区1"
    assert body["application"]["applicant"]["county"] == "锦江区"
    assert body["application"]["bonus_claims"][0]["id"] == "meeting"
    assert any(f["key"] == "households" for f in body["application"]["figures"])
    assert body["veto_flags"] == [
        {"flag": "falsified_materials", "reason": "材料造假", "reason_en": "Falsified"}
    ]


def test_blind_mode_hides_the_applicants_identity(client, make_review_case, admin):
    from evaluator.applications.models import Material

    case = make_review_case(settings={"blind": True})
    application = case.applications[0]
    reviewer = case.reviewers[0][0]
    db.session.add(
        Material(
            application_id=application.id,
            filename="评审社区1-建设方案.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
            material_key="plan",
            uploaded_by=reviewer.id,
        )
    )
    db.session.commit()
    res = client.get(f"/api/v1/assignments/{case.assignment().id}/sheet", headers=case.headers())
    text = res.get_data(as_text=True)
    assert "评审社区1" not in text and "锦江区" not in text and "春熙路" not in text
    body = res.get_json()
    assert body["blind"] is True and body["application"]["applicant"]["city"] == "成都市"
    assert body["materials"][0]["name"] == "Plan 1.pdf"
    assert body["materials"][0]["download_url"] == (
        f"/api/v1/assignments/{case.assignment().id}/materials/{body['materials'][0]['id']}"
    )
    office = client.get(f"/api/v1/assignments/{case.assignment().id}/sheet", headers=admin).get_json()
    assert office["application"]["applicant"]["name"] == "评审社区1"
    assert office["materials"][0]["name"] == "评审社区1-建设方案.pdf"
    # Nor do the application's own endpoints tell a blind round's reviewer who applied.
    material = db.session.scalars(db.select(Material).where(Material.application_id == application.id)).one()
    for url in (
        f"/api/v1/applications/{application.id}",
        f"/api/v1/applications/{application.id}/materials",
        f"/api/v1/materials/{material.id}",
    ):
        res = client.get(url, headers=case.headers())
        res.close()
        assert res.status_code == 403, url
    assert client.get(f"/api/v1/applications/{application.id}", headers=admin).status_code == 200


def test_outside_blind_mode_the_assigned_reviewer_reads_the_application(client, make_review_case):
    case = make_review_case()
    application = case.applications[0]
    res = client.get(f"/api/v1/applications/{application.id}", headers=case.headers())
    assert res.status_code == 200 and res.get_json()["id"] == application.id


def test_a_blind_rounds_reviewer_downloads_through_the_assignment(client, make_review_case, app):
    from evaluator.applications.models import Material
    from evaluator.storage import get_storage

    case = make_review_case(settings={"blind": True})
    application, reviewer = case.applications[0], case.reviewers[0][0]
    import hashlib

    content = b"%PDF-1.4\n%%EOF\n"
    sha = hashlib.sha256(content).hexdigest()
    get_storage(app).put(content, sha)
    material = Material(
        application_id=application.id,
        filename="评审社区1-锦江区方案.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=sha,
        material_key="plan",
        uploaded_by=reviewer.id,
    )
    db.session.add(material)
    db.session.commit()
    url = f"/api/v1/assignments/{case.assignment().id}/materials/{material.id}"
    res = client.get(url, headers=case.headers())
    body = res.get_data()
    res.close()  # a download streams its file
    assert res.status_code == 200 and body == content
    disposition = res.headers["Content-Disposition"]
    assert "锦江" not in disposition and "%E9%94%A6" not in disposition and "attachment" in disposition
    other = make_review_case()  # another round's assignment cannot reach this material
    res = client.get(
        f"/api/v1/assignments/{other.assignment().id}/materials/{material.id}", headers=other.headers()
    )
    assert res.status_code == 404


def test_the_review_closes_with_the_round_or_the_assignment():
    from types import SimpleNamespace

    from evaluator.errors import ServiceError
    from evaluator.reviews.service import check_open, closed_reason

    in_review = SimpleNamespace(phase="review", title="评审")
    closed = SimpleNamespace(phase="notice", title="评审")
    active, recused = SimpleNamespace(status="active"), SimpleNamespace(status="recused")
    assert closed_reason(active, in_review) is None
    check_open(active, in_review)
    assert "scores change only while it is in review" in closed_reason(active, closed)
    assert "recused" in closed_reason(recused, in_review)
    for assignment, rnd in ((active, closed), (recused, in_review)):
        with pytest.raises(ServiceError) as refused:
            check_open(assignment, rnd)
        assert refused.value.status == 409 and refused.value.message == closed_reason(assignment, rnd)
