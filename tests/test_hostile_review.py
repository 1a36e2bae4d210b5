"""Hostile users and careless newcomers against the region offices, assignments, reviews, results and
round settings: other regions' applications, forged ids, other reviewers, blind-mode leaks, hostile
scores and comments, settings bombs, forms without CSRF, markup and formulas in names, bad paging
and bodies."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from evaluator.applications.models import Application
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.reviews.models import Review
from tests.pages import post

SCRIPT = "<script>alert(1)</script>"
FULL = {"scores": {"plan_quality": 8, "onsite": 5.5, "novelty": 3}, "bonus_verified": {"meeting": True}}


def put_review(client, assignment, body, headers, version="v0", **kwargs):
    return client.put(
        f"/api/v1/assignments/{assignment.id}/review",
        headers={**headers, "If-Match": f'"{version}"'},
        **({"json": body} if body is not None else {}),
        **kwargs,
    )


def no_csrf_client(page_client, **kwargs):
    """A signed-in client; its posts carry no CSRF token."""
    return page_client(**kwargs)


# ------------------------------------------------------------------------------ region offices


def test_an_office_never_reaches_another_regions_application(client, page_client, vetting_world):
    w = vetting_world
    other = w.apps.fucheng.id  # 绵阳
    for key in ("wuhou", "chengdu"):
        h = w.headers[key]
        assert client.get(f"/api/v1/applications/{other}/checks", headers=h).status_code == 404
        for act, body in (
            ("endorse", {}),
            ("return", {"reason": "x"}),
            ("decline", {"reason": "x"}),
            ("check", {"passed": True}),
        ):
            assert client.post(f"/api/v1/applications/{other}/{act}", json=body, headers=h).status_code == 404
        assert client.delete(f"/api/v1/applications/{other}/recommendation", headers=h).status_code == 404
        assert client.get(f"/api/v1/applications/{other}", headers=h).status_code == 404
        assert client.get(f"/api/v1/applications/{other}/materials", headers=h).status_code == 404
    # A county office never reaches a neighbouring county of its own city.
    h = w.headers["wuhou"]
    assert client.get(f"/api/v1/applications/{w.apps.jinjiang.id}/checks", headers=h).status_code == 404
    c = page_client(user=w.users["wuhou"])
    assert c.get(f"/region/applications/{other}").status_code == 404
    assert c.get(f"/region/applications/{w.apps.jinjiang.id}").status_code == 404
    assert post(c, f"/region/applications/{other}/endorse", {}).status_code == 404
    assert c.get("/region/applications/999999999").status_code == 404
    db.session.expire_all()
    assert db.session.get(Application, other).status == "submitted"


def test_materials_of_another_region_are_not_downloaded(client, page_client, vetting_world, make_user):
    from evaluator.materials.service import upload

    w = vetting_world
    app = db.session.get(Application, w.apps.fucheng.id)
    owner, _ = make_user("applicant", organisation=app.organisation)
    app.status = "draft"
    db.session.flush()
    material = upload(owner, app, io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "涪城方案.pdf", None, "plan")
    app.status = "submitted"
    db.session.commit()
    c = page_client(user=w.users["chengdu"])
    assert c.get(f"/region/materials/{material.id}").status_code == 404
    assert client.get(f"/api/v1/materials/{material.id}", headers=w.headers["chengdu"]).status_code == 404
    mine = page_client(user=w.users["mianyang"])
    res = mine.get(f"/region/materials/{material.id}")
    assert res.status_code == 200
    res.close()


def test_a_city_cannot_recommend_another_citys_application(client, vetting_world):
    w = vetting_world
    res = client.put(
        f"/api/v1/rounds/{w.round.id}/recommendations",
        json={"application_ids": [w.apps.fucheng.id]},
        headers=w.headers["chengdu"],
    )
    assert res.status_code in (404, 409, 422), res.get_json()
    for bad in (
        {"application_ids": ["1"]},
        {"application_ids": [0]},
        {"application_ids": [2**63]},
        {"application_ids": None},
        {"application_ids": [w.apps.county.id] * 2},
        [],
    ):
        res = client.put(
            f"/api/v1/rounds/{w.round.id}/recommendations", json=bad, headers=w.headers["chengdu"]
        )
        assert res.status_code in (409, 422), (bad, res.status_code)
    db.session.expire_all()
    assert db.session.get(Application, w.apps.fucheng.id).status == "submitted"
    assert db.session.scalar(select(func.count()).where(Application.status == "recommended")) == 0


def test_a_reason_with_control_characters_or_too_long_is_refused(client, vetting_world):
    w = vetting_world
    for reason in ("bad\x00reason", "bad\x1breason", "", "   ", "x" * 2001):
        res = client.post(
            f"/api/v1/applications/{w.apps.wuhou1.id}/return",
            json={"reason": reason},
            headers=w.headers["wuhou"],
        )
        assert res.status_code == 422 and "reason" in json.dumps(res.get_json()["errors"]), reason
    db.session.expire_all()
    assert db.session.get(Application, w.apps.wuhou1.id).status == "submitted"


def test_paging_and_filters_of_the_queue_are_bounded(client, page_client, vetting_world):
    w = vetting_world
    h = w.headers["chengdu"]
    for query in (
        "page=0",
        "page=-1",
        "page=abc",
        "page=99999999999999999999",
        "page_size=100000",
        "status=nonsense",
        "county_code=51010%",
        "q=" + "x" * 500,
    ):
        res = client.get(f"/api/v1/rounds/{w.round.id}/vetting?{query}", headers=h)
        assert res.status_code in (200, 422), (query, res.status_code)
    c = page_client(user=w.users["chengdu"])
    for query in (
        "page=-1",
        "page=99999999999999999999",
        "page=abc",
        "status=x",
        "round=abc",
        "round=99999999999",
        "q=%25",
        "q=" + "x" * 500,
    ):
        assert c.get(f"/region/?{query}").status_code in (200, 404, 422), query
        assert c.get(f"/region/ranking?{query}").status_code in (200, 404, 422), query


def test_names_are_escaped_on_the_region_pages(page_client, vetting_world, make_org, make_round):
    w = vetting_world
    org = make_org(name=SCRIPT, city="成都市", city_code="510100", county="武侯区", county_code="510107")
    app = Application(round_id=w.round.id, organisation_id=org.id, status="endorsed", figures={})
    db.session.add(app)
    db.session.commit()
    c = page_client(user=w.users["chengdu"])
    for url in (
        f"/region/?round={w.round.id}",
        f"/region/ranking?round={w.round.id}",
        f"/region/applications/{app.id}",
    ):
        html = c.get(url).get_data(as_text=True)
        assert SCRIPT not in html and "&lt;script&gt;" in html, url


def test_region_forms_without_a_csrf_token_are_refused(page_client, vetting_world):
    w = vetting_world
    c = page_client(user=w.users["wuhou"])
    res = c.post(f"/region/applications/{w.apps.wuhou1.id}/endorse", data={})
    assert res.status_code == 400
    city = page_client(user=w.users["chengdu"])
    assert city.post("/region/ranking", data={"round": w.round.id}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Application, w.apps.wuhou1.id).status == "submitted"


# ------------------------------------------------------------------------------- round settings


@pytest.mark.parametrize(
    "body",
    [
        {
            "city_quotas": {
                f"{5100 + k // 100:04d}{k % 100:02d}"[:4] + "00": {"kind": "number", "value": 1}
                for k in range(10_000)
            }
            | {f"{k:04d}00": {"kind": "number", "value": 1} for k in range(1000, 1400)}
        },
        {"quota": {"kind": "number", "value": -1}},
        {"quota": {"kind": "share", "value": 1.5}},
        {"quota": {"kind": "number", "value": 2.5}},
        {"quota": {"kind": "number", "value": "5"}},
        {"quota": {"kind": "percent", "value": 5}},
        {"quota": {"kind": "number"}},
        {"quota": {"kind": "number", "value": 1e308}},
        {"reviewers_per_application": "5"},
        {"reviewers_per_application": 0},
        {"reviewers_per_application": 10**9},
        {"max_load": -3},
        {"disagreement_spread": -0.1},
        {"disagreement_spread": "0.3"},
        {"county_step": "yes"},
        {"blind": 1},
        {"conflicts": {"same_region": "no"}},
        {"conflicts": {"region_level": "province"}},
        {"conflicts": []},
        {"unknown": 1},
        [],
    ],
)
def test_settings_bombs_and_wrong_types_are_refused(client, admin, make_round, body):
    rnd = make_round()
    before = dict(rnd.settings or {})
    res = client.patch(f"/api/v1/rounds/{rnd.id}/settings", json=body, headers=admin)
    assert res.status_code == 422, (body if len(str(body)) < 200 else "bomb", res.get_json())
    db.session.expire_all()
    assert (db.session.get(type(rnd), rnd.id).settings or {}) == before


def test_settings_with_nan_or_infinity_literals_are_refused(client, admin, make_round):
    rnd = make_round()
    for text in (
        '{"disagreement_spread": NaN}',
        '{"quota": {"kind": "share", "value": Infinity}}',
        '{"disagreement_spread": 1e999}',
    ):
        res = client.patch(
            f"/api/v1/rounds/{rnd.id}/settings",
            data=text,
            headers={**admin, "Content-Type": "application/json"},
        )
        assert res.status_code in (400, 422), text


def test_settings_by_others_and_without_csrf_are_refused(client, page_client, make_round, make_user):
    rnd = make_round()
    for role in ("reviewer", "county_office", "applicant"):
        _user, h = make_user(role, **({"home_region_code": "510107"} if role == "county_office" else {}))
        assert (
            client.patch(f"/api/v1/rounds/{rnd.id}/settings", json={"blind": True}, headers=h).status_code
            == 403
        )
        assert client.get(f"/api/v1/rounds/{rnd.id}/settings", headers=h).status_code == 403
    c = page_client("admin")
    assert c.post(f"/office/rounds/{rnd.id}/settings", data={"blind": "1"}).status_code == 400
    form = {
        "quota.kind": "number",
        "quota.value": "nan",
        "reviewers_per_application": "5",
        "inspectors_per_application": "3",
        "disagreement_spread": "inf",
        "conflicts.region_level": "county",
        "version": "1",
    }
    for k in range(1000, 1400):
        form.update({f"city.{k:04d}00.kind": "number", f"city.{k:04d}00.value": "1"})
    res = post(c, f"/office/rounds/{rnd.id}/settings", form)
    assert res.status_code == 422
    db.session.expire_all()
    assert not db.session.get(type(rnd), rnd.id).settings


# ------------------------------------------------------------------------------------- reviews


def test_hostile_scores_are_refused_and_nothing_is_saved(client, make_review_case):
    case = make_review_case()
    a, h = case.assignment(), case.headers()
    bodies = [
        {"scores": {"plan_quality": -1}},
        {"scores": {"plan_quality": 1e308}},
        {"scores": {"plan_quality": 10**400}},
        {"scores": {"plan_quality": "8"}},
        {"scores": {"plan_quality": True}},
        {"scores": {"plan_quality": [8]}},
        {"scores": {"plan_quality": {"value": 8}}},
        {"scores": {"nope": 1}},
        {"scores": {f"k{i}": 1 for i in range(5000)}},
        {"scores": [1, 2]},
        {"scores": "x"},
        {"comments": {"": "bad\x00text"}},
        {"comments": {"plan_quality": "esc\x1b[31m"}},
        {"comments": {"plan_quality": "x" * 2001}},
        {"comments": {"": "x" * 5001}},
        {"comments": {"unknown": "hi"}},
        {"comments": {"": 5}},
        {"vetoes": [{"flag": "not_a_flag", "reason": "x"}]},
        {"vetoes": [{"flag": "falsified_materials", "reason": " "}]},
        {"vetoes": [{"flag": "falsified_materials"}]},
        {
            "vetoes": [
                {"flag": "falsified_materials", "reason": "a"},
                {"flag": "falsified_materials", "reason": "b"},
            ]
        },
        {"vetoes": [{"flag": "falsified_materials", "reason": "a"}] * 51},
        {"bonus_verified": {"unclaimed_item": True}},
        {"bonus_verified": {"meeting": "yes"}},
        {"bonus_verified": {"meeting": 1}},
        {"status": "final"},
        {"extra": 1},
        {"status": "submitted", "scores": {"plan_quality": 8}},
        [],
        "text",
        5,
        None,
    ]
    for body in bodies:
        res = client.put(
            f"/api/v1/assignments/{a.id}/review",
            data=json.dumps(body),
            headers={**h, "If-Match": '"v0"', "Content-Type": "application/json"},
        )
        shown = body if len(json.dumps(body)) < 300 else "big"
        assert res.status_code in (400, 422), (shown, res.status_code, res.get_data(as_text=True)[:300])
        assert res.get_json()["code"] == res.status_code
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_deeply_nested_and_broken_json_bodies_are_refused(client, make_review_case):
    case = make_review_case()
    a, h = case.assignment(), case.headers()
    for text in (
        '{"scores": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "{bad json",
        "\xff\xfe",
        '{"scores": {"plan_quality": 1' + "0" * 5000 + "}}",
    ):
        res = client.put(
            f"/api/v1/assignments/{a.id}/review",
            data=text.encode("utf-8", "surrogatepass"),
            headers={**h, "If-Match": '"v0"', "Content-Type": "application/json"},
        )
        assert res.status_code in (400, 413, 422), (text[:30], res.status_code)
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_a_review_body_goes_through_the_limits_of_every_json_body(client, make_review_case):
    """The reported case: 19 MiB of comments was parsed and answered 422 (PATCH /applications/{id}
    answers 413), a lone surrogate or a 31-digit score a bare 400. Now: 413 before parsing, 422
    naming the field, in the envelope; nothing saved."""
    case = make_review_case()
    a, h = case.assignment(), {**case.headers(), "If-Match": '"v0"', "Content-Type": "application/json"}
    url = f"/api/v1/assignments/{a.id}/review"
    res = client.put(url, data=b'{"comments": {"": "' + b"x" * (19 * 1024 * 1024) + b'"}}', headers=h)
    assert res.status_code == 413 and res.json["code"] == 413
    assert res.json["message"] == "The JSON body is larger than the limit of 1048576 bytes."
    res = client.put(url, data=b'{"comments": {"plan_quality": "\\ud800"}}', headers=h)
    assert res.status_code == 422 and res.json["errors"] == {
        "json": {
            "comments": {
                "plan_quality": [
                    "Must not contain a lone surrogate (U+D800 to U+DFFF); send valid Unicode text."
                ]
            }
        }
    }
    res = client.put(url, data=b'{"scores": {"plan_quality": ' + b"9" * 31 + b"}}", headers=h)
    assert res.status_code == 422 and res.json["errors"] == {
        "json": {"scores": {"plan_quality": ["An integer may have at most 30 digits; this one has 31."]}}
    }
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_a_reviewer_never_reads_another_reviewers_review_or_an_unassigned_application(
    client, make_review_case, make_user
):
    case = make_review_case(reviewers=2)
    mine, theirs = case.assignment(0, 0), case.assignment(0, 1)
    assert put_review(client, theirs, FULL, case.headers(1)).status_code == 200
    h = case.headers(0)
    for url in (
        f"/api/v1/assignments/{theirs.id}/review",
        f"/api/v1/assignments/{theirs.id}/sheet",
        f"/api/v1/assignments/{theirs.id}",
    ):
        assert client.get(url, headers=h).status_code == 404, url  # not theirs: not found
    assert put_review(client, theirs, FULL, h, version="v1").status_code == 404
    listed = client.get(f"/api/v1/assignments?mine=0&reviewer_id={case.reviewers[1][0].id}", headers=h)
    assert {row["reviewer_id"] for row in listed.get_json()} <= {case.reviewers[0][0].id}
    # The sheet of my own assignment names nobody else.
    sheet = client.get(f"/api/v1/assignments/{mine.id}/sheet", headers=h).get_data(as_text=True)
    assert case.reviewers[1][0].display_name not in sheet and case.reviewers[1][0].username not in sheet
    # A reviewer with no assignment: no application, no materials.
    _other, oh = make_user("reviewer")
    app_id = case.applications[0].id
    assert client.get(f"/api/v1/applications/{app_id}", headers=oh).status_code == 404
    assert client.get(f"/api/v1/applications/{app_id}/materials", headers=oh).status_code == 404
    assert client.get("/api/v1/assignments/99999999/review", headers=oh).status_code == 404


def test_saves_outside_review_or_on_a_recused_assignment_are_conflicts(client, make_review_case):
    from evaluator.assignments.models import Assignment

    case = make_review_case(reviewers=2)
    row = db.session.get(Assignment, case.assignment(0, 1).id)
    row.status = "recused"
    db.session.commit()
    res = put_review(client, row, FULL, case.headers(1))
    assert res.status_code == 409
    case.round.phase = "scoring_closed"
    db.session.commit()
    assert put_review(client, case.assignment(), FULL, case.headers()).status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_a_stale_or_forged_version_changes_nothing(client, make_review_case):
    case = make_review_case()
    a, h = case.assignment(), case.headers()
    assert put_review(client, a, {"scores": {"novelty": 1}}, h).status_code == 200
    for version in ("v0", "v2", "v-1", "1", "v99999999999999999999", ""):
        res = put_review(client, a, {"scores": {"novelty": 2}}, h, version=version)
        assert res.status_code == 412, version
    body = client.get(f"/api/v1/assignments/{a.id}/review", headers=h).get_json()
    assert body["scores"] == {"novelty": 1.0} and body["version"] == 1


def test_blind_mode_leaks_nothing_through_the_api_or_the_profile_page(client, page_client, make_review_case):
    case = make_review_case(settings={"blind": True})
    name = case.applications[0].organisation.name
    a, h = case.assignment(), case.headers()
    for url in (
        f"/api/v1/assignments/{a.id}/sheet",
        f"/api/v1/assignments/{a.id}",
        f"/api/v1/assignments/{a.id}/review",
        "/api/v1/assignments?mine=1",
    ):
        text = client.get(url, headers=h).get_data(as_text=True)
        assert name not in text and "锦江区" not in text and "春熙路" not in text, url
    assert client.get(f"/api/v1/applications/{case.applications[0].id}", headers=h).status_code == 403
    # Errors name no applicant either.
    text = put_review(client, a, {"scores": {"plan_quality": 99}}, h).get_data(as_text=True)
    assert name not in text
    conflicts = f"/api/v1/rounds/{case.round.id}/conflicts"
    text = client.post(conflicts, json={"organisation": "别的社区", "reason": "x"}, headers=h).get_data(
        as_text=True
    )
    assert name not in text and "锦江区" not in text
    assert name not in client.get(conflicts, headers=h).get_data(as_text=True)
    # No conflict is declared on an application any more: the address is gone.
    gone = client.post(
        f"/api/v1/applications/{case.applications[0].id}/conflicts", json={"reason": "x"}, headers=h
    )
    assert gone.status_code in (404, 405)
    # The profile page lists no application, and no applicant, to declare a conflict with.
    c = page_client(user=case.reviewers[0][0])
    html = c.get("/reviewer/profile").get_data(as_text=True)
    assert name not in html


def test_a_recusal_does_not_name_the_replacement(client, make_review_case, make_reviewer):
    case = make_review_case(reviewers=1)
    spare, _ = make_reviewer(region="510703", affiliation="西南交大")
    res = client.post(
        f"/api/v1/assignments/{case.assignment().id}/recuse",
        json={"reason": "同事关系"},
        headers=case.headers(),
    )
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["replacement"] is not None
    text = json.dumps(body, ensure_ascii=False)
    assert spare.display_name not in text and spare.username not in text
    assert "reviewer_id" not in body["replacement"]


def test_autosave_refuses_bodies_without_a_token_a_version_or_a_form(page_client, make_review_case):
    case = make_review_case()
    a = case.assignment()
    c = page_client(user=case.reviewers[0][0])
    url = f"/reviewer/assignments/{a.id}/autosave"
    assert c.post(url, data={"scores.novelty": "2", "version": "0"}).status_code == 400  # no CSRF
    tok = {"X-CSRFToken": c.csrf}
    res = c.post(url, data="{bad json", headers={**tok, "Content-Type": "application/json"})
    assert res.status_code in (415, 422) and res.get_json()["code"] == res.status_code
    res = c.post(url, data={"scores.novelty": "2"}, headers=tok)
    assert res.status_code == 422 and "version" in res.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0
    # A draft is saved entry by entry: a score that is not a finite number and a comment with a
    # control character are named as not saved, and nothing of them is stored.
    res = c.post(url, data={"scores.novelty": "nan", "version": "0"}, headers=tok)
    assert res.status_code == 200 and "scores.novelty" in res.get_json()["not_saved"], res.get_json()
    res = c.post(url, data={"scores.novelty": "2", "version": "1", "comments.novelty": "a\x07b"}, headers=tok)
    assert res.status_code == 200 and list(res.get_json()["not_saved"]) == ["comments.novelty"]
    db.session.expire_all()
    review = db.session.scalar(select(Review))
    assert review.comments == {} and review.version == 2
    # A saved draft is not wiped by a JSON body that carries the version.
    res = c.post(url, data=json.dumps({"version": "2"}), headers={**tok, "Content-Type": "application/json"})
    assert res.status_code in (415, 422)
    db.session.expire_all()
    review = db.session.scalar(select(Review))
    assert review.version == 2
    # Another reviewer's autosave: not found, as a missing assignment is.
    other = page_client(user=case.reviewers[1][0])
    for target in (url, "/reviewer/assignments/2147483647/autosave"):
        form = {"scores.novelty": "3", "version": "2"}
        assert other.post(target, data=form, headers={"X-CSRFToken": other.csrf}).status_code == 404


def test_reviewer_forms_without_a_csrf_token_are_refused(page_client, make_review_case, make_round):
    case = make_review_case()
    a = case.assignment()
    c = page_client(user=case.reviewers[0][0])
    for url, data in (
        (f"/reviewer/assignments/{a.id}", {"scores.novelty": "2", "version": "0"}),
        (f"/reviewer/assignments/{a.id}/recuse", {"reason": "x"}),
        ("/reviewer/profile/expertise", {"expertise": "A"}),
        ("/reviewer/profile/conflicts", {"round_id": case.round.id, "organisation": "x", "reason": "x"}),
    ):
        assert c.post(url, data=data).status_code == 400, url
    db.session.expire_all()
    assert db.session.get(type(a), a.id).status == "active"
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_forged_ids_on_reviewer_pages(page_client, make_review_case):
    case = make_review_case(applications=2)
    c = page_client(user=case.reviewers[0][0])
    mine = case.assignment(0, 0)
    assert c.get("/reviewer/assignments/99999999").status_code == 404
    assert c.get(f"/reviewer/assignments/{case.assignment(0, 1).id}").status_code == 404
    assert c.get(f"/reviewer/assignments/{mine.id}/materials/99999999").status_code == 404
    assert c.get(f"/reviewer/assignments/{case.assignment(0, 1).id}/recuse").status_code == 404
    res = post(c, "/reviewer/profile/conflicts", {"round_id": "99999999", "organisation": "x", "reason": "x"})
    assert res.status_code == 422
    res = post(c, "/reviewer/profile/conflicts", {"round_id": "abc", "organisation": "x", "reason": "x"})
    assert res.status_code == 422
    res = post(c, "/reviewer/profile/expertise", {"expertise": ["<b>nope</b>"] * 3})
    assert res.status_code == 422 and "<b>nope</b>" not in res.get_data(as_text=True)


def test_names_are_escaped_on_the_reviewer_and_office_pages(page_client, make_review_case, make_user):
    case = make_review_case()
    app = case.applications[0]
    app.organisation.name = SCRIPT + "社区"
    reviewer = case.reviewers[0][0]
    reviewer.display_name = '<img src=x onerror="alert(1)">'
    db.session.commit()
    c = page_client(user=reviewer)
    pages = ("/reviewer/assignments", f"/reviewer/assignments/{case.assignment().id}", "/reviewer/profile")
    for url in pages:
        html = c.get(url).get_data(as_text=True)
        assert SCRIPT not in html and "<img src=x" not in html, url
    office = page_client("admin")
    for url in (
        f"/office/rounds/{case.round.id}/assignments",
        f"/office/rounds/{case.round.id}/assignments/applications/{app.id}",
        f"/office/assignments/reviewers/{reviewer.id}",
    ):
        res = office.get(url)
        html = res.get_data(as_text=True)
        assert res.status_code == 200, url
        assert SCRIPT not in html and "<img src=x" not in html, url


def test_office_assignment_forms_refuse_forged_ids_and_missing_tokens(page_client, make_review_case):
    case = make_review_case()
    office = page_client("admin")
    rid, app = case.round.id, case.applications[0]
    assert office.post(f"/office/rounds/{rid}/assignments/auto", data={"seed": "0"}).status_code == 400
    assert (
        office.post(f"/office/assignments/{case.assignment().id}/remove", data={"reason": "x"}).status_code
        == 400
    )
    assert office.get(f"/office/rounds/{rid}/assignments/applications/99999999").status_code == 404
    assert office.get("/office/assignments/reviewers/99999999").status_code == 404
    for data in (
        {"reviewer_id": "99999999"},
        {"reviewer_id": "abc"},
        {"reviewer_id": "-1"},
        {"reviewer_id": str(case.reviewers[0][0].id), "kind": "sideways"},
    ):
        res = post(office, f"/office/rounds/{rid}/assignments/applications/{app.id}/add", data)
        assert res.status_code in (404, 409, 422), data
    for query in ("page=-5", "page=abc", "page=99999999999999999999", "kind=nonsense"):
        assert office.get(f"/office/rounds/{rid}/assignments?{query}").status_code in (200, 404, 422), query


# ------------------------------------------------------------------------------------- results


def test_results_by_others_or_in_a_wrong_phase_are_refused(
    client, page_client, make_scored_round, make_user, admin
):
    scored = make_scored_round(n_apps=4, n_reviewers=5, per_app=3)
    rid = scored.rnd.id
    for role in ("reviewer", "applicant", "county_office", "city_office"):
        extra = (
            {"home_region_code": "510100" if role == "city_office" else "510107"}
            if role.endswith("office")
            else {}
        )
        _, h = make_user(role, **extra)
        assert client.post(f"/api/v1/rounds/{rid}/results/compute", headers=h).status_code == 403
        for url in (
            f"/api/v1/rounds/{rid}/results",
            f"/api/v1/rounds/{rid}/results/reviewers",
            f"/api/v1/rounds/{rid}/results/export",
            f"/api/v1/applications/{scored.apps[0].id}/result",
        ):
            assert client.get(url, headers=h).status_code == 403, (role, url)
    assert client.post(f"/api/v1/rounds/{rid}/results/compute").status_code == 401
    office = page_client("admin")
    assert office.post(f"/office/rounds/{rid}/results/compute").status_code == 400  # no CSRF token
    for phase in ("open", "notice", "draft"):
        scored.rnd.phase = phase
        db.session.commit()
        assert client.post(f"/api/v1/rounds/{rid}/results/compute", headers=admin).status_code == 409
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "results.computed")
        )
        == 0
    )


def test_hostile_names_are_inert_in_the_results_pages_and_exports(
    client, page_client, make_scored_round, admin
):
    names = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", SCRIPT, "\t=1", "＝1+1", "\r=1"]
    scored = make_scored_round(n_apps=8, n_reviewers=6, per_app=4, names=names)
    scored.reviewers[0].display_name = "=cmd|' /C calc'!A0"
    db.session.commit()
    rid = scored.rnd.id
    assert client.post(f"/api/v1/rounds/{rid}/results/compute", headers=admin).status_code == 201
    for detail in ("summary", "scores"):
        res = client.get(f"/api/v1/rounds/{rid}/results/export?format=csv&detail={detail}", headers=admin)
        assert res.status_code == 200
        for row in csv.reader(io.StringIO(res.get_data(as_text=True).lstrip("\ufeff"))):
            for cell in row:
                assert cell[:1] not in ("=", "+", "-", "@", "＝", "\t", "\r", "\n") or _number(cell), cell
        res = client.get(f"/api/v1/rounds/{rid}/results/export?format=xlsx&detail={detail}", headers=admin)
        assert res.status_code == 200
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(res.data)).active
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
    office = page_client("admin")
    pages = [
        f"/office/rounds/{rid}/results",
        f"/office/rounds/{rid}/results/reviewers",
        f"/office/rounds/{rid}/results/disagreements",
        *(f"/office/rounds/{rid}/results/applications/{a.id}" for a in scored.apps),
    ]
    for url in pages:
        res = office.get(url)
        html = res.get_data(as_text=True)
        assert res.status_code == 200, url
        assert SCRIPT not in html, url


def _number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def test_radar_chart_escapes_hostile_labels():
    from evaluator.results.pages.radar import radar_chart

    svg = str(
        radar_chart(
            [SCRIPT, '"><g onload="x', "&amp;"],
            [0.5, float("nan"), 2.0],
            [None, 0.1, -1],
            "</title><script>1</script>",
            series=(SCRIPT, '" onmouseover="x'),
        )
    )
    assert "<script>" not in svg and 'onload="x' not in svg and 'onmouseover="x' not in svg
    assert svg.count("<svg") == 1 and svg.endswith("</svg>")
    assert radar_chart([], [], [], "t").startswith("<svg")


def test_results_paging_and_sort_abuse(client, page_client, make_scored_round, admin):
    scored = make_scored_round(n_apps=4, n_reviewers=5, per_app=3)
    rid = scored.rnd.id
    assert client.get(f"/api/v1/rounds/{rid}/results", headers=admin).status_code == 404  # not computed
    assert client.post(f"/api/v1/rounds/{rid}/results/compute", headers=admin).status_code == 201
    for query in (
        "sort=evil",
        "sort=name;drop",
        "descending=maybe",
        "page=-1",
        "page_size=100000",
        "grade=%00",
        "city_code=" + "9" * 300,
        "status=x",
        "disagreement=perhaps",
        "page=99999999999999999999",
        "format=pdf",
    ):
        res = client.get(f"/api/v1/rounds/{rid}/results?{query}", headers=admin)
        assert res.status_code in (200, 422), (query, res.status_code)
        res = client.get(f"/api/v1/rounds/{rid}/results/export?{query}", headers=admin)
        assert res.status_code in (200, 422), (query, res.status_code)
    office = page_client("admin")
    for query in (
        "sort=evil",
        "sort=-",
        "sort=--total",
        "page=-1",
        "page=abc",
        "page=99999999999999999999",
        "grade=%00",
        "disagreement=perhaps",
        "city_code=" + "9" * 300,
    ):
        assert office.get(f"/office/rounds/{rid}/results?{query}").status_code in (200, 422), query
        assert office.get(f"/office/rounds/{rid}/results/disagreements?{query}").status_code in (200, 422)
        res = office.get(f"/office/rounds/{rid}/results/export?format=csv&{query}")
        assert res.status_code in (200, 404, 422), query
    other = make_scored_round(n_apps=2, n_reviewers=3, per_app=2)
    assert office.get(f"/office/rounds/{rid}/results/applications/{other.apps[0].id}").status_code == 404
    assert office.get(f"/office/rounds/{rid}/results/applications/99999999").status_code == 404
    assert client.get("/api/v1/applications/99999999/result", headers=admin).status_code == 404


def test_a_recused_reviewer_no_longer_reads_the_sheet_or_the_review(client, make_review_case):
    from evaluator.assignments.models import Assignment

    case = make_review_case()
    row = db.session.get(Assignment, case.assignment().id)
    for url in (f"/api/v1/assignments/{row.id}/sheet", f"/api/v1/assignments/{row.id}/review"):
        assert client.get(url, headers=case.headers()).status_code == 200, url
    row.status = "recused"
    db.session.commit()
    for url in (f"/api/v1/assignments/{row.id}/sheet", f"/api/v1/assignments/{row.id}/review"):
        assert client.get(url, headers=case.headers()).status_code == 403, url
