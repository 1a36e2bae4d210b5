"""The office's round pages: the list, a round with its criteria tree, creating a round (the same
refusals as the API), editing it while in preparation, and moving it on to its next phase."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from evaluator.audit.models import AuditEvent
from evaluator.core.db import as_aware
from evaluator.criteria import load_criteria
from evaluator.extensions import db
from evaluator.rounds.models import Round
from tests.pages import post

MINI = Path(__file__).parent / "data" / "mini.yaml"


def _rounds() -> int:
    return db.session.scalar(select(func.count()).select_from(Round))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def field_errors(res, name: str) -> list[str]:
    """The messages shown beside a form field (for the upload, its problems by path)."""
    page = res.get_data(as_text=True)
    if name == "criteria_yaml" and 'id="criteria_yaml-problems"' in page:
        block = page.split('id="criteria_yaml-problems"', 1)[1].split("</div>", 1)[0]
        return [html.unescape(m) for m in re.findall(r"</code>: (.*?)</li>", block, re.S)]
    found = re.search(rf'<ul class="field-errors" id="{re.escape(name)}-errors">(.*?)</ul>', page, re.S)
    return [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)] if found else []


def api_errors(res, name: str) -> list[str]:
    """The messages of a field in an API error envelope (schema errors sit under "json")."""
    errors = res.json["errors"]
    found = errors.get("json", errors).get(name)
    return found if isinstance(found, list) else [m for ms in found.values() for m in ms]


def new_round(c, **fields):
    return post(
        c,
        "/office/rounds/new",
        {"title": "2026年测试批次", "notice_days": "7", **fields},
        content_type="multipart/form-data",
    )


def test_the_list_and_a_round_page_show_the_tree_with_points_and_the_ahp_consistency(page_client, make_round):
    c = page_client("admin")
    rnd = make_round(phase="draft", criteria=load_criteria("ssz-2026"), title="2026年街道批次")
    listing = c.get("/office/rounds").get_data(as_text=True)
    assert "2026年街道批次" in listing and "Subdistrict service innovation zone" in listing
    res = c.get(f"/office/rounds/{rnd.id}")
    page = html.unescape(res.get_data(as_text=True))
    assert res.status_code == 200
    cs = load_criteria("ssz-2026")
    assert rnd.criteria_sha256 in page and "In preparation" in page
    assert f"{cs.title_en} (version {cs.version})" in page and "ssz-2026" not in page  # the set by name
    assert f"{cs.title_en} (version {cs.version})" in listing
    ahp_node = next(n for n in cs.walk() if n.ahp is not None)
    row = re.search(rf'<tr id="node-{ahp_node.id}".*?</tr>', page, re.S).group(0)
    assert f"consistency ratio {ahp_node.ahp.cr:.4f}".rstrip("0") in row
    leaf = cs.leaves[0]
    leaf_row = re.search(rf'<tr id="node-{leaf.id}".*?</tr>', page, re.S).group(0)
    assert f"{leaf.points:,.2f}".rstrip("0").rstrip(".") in leaf_row and leaf.method in leaf_row
    assert "Veto items" in page and "Grades" in page and cs.fields[0].label_en in page


def test_a_round_is_created_from_a_bundled_set_with_beijing_times_stored_in_utc(page_client):
    c = page_client("admin")
    form = c.get("/office/rounds/new").get_data(as_text=True)
    assert 'value="fc-2026"' in form and 'type="datetime-local"' in form
    res = new_round(
        c,
        criteria_id="fc-2026",
        opens_at="2026-03-01T09:00",
        submission_deadline="2026-05-31T18:00",
        review_deadline="2026-06-30T18:00",
        notice_days="10",
    )
    assert res.status_code == 303, res.get_data(as_text=True)[:3000]
    rnd = db.session.scalars(select(Round)).one()
    assert rnd.phase == "draft" and rnd.criteria_id == "fc-2026" and rnd.notice_days == 10
    assert as_aware(rnd.submission_deadline) == datetime(2026, 5, 31, 10, 0, tzinfo=UTC)
    assert res.location.endswith(f"/office/rounds/{rnd.id}")
    assert "created in preparation" in c.get(res.location).get_data(as_text=True)
    assert len(_events("round.created")) == 1


def test_a_round_is_created_from_an_uploaded_criteria_file(page_client):
    c = page_client("admin")
    res = new_round(c, criteria_yaml=(io.BytesIO(MINI.read_bytes()), "mini.yaml"))
    assert res.status_code == 303, res.get_data(as_text=True)[:3000]
    assert db.session.scalars(select(Round)).one().criteria_id == "mini"


@pytest.mark.parametrize(
    ("form", "body", "name"),
    [
        (
            {
                "criteria_id": "fc-2026",
                "submission_deadline": "2026-05-31T18:00",
                "review_deadline": "2026-05-01T18:00",
            },
            {
                "criteria_id": "fc-2026",
                "submission_deadline": "2026-05-31T10:00:00+00:00",
                "review_deadline": "2026-05-01T10:00:00+00:00",
            },
            "review_deadline",
        ),
        ({"criteria_id": "nope"}, {"criteria_id": "nope"}, "criteria_id"),
        (
            {"criteria_yaml": (io.BytesIO(b"id: [unclosed\n"), "bad.yaml")},
            {"criteria_yaml": "id: [unclosed\n"},
            "criteria_yaml",
        ),
        ({}, {}, "criteria_id"),
    ],
)
def test_the_form_refuses_what_the_api_refuses_with_the_same_message(
    page_client, client, admin, form, body, name
):
    c = page_client("admin")
    res = new_round(c, **form)
    assert res.status_code == 422
    shown = field_errors(res, name)
    api = client.post("/api/v1/rounds", headers=admin, json={"title": "2026年测试批次", **body})
    assert api.status_code == 422
    assert shown and shown == [str(m) for m in api_errors(api, name)][: len(shown)], (shown, api.json)
    assert _rounds() == 0


def test_editing_a_draft_saves_and_audits_before_and_after(page_client, make_round):
    c = page_client("admin")
    rnd = make_round(phase="draft")
    form = c.get(f"/office/rounds/{rnd.id}/edit").get_data(as_text=True)
    assert f'name="version" value="{rnd.version}"' in form
    res = post(
        c,
        f"/office/rounds/{rnd.id}/edit",
        {
            "title": "2026年改名批次",
            "notice_days": "12",
            "version": str(rnd.version),
            "submission_deadline": "2026-05-31T18:00",
            "criteria_id": rnd.criteria_id,
        },
        content_type="multipart/form-data",
    )
    assert res.status_code == 303, res.get_data(as_text=True)[:3000]
    db.session.expire_all()
    rnd = db.session.get(Round, rnd.id)
    assert rnd.title == "2026年改名批次" and rnd.notice_days == 12
    (event,) = _events("round.updated")
    assert event.summary["changed"]["title"] == {"before": "2026年测试批次", "after": "2026年改名批次"}
    assert event.summary["changed"]["submission_deadline"]["after"] == "2026-05-31T10:00:00+00:00"


def test_a_stale_edit_is_refused_and_an_open_round_cannot_be_edited(page_client, make_round):
    c = page_client("admin")
    rnd = make_round(phase="draft")
    old = rnd.version
    rnd.title = "别人改过的标题"
    db.session.commit()
    res = post(
        c,
        f"/office/rounds/{rnd.id}/edit",
        {"title": "我的标题", "notice_days": "7", "version": str(old)},
        content_type="multipart/form-data",
    )
    assert res.status_code == 422 and "has changed since you read it" in res.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Round, rnd.id).title == "别人改过的标题" and not _events("round.updated")
    opened = make_round(phase="open")
    assert 'id="edit-round"' not in c.get(f"/office/rounds/{opened.id}").get_data(as_text=True)
    res = post(
        c,
        f"/office/rounds/{opened.id}/edit",
        {"title": "我的标题", "notice_days": "7", "version": str(opened.version)},
        content_type="multipart/form-data",
    )
    assert res.status_code == 422 and "only a round in preparation can be edited" in html.unescape(
        res.get_data(as_text=True)
    )


def test_moving_a_round_on_needs_a_reason_and_a_confirmation_and_is_audited(page_client, make_round):
    c = page_client("admin")
    rnd = make_round(phase="draft")
    page = c.get(f"/office/rounds/{rnd.id}").get_data(as_text=True)
    assert 'name="to" value="open"' in page and "Open for applications" in page
    url = f"/office/rounds/{rnd.id}/advance"
    base = {"to": "open", "version": str(rnd.version)}
    res = post(c, url, {**base, "reason": "材料齐备"})
    assert res.status_code == 422 and field_errors(res, "confirm") == ["Tick the box to confirm the move."]
    res = post(c, url, {**base, "confirm": "1"})
    assert res.status_code == 422 and field_errors(res, "reason")
    db.session.expire_all()
    assert db.session.get(Round, rnd.id).phase == "draft" and not _events("round.transition")
    res = post(c, url, {**base, "confirm": "1", "reason": "通知已印发"})
    assert res.status_code == 303
    db.session.expire_all()
    assert db.session.get(Round, rnd.id).phase == "open"
    (event,) = _events("round.transition")
    assert event.summary == {"from": "draft", "to": "open", "reason": "通知已印发"}
    res = post(c, url, {**base, "confirm": "1", "reason": "再次提交"})  # the old version: stale
    assert res.status_code == 422 and "has changed since you read it" in res.get_data(as_text=True)


def test_the_deadline_gate_refusal_is_shown_on_the_page(page_client, make_round):
    c = page_client("admin")
    rnd = make_round(phase="open", submission_deadline=datetime.now(UTC) + timedelta(days=3))
    res = post(
        c,
        f"/office/rounds/{rnd.id}/advance",
        {"to": "review", "version": str(rnd.version), "confirm": "1", "reason": "提前进入评审"},
    )
    page = html.unescape(res.get_data(as_text=True))
    assert res.status_code == 422 and "opens after the submission deadline" in page
    db.session.expire_all()
    assert db.session.get(Round, rnd.id).phase == "open"


def test_only_the_office_may_use_the_round_pages(app, page_client, make_round):
    rnd = make_round(phase="draft")
    urls = [
        "/office/",
        "/office/rounds",
        f"/office/rounds/{rnd.id}",
        "/office/rounds/new",
        f"/office/rounds/{rnd.id}/edit",
    ]
    for role in ("reviewer", "applicant"):
        c = page_client(role)
        for url in urls:
            assert c.get(url).status_code == 403, (role, url)
        assert post(c, f"/office/rounds/{rnd.id}/advance", {"to": "open"}).status_code == 403
    anonymous = app.test_client()
    for url in urls:
        res = anonymous.get(url)
        assert res.status_code == 302 and res.location.startswith("/sign-in"), url
    admin = page_client("admin")
    res = admin.post(
        f"/office/rounds/{rnd.id}/advance",
        data={"to": "open", "version": str(rnd.version), "confirm": "1", "reason": "无令牌"},
    )
    assert res.status_code == 400
    res = admin.post("/office/rounds/new", data={"title": "无令牌批次", "criteria_id": "fc-2026"})
    assert res.status_code == 400
    db.session.expire_all()
    assert db.session.get(Round, rnd.id).phase == "draft" and _rounds() == 1
