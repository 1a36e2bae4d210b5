"""Concurrent review saves through a real gunicorn with several workers: two reviewers of one
application at once both keep their scores; one reviewer in two tabs — of two saves made on the
same version exactly one wins, the other gets 412 and changes nothing, and nothing acknowledged is
lost. Runs on the suite's database; every request goes to 127.0.0.1 with a timeout."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.reviews.models import Review
from tests.live import parallel


@pytest.fixture
def server(live_workers):
    """The suite's three gunicorn workers."""
    return live_workers


def committed(assignment_id: int) -> Review | None:
    db.session.rollback()
    return db.session.scalar(
        select(Review).where(Review.assignment_id == assignment_id).execution_options(populate_existing=True)
    )


def test_two_reviewers_score_the_same_application_at_once(server, make_review_case):
    case = make_review_case(reviewers=4)
    ids = [case.assignment(0, r).id for r in range(4)]

    def save(r):
        return server.request(
            "PUT",
            f"/api/v1/assignments/{ids[r]}/review",
            {"scores": {"novelty": float(r + 1)}},
            {**case.headers(r), "If-Match": '"v0"'},
        )

    replies = parallel([lambda r=r: save(r) for r in range(4) for _ in (0,)])
    assert [r.status for r in replies] == [200] * 4, server.log()
    for r, ident in enumerate(ids):
        review = committed(ident)
        assert np.frombuffer(review.scores, "<f8")[2] == r + 1 and review.version == 1


def test_one_reviewer_in_two_tabs_the_stale_save_is_refused(server, make_review_case):
    case = make_review_case()
    url = f"/api/v1/assignments/{case.assignment().id}/review"
    h = case.headers()
    first = server.request("PUT", url, {"scores": {"novelty": 1.0}}, {**h, "If-Match": '"v0"'})
    assert first.status == 200
    for round_ in range(3):
        version = f'"v{round_ + 1}"'
        values = (1.5 + round_, 1.75 + round_)
        tabs = parallel(
            [
                lambda s=s, v=version: server.request(
                    "PUT", url, {"scores": {"novelty": s, "onsite": s}}, {**h, "If-Match": v}
                )
                for s in values
            ]
        )
        statuses = sorted(t.status for t in tabs)
        assert statuses == [200, 412], (round_, [(t.status, t.headers.get("ETag"), t.body) for t in tabs])
        winner = next(t for t in tabs if t.status == 200)
        loser = next(t for t in tabs if t.status == 412)
        assert "If-Match" in loser.body["errors"]
        review = committed(case.assignment().id)
        assert review.version == round_ + 2
        assert np.frombuffer(review.scores, "<f8")[2] == winner.body["scores"]["novelty"]
    db.session.rollback()
    events = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "review")
    )
    assert events == 4  # the first save and one per pair of tabs: the losers wrote nothing
