"""Two automatic runs (and a manual add) at once through a real gunicorn: the round's lock makes them
take turns, so no panel is filled twice and no pair is made twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluator.assignments.models import Assignment
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from tests.live import parallel


@pytest.fixture
def server(live_workers):
    """The suite's three gunicorn workers."""
    return live_workers


def test_two_auto_runs_do_not_double_assign(server, admin, review_round, make_reviewer):
    rnd, _apps = review_round(30, settings={"reviewers_per_application": 3})
    for i in range(12):
        make_reviewer(region=["510302", "510603", "510104", "511102"][i % 4])
    url = f"/api/v1/rounds/{rnd.id}/assignments/auto"
    replies = parallel([lambda s=s: server.request("POST", url, {"seed": s}, admin) for s in (1, 2, 3)])
    assert [r.status for r in replies] == [200, 200, 200], server.log()
    made = sorted(r.body["pairs_made"] for r in replies)
    assert made == [0, 0, 90]
    db.session.rollback()
    per_app = db.session.execute(
        select(Assignment.application_id, func.count())
        .where(Assignment.round_id == rnd.id, Assignment.status == "active")
        .group_by(Assignment.application_id)
    ).all()
    assert len(per_app) == 30 and all(n == 3 for _, n in per_app)
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "assignment.auto")
        )
        == 3
    )
