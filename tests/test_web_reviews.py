"""The reviewer's pages: the queue with progress, the scoring page (form without JavaScript, the
autosave answer, the version check), the inline materials and blind mode."""

from __future__ import annotations

from sqlalchemy import select

from evaluator.applications.models import Material
from evaluator.extensions import db
from evaluator.reviews.models import Review
from tests.pages import post

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
FORM = {
    "scores.plan_quality": "8",
    "scores.onsite": "5.5",
    "scores.novelty": "3",
    "comments.plan_quality": "方案完整",
    "overall_comment": "较好",
    "bonus.meeting": "yes",
}


def reviewer_client(page_client, case, index=0):
    return page_client(user=case.reviewers[index][0])


def page_url(assignment) -> str:
    return f"/reviewer/assignments/{assignment.id}"


def stored(assignment):
    db.session.expire_all()
    return db.session.scalar(select(Review).where(Review.assignment_id == assignment.id))


def test_the_queue_lists_only_my_assignments_with_progress(page_client, make_review_case):
    case = make_review_case(applications=2)
    c = reviewer_client(page_client, case)
    post(c, page_url(case.assignment(0, 0)), {"scores.novelty": "2", "version": "0"})
    for url in ("/reviewer/assignments", "/reviewer"):
        res = c.get(url)
        html = res.get_data(as_text=True)
        assert res.status_code == 200
        assert "评审社区1" in html and "评审社区2" in html and "2026年评审批次" in html
        assert "1 / 3 indicators" in html and "Draft" in html and "Not started" in html
        assert f'href="/reviewer/assignments/{case.assignment(0, 1).id}"' not in html


def test_a_new_reviewer_has_an_empty_queue(page_client):
    html = page_client("reviewer").get("/reviewer/assignments").get_data(as_text=True)
    assert "No applications are assigned to you yet" in html


def test_the_scoring_page_shows_indicators_bounds_guidance_and_figures(page_client, make_review_case):
    case = make_review_case()
    res = reviewer_client(page_client, case).get(page_url(case.assignment()))
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    assert 'name="scores.plan_quality"' in html and 'max="' in html and "0 to" in html
    assert 'name="veto.falsified_materials"' in html and 'name="bonus.meeting"' in html
    assert 'name="version" value="0"' in html and "js/review.js" in html
    assert "Households" in html and ("2,000" in html or "2000" in html)
    assert 'data-autosave="/reviewer/assignments/' in html
    assert f"/reviewer/assignments/{case.assignment().id}/recuse" in html  # a draft may be recused


def test_the_form_saves_a_draft_and_submits_without_javascript(page_client, make_review_case):
    case = make_review_case()
    c = reviewer_client(page_client, case)
    res = post(c, page_url(case.assignment()), {**FORM, "version": "0", "action": "draft"})
    assert res.status_code == 302
    review = stored(case.assignment())
    assert review.status == "draft" and review.comments == {"plan_quality": "方案完整", "": "较好"}
    assert review.bonus_verified == {"meeting": True}
    form = {
        **FORM,
        "version": "1",
        "action": "submit",
        "veto.falsified_materials": "1",
        "veto_reason.falsified_materials": "照片与现场不符",
    }
    # Submitting needs the confirmation ticked (a dialog ticks it where scripts run).
    res = post(c, page_url(case.assignment()), form)
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and 'id="confirm-errors"' in html and "Tick the box" in html
    assert 'value="照片与现场不符"' not in html and "照片与现场不符" in html  # the input is kept
    assert stored(case.assignment()).status == "draft" and stored(case.assignment()).version == 1
    res = post(c, page_url(case.assignment()), {**form, "confirm": "1"})
    assert res.status_code == 302
    review = stored(case.assignment())
    assert review.status == "submitted" and review.vetoes[0]["reason"] == "照片与现场不符"
    html = c.get(page_url(case.assignment())).get_data(as_text=True)
    assert "Review submitted." in html and 'value="8"' in html and "Reopen as draft" in html
    assert 'name="confirm"' not in html and "data-confirm=" not in html  # submitted: no confirmation
    assert "/recuse" not in html  # a submitted review is not recused (the office removes it)
    res = post(c, page_url(case.assignment()), {**form, "version": "2"})  # kept submitted: no box
    assert res.status_code == 302 and stored(case.assignment()).version == 2  # and nothing changed


def test_form_errors_name_the_fields_and_keep_the_input(page_client, make_review_case):
    case = make_review_case()
    c = reviewer_client(page_client, case)
    res = post(
        c,
        page_url(case.assignment()),
        {
            "scores.novelty": "99",
            "scores.onsite": "abc",
            "veto.falsified_materials": "1",
            "comments.novelty": "保留我",
            "version": "0",
            "action": "submit",
        },
    )
    assert res.status_code == 422
    html = res.get_data(as_text=True)
    assert 'id="scores-onsite-errors"' in html and 'id="veto_reason-falsified_materials-errors"' in html
    assert 'value="99"' in html and "保留我" in html
    res = post(c, page_url(case.assignment()), {"scores.novelty": "99", "version": "0", "action": "submit"})
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and 'id="scores-novelty-errors"' in html
    assert stored(case.assignment()) is None


