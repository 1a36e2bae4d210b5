"""Declared conflicts on the pages: the reviewer's profile form and its limit, the applicant's page
against reviewers of the roster, the office's decisions on the assignment page, the round's limit in
the settings form."""

from __future__ import annotations

from sqlalchemy import select

from evaluator.applications.models import Application
from evaluator.assignments.models import ConflictDeclaration
from evaluator.extensions import db
from evaluator.rounds.settings import settings_of
from tests.pages import post


def rows():
    db.session.expire_all()
    return db.session.scalars(select(ConflictDeclaration).order_by(ConflictDeclaration.id)).all()


def test_the_reviewer_declares_on_the_profile_up_to_the_rounds_limit(
    page_client, review_round, make_reviewer
):
    rnd, apps = review_round(2, settings={"max_declared_conflicts": 1})
    user, _ = make_reviewer()
    c = page_client(user=user, language="zh")
    page = c.get("/reviewer/profile").get_data(as_text=True)
    assert "最多申报 1 项" in page and "您尚未申报" in page
    form = {"round_id": str(rnd.id), "organisation": apps[0].organisation.name, "reason": "曾在该社区任职"}
    assert post(c, "/reviewer/profile/conflicts", form).status_code == 302
    page = c.get("/reviewer/profile").get_data(as_text=True)
    assert "待省厅决定" in page and "曾在该社区任职" in page and "经省厅认可后生效" in page
    res = post(c, "/reviewer/profile/conflicts", {**form, "organisation": apps[1].organisation.name})
    text = res.get_data(as_text=True)
    assert (
        res.status_code == 422 and "已达上限" in text and apps[1].organisation.name in text
    )  # kept in the form
    assert len(rows()) == 1
    assert post(c, "/reviewer/profile/conflicts", {**form, "organisation": ""}).status_code == 422


def test_the_office_accepts_and_refuses_on_the_assignment_page(
    page_client, client, review_round, make_reviewer, make_org
):
    rnd, apps = review_round(1)
    rev, h = make_reviewer(affiliation="四川大学")
    for organisation in (apps[0].organisation.name, "玉林社区"):
        res = client.post(
            f"/api/v1/rounds/{rnd.id}/conflicts",
            json={"organisation": organisation, "reason": "亲属"},
            headers=h,
        )
        assert res.status_code == 201
    near = make_org(name="武侯区玉林街道玉林社区")
    known, loose = rows()
    office = page_client("admin")
    page = office.get(f"/office/rounds/{rnd.id}/assignments").get_data(as_text=True)
    assert (
        'id="declarations"' in page
        and f'id="decision-{known.id}"' in page
        and f'id="decision-{loose.id}"' in page
    )
    assert "Awaiting a decision: 2 of 2." in page and "None has this name" in page
    assert f'<option value="{near.id}"' in page  # a registered name close to the declared one
    url = f"/office/conflicts/{loose.id}/decision"
    res = post(office, url, {"decision": "accepted", "reason": "同一社区", "version": "1"})
    assert res.status_code == 422 and "choose the organisation it means" in res.get_data(as_text=True)
    res = post(
        office,
        url,
        {"decision": "accepted", "reason": "同一社区", "version": "1", "organisation_id": str(near.id)},
    )
    assert res.status_code == 303 and res.headers["Location"].endswith("#declarations")
    res = post(
        office,
        f"/office/conflicts/{known.id}/decision",
        {"decision": "refused", "reason": "证据不足", "version": "1"},
    )
    assert res.status_code == 303
    known, loose = rows()
    assert (known.status, known.decision_reason) == ("refused", "证据不足")
    assert (loose.status, loose.organisation_id) == ("accepted", near.id)
    page = office.get(f"/office/rounds/{rnd.id}/assignments").get_data(as_text=True)
    assert "Awaiting a decision: 0 of 2." in page and "Change the decision" in page
    assert (
        office.post(url, data={"decision": "refused", "reason": "x", "version": "2"}).status_code == 400
    )  # no CSRF
    reviewer_page = page_client(user=rev)
    assert post(reviewer_page, url, {"decision": "refused", "reason": "x", "version": "2"}).status_code == 403
    # The office's page of the reviewer lists them too.
    text = office.get(f"/office/assignments/reviewers/{rev.id}").get_data(as_text=True)
    assert "玉林社区" in text and "Accepted" in text and "Refused" in text


