"""Concurrent writes through a real gunicorn with several workers: nothing acknowledged is lost, no
check is made on a state that is not the one committed, and each event is logged exactly once.

Runs on the suite's database (SQLite or PostgreSQL). Every request goes to 127.0.0.1 with a timeout;
the counts are small and fixed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluator.applications.models import Application, Material
from evaluator.audit.models import AuditEvent
from evaluator.core.versions import etag_of
from evaluator.criteria import load_criteria
from evaluator.extensions import db
from evaluator.rounds.models import Round
from tests.live import parallel

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def server(live_workers):
    """The suite's three gunicorn workers."""
    return live_workers


@pytest.fixture
def fc_round(make_round):
    """An open round of the bundled featured-community set, committed."""
    return make_round(criteria=load_criteria("fc-2026"), title="并发测试批次")


@pytest.fixture
def draft(make_draft, make_user):
    """An applicant's empty draft in an open fc-2026 round; returns (application, headers)."""
    user, headers = make_user("applicant")
    _, application = make_draft(organisation=user.organisation)
    return application, headers


def events(action: str, object_id) -> int:
    db.session.rollback()  # read what the server committed, not this session's snapshot
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == action, AuditEvent.object_id == str(object_id))
    )


def fresh(model, ident):
    db.session.rollback()
    return db.session.get(model, ident, populate_existing=True)


def complete_figures(cs) -> dict:
    """A complete, valid form: the figures of the demo's first applicant."""
    from evaluator.demo.loader import figures_of
    from evaluator.demo.round import demo_round

    demo = demo_round(cs, applicants=1, seed=7)
    return figures_of(cs, demo.applications.iloc[0])


def test_parallel_patches_of_one_application_all_survive(server, draft):
    application, headers = draft
    cs = load_criteria("fc-2026")
    wanted = {
        f.key: 1 if f.type == "int" else 0.5
        for f in cs.fields
        if f.type in ("int", "float") and f.min == 0 and (f.max or 1) >= 1
    }
    wanted = dict(list(wanted.items())[:20])
    assert len(wanted) == 20
    url = f"/api/v1/applications/{application.id}"
    replies = parallel(
        [
            lambda k=k, v=v: server.request("PATCH", url, {"figures": {k: v}}, headers)
            for k, v in wanted.items()
        ]
    )
    assert [r.status for r in replies] == [200] * 20, server.log()
    stored = fresh(Application, application.id)
    assert {k: stored.figures.get(k) for k in wanted} == wanted
    assert events("application.updated", application.id) == 20
    # Every acknowledged change got its own version: twenty distinct ETags, the last one current.
    tags = {r.headers["ETag"] for r in replies}
    assert len(tags) == 20 and f'"{etag_of(stored)}"' in tags


def test_a_submit_racing_a_blanking_patch_never_commits_an_incomplete_form(server, app, fc_round, make_user):
    from evaluator.applications.intake import missing_required
    from evaluator.rounds.service import round_criteria

    cs = round_criteria(fc_round)
    required = [f.key for f in cs.fields if f.required]
    outcomes = set()
    for _ in range(8):
        user, headers = make_user("applicant")
        application = Application(
            round_id=fc_round.id,
            organisation_id=user.organisation_id,
            status="draft",
            figures=complete_figures(cs),
        )
        db.session.add(application)
        db.session.commit()
        assert missing_required(cs, application.figures) == []
        url = f"/api/v1/applications/{application.id}"
        patch, submit = parallel(
            [
                lambda url=url, h=headers: server.request("PATCH", url, {"figures": {required[0]: None}}, h),
                lambda url=url, h=headers: server.request("POST", url + "/submit", None, h),
            ]
        )
        stored = fresh(Application, application.id)
        if stored.status == "submitted":
            assert missing_required(cs, stored.figures) == [], (patch.status, submit.status)
            assert submit.status == 200 and patch.status == 409
            outcomes.add("submitted first")
        else:
            assert stored.status == "draft" and required[0] not in stored.figures
            assert patch.status == 200 and submit.status == 422
            outcomes.add("blanked first")
    assert outcomes  # each round of the race ended in one of the two consistent states


