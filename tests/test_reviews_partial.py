"""A draft saved entry by entry (``PUT …/review?partial=true``, the scoring page's autosave and its
*Save draft*): the valid scores, comments, vetoes and verifications are saved, each invalid one keeps
its stored value and is named with its problem; the shape of the review, a submission, the version
and the phase are checked as in a whole save."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.reviews import service
from evaluator.reviews.models import Review
from tests.pages import post


def url(assignment) -> str:
    return f"/api/v1/assignments/{assignment.id}/review?partial=true"


def put(client, assignment, body, headers, version="v0"):
    return client.put(url(assignment), json=body, headers={**headers, "If-Match": f'"{version}"'})


@pytest.fixture
def case(make_review_case):
    return make_review_case()


def stored(assignment) -> Review | None:
    db.session.expire_all()
    return db.session.scalar(select(Review).where(Review.assignment_id == assignment.id))


def points_of(client, case) -> dict[str, float]:
    res = client.get(f"/api/v1/assignments/{case.assignment().id}/sheet", headers=case.headers())
    return {i["id"]: i["points"] for i in res.get_json()["indicators"]}


def test_the_valid_entries_are_saved_and_the_invalid_named(client, case):
    top = points_of(client, case)["novelty"]
    body = {
        "scores": {"novelty": 99, "plan_quality": 8, "onsite": "5"},
        "comments": {"plan_quality": "方案完整", "elsewhere": "x", "": "总体较好"},
        "bonus_verified": {"meeting": True, "national": True},
    }
    res = put(client, case.assignment(), body, case.headers())
    assert res.status_code == 200 and res.headers["ETag"] == '"v1"'
    answer = res.get_json()
    assert answer["scores"] == {"plan_quality": 8}
    assert answer["comments"] == {"plan_quality": "方案完整", "": "总体较好"}
    assert answer["bonus_verified"] == {"meeting": True}
    assert answer["not_saved"] == {
        "scores": {
            "novelty": [f"A score lies between 0 and {round(top, 2):g}."],
            "onsite": ["A score is a number."],
        },
        "comments": {"elsewhere": ["Not an indicator this assignment scores."]},
        "bonus_verified": {"national": ["The application does not claim this bonus item."]},
    }
    assert answer["progress"] == {"scored": 1, "total": 3} and answer["status"] == "draft"
    # The audit records what was saved, nothing of the rest.
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "review")).one()
    assert set(event.summary["scores"]) == {"plan_quality"}


def test_an_invalid_entry_keeps_its_stored_value(client, case):
    h = case.headers()
    first = {
        "scores": {"novelty": 2, "plan_quality": 5},
        "comments": {"novelty": "有创新"},
        "vetoes": [{"flag": "falsified_materials", "reason": "照片重复"}],
        "bonus_verified": {"meeting": False},
    }
    assert put(client, case.assignment(), first, h).status_code == 200
    again = {
        "scores": {"novelty": -1, "plan_quality": 6},
        "comments": {"novelty": "a\x07b"},
        "vetoes": [{"flag": "falsified_materials", "reason": "  "}],
        "bonus_verified": {"meeting": "yes"},
    }
    res = put(client, case.assignment(), again, h, "v1")
    assert res.status_code == 200 and res.headers["ETag"] == '"v2"'
    answer = res.get_json()
    assert answer["scores"] == {"novelty": 2, "plan_quality": 6}
    assert answer["comments"] == {"novelty": "有创新"}
    assert answer["vetoes"] == [{"flag": "falsified_materials", "reason": "照片重复"}]
    assert answer["bonus_verified"] == {"meeting": False}
    assert set(answer["not_saved"]) == {"scores", "comments", "vetoes", "bonus_verified"}
    assert answer["not_saved"]["vetoes"] == {"0": {"reason": ["Give the reason for the veto."]}}


def test_nothing_valid_changed_keeps_the_version(client, case):
    h = case.headers()
    put(client, case.assignment(), {"scores": {"novelty": 2}}, h)
    res = put(client, case.assignment(), {"scores": {"novelty": 99}}, h, "v1")
    assert res.status_code == 200 and res.headers["ETag"] == '"v1"'
    assert res.get_json()["scores"] == {"novelty": 2} and "novelty" in res.get_json()["not_saved"]["scores"]
    saves = select(db.func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "review")
    assert db.session.scalar(saves) == 1


def test_vetoes_are_named_by_the_position_they_were_sent_in(client, case):
    body = {
        "vetoes": [
            {"flag": "falsified_materials", "reason": "x", "extra": 1},  # refused by the schema
            {"flag": "made_up", "reason": "x"},  # refused by the criteria
            {"flag": "falsified_materials", "reason": "照片重复"},
        ]
    }
    res = put(client, case.assignment(), body, case.headers())
    assert res.status_code == 200
    answer = res.get_json()
    assert set(answer["not_saved"]["vetoes"]) == {"0", "1"}
    assert "flag" in answer["not_saved"]["vetoes"]["1"]
    assert answer["vetoes"] == [{"flag": "falsified_materials", "reason": "照片重复"}]


@pytest.mark.parametrize(
    "body",
    [
        {"score": {}},
        {"scores": []},
        {"status": "final"},
        {"vetoes": {"flag": "x"}},
        {"scores": {f"k{i}": 1 for i in range(2001)}},
    ],
)
def test_a_review_of_the_wrong_shape_is_refused_whole(client, case, body):
    res = put(client, case.assignment(), {**body, "comments": {"": "保留"}}, case.headers())
    assert res.status_code == 422
    assert stored(case.assignment()) is None


def test_a_submission_is_whole_or_nothing(client, case):
    full = {
        "scores": {"plan_quality": 8, "onsite": 5, "novelty": 99},
        "bonus_verified": {"meeting": True},
        "status": "submitted",
    }
    res = put(client, case.assignment(), full, case.headers())
    assert res.status_code == 422 and "novelty" in res.get_json()["errors"]["scores"]
    assert stored(case.assignment()) is None


def test_the_version_and_the_phase_are_checked_as_ever(client, case, make_review_case):
    h = case.headers()
    put(client, case.assignment(), {"scores": {"novelty": 1}}, h)
    res = put(client, case.assignment(), {"scores": {"novelty": 2, "onsite": 99}}, h, "v0")
    assert res.status_code == 412 and stored(case.assignment()).version == 1
    closed = make_review_case(phase="scoring_closed")
    res = put(client, closed.assignment(), {"scores": {"novelty": 2}}, closed.headers())
    assert res.status_code == 409 and stored(closed.assignment()) is None


def test_without_partial_any_invalid_entry_refuses_the_review(client, case):
    res = client.put(
        f"/api/v1/assignments/{case.assignment().id}/review",
        json={"scores": {"novelty": 99, "plan_quality": 8}},
        headers={**case.headers(), "If-Match": '"v0"'},
    )
    assert res.status_code == 422 and stored(case.assignment()) is None
    res = client.put(
        f"/api/v1/assignments/{case.assignment().id}/review?partial=maybe",
        json={"scores": {"plan_quality": 8}},
        headers={**case.headers(), "If-Match": '"v0"'},
    )
    assert res.status_code == 422 and "partial" in res.get_json()["errors"]["query"]


def test_the_openapi_document_describes_the_partial_save(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    put_op = doc["paths"]["/api/v1/assignments/{assignment_id}/review"]["put"]
    assert any(p["name"] == "partial" and p["in"] == "query" for p in put_op["parameters"])
    review = doc["components"]["schemas"]["Review"]
    assert "not_saved" in review["properties"]


def test_the_service_returns_what_it_set_aside(case):
    reviewer = case.reviewers[0][0]
    review, scope, rejected = service.save_review_partial(
        reviewer, case.assignment(), {"scores": {"novelty": 99, "plan_quality": 1}}, {"v0"}
    )
    assert service.scores_by_id(review, scope.criteria) == {"plan_quality": 1.0}
    assert list(rejected) == ["scores"] and list(rejected["scores"]) == ["novelty"]


# ------------------------------------------------------------------------------------ the page


def test_the_pages_save_draft_keeps_the_valid_part_and_marks_the_rest(page_client, case):
    c = page_client(user=case.reviewers[0][0])
    page = f"/reviewer/assignments/{case.assignment().id}"
    form = {"scores.novelty": "99", "scores.plan_quality": "8", "comments.novelty": "保留我"}
    res = post(c, page, {**form, "version": "0", "action": "draft"})
    html = res.get_data(as_text=True)
    assert res.status_code == 200  # the valid part is committed
    assert "Draft saved, except: Novelty (score)." in html
    assert 'id="scores-novelty-errors"' in html and 'aria-invalid="true"' in html
    assert 'value="99"' in html and "保留我" in html and 'name="version" value="1"' in html
    review = stored(case.assignment())
    assert service.scores_by_id(review, service.scope_of(case.assignment()).criteria) == {"plan_quality": 8.0}
    assert review.comments == {"novelty": "保留我"}


def test_autosave_names_the_form_fields_not_saved_in_the_pages_language(page_client, case):
    c = page_client(user=case.reviewers[0][0], language="zh")
    res = c.post(
        f"/reviewer/assignments/{case.assignment().id}/autosave",
        data={"scores.novelty": "99", "veto.falsified_materials": "1", "version": "0"},
        headers={"X-CSRFToken": c.csrf},
    )
    assert res.status_code == 200
    answer = res.get_json()
    assert set(answer["not_saved"]) == {"scores.novelty", "veto_reason.falsified_materials"}
    assert answer["not_saved"]["veto_reason.falsified_materials"] == ["请填写否决理由。"]
    assert answer["not_saved"]["scores.novelty"][0].startswith("评分应在 0 至 ")
    assert answer["message"].startswith("草稿已保存，但以下内容未保存：") and "（评分）" in answer["message"]
    assert answer["version"] == 1


def test_two_tabs_saving_in_part_on_one_version_one_wins(live_workers, make_review_case):
    """Partial saves race like whole ones: of two made on the same version exactly one is saved,
    the other is 412 and writes nothing (not even its valid entries)."""
    from tests.live import parallel

    case = make_review_case()
    target = f"/api/v1/assignments/{case.assignment().id}/review?partial=true"
    h = {**case.headers(), "If-Match": '"v0"'}
    bodies = ({"scores": {"novelty": 1.0, "onsite": 99}}, {"scores": {"novelty": 2.0, "plan_quality": -1}})
    tabs = parallel([lambda b=b: live_workers.request("PUT", target, b, h) for b in bodies])
    assert sorted(t.status for t in tabs) == [200, 412], [(t.status, t.body) for t in tabs]
    winner = next(t for t in tabs if t.status == 200)
    assert winner.body["not_saved"] and winner.body["version"] == 1
    assignment = case.assignment()
    db.session.rollback()  # a fresh snapshot: the live server's commits
    review = stored(assignment)
    assert review.version == 1
    assert service.scores_by_id(review, service.scope_of(assignment).criteria) == winner.body["scores"]