def test_the_applicant_declares_against_a_reviewer_from_the_application(
    page_client, make_user, review_round, make_reviewer
):
    rnd, apps = review_round(1)
    app = apps[0]
    app.status = "submitted"
    rnd.phase = "open"
    db.session.commit()
    rev, _ = make_reviewer(affiliation="四川大学")
    inactive, _ = make_reviewer(affiliation="电子科大", active=False)
    user, _ = make_user("applicant", organisation=app.organisation)
    c = page_client(user=user)
    view = c.get(f"/applicant/applications/{app.id}").get_data(as_text=True)
    assert f'href="/applicant/applications/{app.id}/conflicts"' in view
    page = c.get(f"/applicant/applications/{app.id}/conflicts").get_data(as_text=True)
    assert f"{rev.display_name} · 四川大学" in page and inactive.display_name not in page
    assert rev.username not in page and (rev.home_region_code or "510104") not in page
    url = f"/applicant/applications/{app.id}/conflicts"
    assert post(c, url, {"reviewer_id": "999999", "reason": "x"}).status_code == 422
    assert post(c, url, {"reviewer_id": str(rev.id), "reason": ""}).status_code == 422
    assert c.post(url, data={"reviewer_id": str(rev.id), "reason": "x"}).status_code == 400  # no CSRF
    res = post(c, url, {"reviewer_id": str(rev.id), "reason": "该专家是本社区书记的亲属"})
    assert res.status_code == 303
    (row,) = rows()
    assert (row.side, row.reviewer_id, row.organisation_id, row.status) == (
        "applicant",
        rev.id,
        app.organisation_id,
        "pending",
    )
    page = c.get(url).get_data(as_text=True)
    assert "该专家是本社区书记的亲属" in page and "Awaiting the office" in page
    # Another organisation's applicant, or a reviewer, is answered as for a missing application.
    other = page_client("applicant")
    assert other.get(url).status_code == 404
    assert post(other, url, {"reviewer_id": str(rev.id), "reason": "x"}).status_code == 404
    assert page_client(user=rev).get(url).status_code == 404
    assert len(rows()) == 1
    # A withdrawn application declares nothing more.
    db.session.get(Application, app.id).status = "withdrawn"
    db.session.commit()
    page = c.get(url).get_data(as_text=True)
    assert 'id="conflict-form"' not in page
    assert post(c, url, {"reviewer_id": str(rev.id), "reason": "又一项"}).status_code == 422


def test_the_office_sets_the_limit_in_the_review_settings(page_client, make_round):
    rnd = make_round("open")
    office = page_client("admin")
    page = office.get(f"/office/rounds/{rnd.id}/settings").get_data(as_text=True)
    assert 'name="max_declared_conflicts"' in page and 'value="5"' in page
    form = {
        "county_step": "1",
        "city_step": "1",
        "quota.kind": "share",
        "quota.value": "0.5",
        "reviewers_per_application": "5",
        "inspectors_per_application": "3",
        "disagreement_spread": "0.3",
        "conflicts.region_level": "county",
        "conflicts.declared": "1",
        "max_declared_conflicts": "2",
        "version": str(rnd.version),
    }
    assert post(office, f"/office/rounds/{rnd.id}/settings", form).status_code == 302
    db.session.expire_all()
    assert settings_of(db.session.get(type(rnd), rnd.id)).max_declared_conflicts == 2
    res = post(
        office, f"/office/rounds/{rnd.id}/settings", {**form, "max_declared_conflicts": "-1", "version": "2"}
    )
    assert res.status_code == 422


def test_what_declarers_write_is_escaped_on_every_page(page_client, client, review_round, make_reviewer):
    rnd, _apps = review_round(1)
    user, h = make_reviewer()
    script = "<script>alert(1)</script>"
    res = client.post(
        f"/api/v1/rounds/{rnd.id}/conflicts",
        json={"organisation": script + "社区", "reason": script},
        headers=h,
    )
    assert res.status_code == 201
    for c, url in (
        (page_client(user=user), "/reviewer/profile"),
        (page_client("admin"), f"/office/rounds/{rnd.id}/assignments"),
        (page_client("admin"), f"/office/assignments/reviewers/{user.id}"),
    ):
        html = c.get(url).get_data(as_text=True)
        assert script not in html and "&lt;script&gt;" in html, url