def test_a_stale_form_is_refused_and_the_input_kept(page_client, make_review_case):
    case = make_review_case()
    c = reviewer_client(page_client, case)
    assert post(c, page_url(case.assignment()), {"scores.novelty": "1", "version": "0"}).status_code == 302
    res = post(c, page_url(case.assignment()), {"scores.novelty": "4", "version": "0"})
    assert res.status_code == 422
    html = res.get_data(as_text=True)
    assert "saved elsewhere" in html and 'value="4"' in html
    assert stored(case.assignment()).scores  # still the first save
    assert post(c, page_url(case.assignment()), {"scores.novelty": "4"}).status_code == 422  # no version


def test_autosave_answers_json_and_412_on_a_stale_version(page_client, make_review_case):
    case = make_review_case()
    c = reviewer_client(page_client, case)
    url = page_url(case.assignment()) + "/autosave"
    res = c.post(url, data={"scores.novelty": "2", "version": "0"}, headers={"X-CSRFToken": c.csrf})
    assert res.status_code == 200 and res.get_json() == {
        **res.get_json(),
        "version": 1,
        "scored": 1,
        "total": 3,
        "status": "draft",
    }
    res = c.post(url, data={"scores.novelty": "3", "version": "0"}, headers={"X-CSRFToken": c.csrf})
    assert res.status_code == 412 and "saved elsewhere" in res.get_json()["message"]
    res = c.post(url, data={"scores.novelty": "30", "version": "1"}, headers={"X-CSRFToken": c.csrf})
    assert res.status_code == 200 and "scores.novelty" in res.get_json()["not_saved"]  # the draft keeps 2
    assert c.post(url, data={"scores.novelty": "3", "version": "1"}).status_code == 400  # no CSRF token


def test_other_reviewers_and_applicants_are_refused(page_client, make_review_case):
    case = make_review_case()
    other = reviewer_client(page_client, case, 1)
    # Another reviewer's assignment is not found, as a missing one is.
    assert other.get(page_url(case.assignment(0, 0))).status_code == 404
    assert post(other, page_url(case.assignment(0, 0)), {**FORM, "version": "0"}).status_code == 404
    assert page_client("applicant").get(page_url(case.assignment())).status_code == 403  # whatever the id
    assert other.get("/reviewer/assignments/2147483647").status_code == 404


def test_outside_the_review_phase_the_page_is_read_only(page_client, make_review_case):
    case = make_review_case(phase="scoring_closed")
    c = reviewer_client(page_client, case)
    html = c.get(page_url(case.assignment())).get_data(as_text=True)
    assert "cannot be changed now" in html and 'id="submit-review"' not in html
    assert post(c, page_url(case.assignment()), {**FORM, "version": "0"}).status_code == 422
    assert stored(case.assignment()) is None


def _material(case, filename, content, content_type, key="plan"):
    from evaluator.materials.service import upload

    application = case.applications[0]
    from evaluator.accounts.models import Organisation, User

    org = db.session.get(Organisation, application.organisation_id)
    owner = User(
        username=f"owner{application.id}{filename[:3]}",
        display_name="x",
        password_hash="x",
        role="applicant",
        organisation_id=org.id,
    )
    db.session.add(owner)
    db.session.flush()
    import io

    application.status = "draft"
    application.round.phase = "open"
    material = upload(owner, application, io.BytesIO(content), filename, None, key)
    application.status = "under_review"
    application.round.phase = "review"
    db.session.commit()
    return material


def test_materials_are_shown_inline_in_a_frame_of_the_page(page_client, make_review_case):
    case = make_review_case()
    material = _material(case, "评审社区1方案.pdf", PDF, "application/pdf")
    c = reviewer_client(page_client, case)
    html = c.get(page_url(case.assignment())).get_data(as_text=True)
    inline = f"/reviewer/assignments/{case.assignment().id}/materials/{material.id}"
    assert '<iframe name="material-viewer"' in html and inline in html
    res = c.get(inline)
    assert res.status_code == 200 and res.data == PDF
    assert res.headers["Content-Disposition"].startswith("inline")
    csp = res.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "frame-ancestors 'self'" in csp
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["X-Frame-Options"] == "SAMEORIGIN"
    res.close()
    # Another reviewer's assignment, or a material of another application: not found.
    assert reviewer_client(page_client, case, 1).get(inline).status_code == 404
    other = make_review_case()
    assert c.get(f"/reviewer/assignments/{other.assignment().id}/materials/{material.id}").status_code == 404


def test_blind_mode_hides_the_name_the_county_and_the_file_names(page_client, make_review_case):
    case = make_review_case(settings={"blind": True})
    material = _material(case, "评审社区1-锦江区方案.pdf", PDF, "application/pdf")
    c = reviewer_client(page_client, case)
    for url in ("/reviewer/assignments", page_url(case.assignment())):
        html = c.get(url).get_data(as_text=True)
        assert "评审社区1" not in html and "锦江区" not in html and "春熙路" not in html, url
        assert "成都市" in html
    res = c.get(f"/reviewer/assignments/{case.assignment().id}/materials/{material.id}")
    res.close()
    assert "锦江区" not in res.headers["Content-Disposition"]
    assert "%E9%94%A6" not in res.headers["Content-Disposition"]  # not even percent-encoded


def test_the_page_reads_chinese(page_client, make_review_case):
    case = make_review_case()
    c = page_client(user=case.reviewers[0][0], language="zh")
    res = c.get(page_url(case.assignment()))
    assert res.status_code == 200
    assert Material is not None
