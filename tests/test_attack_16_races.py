"""Shortlists under concurrent office actions, through a real gunicorn with several workers: two
publications, two upheld objections or two recognitions at once — one wins, the other is refused,
and nothing is half-written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from evaluator.applications.models import Application
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.rounds.models import Round
from evaluator.shortlists import objections
from evaluator.shortlists.models import Shortlist, ShortlistEntry
from tests.live import parallel


@pytest.fixture
def server(live_workers):
    """The suite's three gunicorn workers."""
    return live_workers


def _count(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def _published_lists(round_id: int, kind: str = "shortlist") -> list[int]:
    return list(
        db.session.scalars(
            select(Shortlist.number).where(
                Shortlist.round_id == round_id, Shortlist.kind == kind, Shortlist.state == "published"
            )
        )
    )


def test_concurrent_publications_and_recognitions_one_wins(server, app, make_closed_round):
    sr, _admin, headers = make_closed_round(n_apps=6)
    draft = server.request("POST", f"/api/v1/rounds/{sr.rnd.id}/shortlists", {}, headers)
    assert draft.status == 201, server.log()
    url = f"/api/v1/shortlists/{draft.body['id']}/publish"
    replies = parallel([lambda: server.request("POST", url, None, headers) for _ in range(3)])
    assert sorted(r.status for r in replies) == [200, 409, 409], (replies, server.log())
    db.session.rollback()
    assert _published_lists(sr.rnd.id) == [1] and _count("shortlist.published") == 1
    assert db.session.get(Round, sr.rnd.id).phase == "notice"
    db.session.execute(
        text("UPDATE shortlist SET notice_ends = :d WHERE id = :i"),
        {
            "d": db.session.get(Shortlist, draft.body["id"]).notice_ends - timedelta(days=30),
            "i": draft.body["id"],
        },
    )
    db.session.commit()
    url = f"/api/v1/rounds/{sr.rnd.id}/recognition"
    replies = parallel([lambda: server.request("POST", url, None, headers) for _ in range(3)])
    assert sorted(r.status for r in replies) == [201, 409, 409], (replies, server.log())
    db.session.rollback()
    assert _published_lists(sr.rnd.id, "recognition") == [1] and _count("recognition.published") == 1
    statuses = set(db.session.scalars(select(Application.status).where(Application.round_id == sr.rnd.id)))
    assert statuses <= {"recognised", "rejected"}


def test_two_objections_upheld_at_once_against_one_unit(server, app, make_closed_round):
    sr, _admin, headers = make_closed_round(n_apps=6)
    draft = server.request("POST", f"/api/v1/rounds/{sr.rnd.id}/shortlists", {}, headers)
    assert (
        server.request("POST", f"/api/v1/shortlists/{draft.body['id']}/publish", None, headers).status == 200
    )
    db.session.rollback()
    listing = db.session.get(Shortlist, draft.body["id"])
    sent = [
        objections.submit(
            listing, {"name": "张三", "contact": "13800000000", "text": f"第{k}份异议：材料不实，请核查。"}
        )
        for k in range(2)
    ]
    db.session.commit()
    ids = [o.id for o in sent]
    target = db.session.scalars(
        select(ShortlistEntry.application_id)
        .where(ShortlistEntry.shortlist_id == listing.id, ShortlistEntry.selected.is_(True))
        .order_by(ShortlistEntry.position)
    ).first()
    body = {"outcome": "upheld", "remedy": "remove", "application_id": target, "reason": "经核查属实"}
    replies = parallel(
        [lambda i=i: server.request("POST", f"/api/v1/objections/{i}/decision", body, headers) for i in ids]
    )
    assert sorted(r.status for r in replies) == [200, 422], (replies, server.log())
    db.session.rollback()
    assert sorted(_published_lists(sr.rnd.id)) == [1, 2] and _count("shortlist.published") == 2
    assert db.session.get(Application, target).status == "not_shortlisted"