def test_parallel_deletes_of_one_material_succeed_exactly_once(server, app, draft):
    application, headers = draft
    uploaded = server.upload(f"/api/v1/applications/{application.id}/materials", PDF, headers)
    assert uploaded.status == 201, uploaded.body
    material_id = uploaded.body["id"]
    replies = parallel(
        [
            lambda: server.request("DELETE", f"/api/v1/materials/{material_id}", None, headers)
            for _ in range(10)
        ]
    )
    statuses = sorted(r.status for r in replies)
    assert statuses == [204] + [404] * 9, [r.body for r in replies]
    assert events("material.deleted", material_id) == 1
    assert fresh(Material, material_id) is None


def test_a_material_deleted_with_a_wrong_if_match_stays(client, draft):
    application, headers = draft
    body = {"file": (__import__("io").BytesIO(PDF), "材料.pdf")}
    uploaded = client.post(
        f"/api/v1/applications/{application.id}/materials",
        headers=headers,
        data=body,
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.json
    url = f"/api/v1/materials/{uploaded.json['id']}"
    assert client.delete(url, headers={**headers, "If-Match": '"' + "0" * 64 + '"'}).status_code == 412
    assert fresh(Material, uploaded.json["id"]) is not None
    tag = f'"{uploaded.json["sha256"]}"'
    assert client.delete(url, headers={**headers, "If-Match": tag}).status_code == 204


def test_parallel_phase_changes_move_the_round_once(server, app, fc_round, make_user):
    _, admin = make_user("admin")
    round_id = fc_round.id
    replies = parallel(
        [
            lambda: server.request("POST", f"/api/v1/rounds/{round_id}/transition", {"to": "review"}, admin)
            for _ in range(8)
        ]
    )
    assert sorted(r.status for r in replies) == [200] + [409] * 7, [r.body for r in replies]
    assert fresh(Round, round_id).phase == "review"
    assert events("round.transition", round_id) == 1


def test_a_stale_if_match_is_refused_and_changes_nothing(client, draft):
    application, headers = draft
    url = f"/api/v1/applications/{application.id}"
    first = client.get(url, headers=headers)
    tag = first.headers["ETag"]
    changed = client.patch(url, headers={**headers, "If-Match": tag}, json={"figures": {"grids": 3}})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    stale = client.patch(url, headers={**headers, "If-Match": tag}, json={"figures": {"grids": 4}})
    assert stale.status_code == 412 and stale.json["code"] == 412
    assert fresh(Application, application.id).figures == {"grids": 3}
    assert events("application.updated", application.id) == 1
    current = client.patch(
        url, headers={**headers, "If-Match": changed.headers["ETag"]}, json={"figures": {"grids": 5}}
    )
    assert current.status_code == 200
    anything = client.patch(url, headers={**headers, "If-Match": "*"}, json={"figures": {"grids": 6}})
    assert anything.status_code == 200
    for malformed in ('garbage"', ",", 'W/"v1"', ""):
        refused = client.patch(
            url, headers={**headers, "If-Match": malformed}, json={"figures": {"grids": 7}}
        )
        assert refused.status_code == 412, (malformed, refused.json)
    stale_submit = client.post(url + "/submit", headers={**headers, "If-Match": tag})
    assert stale_submit.status_code == 412
    assert fresh(Application, application.id).status == "draft"


def test_a_stale_if_match_on_a_phase_change_is_refused(client, fc_round, make_user):
    _, admin = make_user("admin")
    url = f"/api/v1/rounds/{fc_round.id}"
    tag = client.get(url, headers=admin).headers["ETag"]
    moved = client.post(url + "/transition", headers={**admin, "If-Match": tag}, json={"to": "review"})
    assert moved.status_code == 200
    stale = client.post(
        url + "/transition", headers={**admin, "If-Match": tag}, json={"to": "scoring_closed"}
    )
    assert stale.status_code == 412
    assert fresh(Round, fc_round.id).phase == "review"
