"""The one lock order (evaluator.core.locking): a lock asked for against it is refused at once, on
every database; and on PostgreSQL a review save racing the office's removal and re-adding of the same
assignment never deadlocks (they once took the round's and the assignment's locks in opposite
orders)."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from sqlalchemy import event, func, select

from evaluator.assignments.models import Assignment
from evaluator.audit.models import AuditEvent
from evaluator.core.locking import (
    LockOrderError,
    lock_application,
    lock_assignment,
    lock_material,
    lock_round,
)
from evaluator.extensions import db
from evaluator.reviews.models import Review
from tests.live import parallel


def test_the_locks_follow_the_order(make_review_case):
    case = make_review_case()
    rnd, application, assignment = case.round, case.applications[0], case.assignment()
    assert lock_round(rnd.id, shared=True).id == rnd.id
    assert lock_application(application.id).id == application.id
    assert lock_material(123) is None  # none such: the order is kept all the same
    assert lock_assignment(assignment.id).id == assignment.id
    assert lock_round(rnd.id, shared=True) is not None  # held already: no wait, no breach
    with pytest.raises(LockOrderError, match="round → application → material → assignment"):
        lock_application(application.id + 1)
    db.session.rollback()
    assert lock_assignment(assignment.id) is not None  # a new transaction starts afresh
    with pytest.raises(LockOrderError, match="round"):
        lock_round(rnd.id)
    db.session.rollback()


def test_a_read_lock_is_never_made_exclusive_later(make_review_case):
    rnd = make_review_case().round
    lock_round(rnd.id)
    lock_round(rnd.id, shared=True)  # held for update: a read lock adds nothing
    db.session.commit()
    lock_round(rnd.id, shared=True)
    with pytest.raises(LockOrderError, match="read-locked"):
        lock_round(rnd.id)
    db.session.rollback()


@pytest.fixture
def slow_locks(app):
    """Every locking statement of the racing threads lingers a little once its lock is granted, so
    that two transactions each hold their first lock before either asks for its second."""

    def linger(conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread().name.startswith("race") and " FOR " in statement:
            time.sleep(0.05)

    event.listen(db.engine, "after_cursor_execute", linger)
    yield
    event.remove(db.engine, "after_cursor_execute", linger)


def test_a_review_save_racing_a_removal_and_a_re_add_never_deadlocks(
    app, admin, make_review_case, slow_locks, caplog
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks: writing requests take turns from BEGIN IMMEDIATE")
    case = make_review_case()
    assignment = case.assignment()
    ident, reviewer, application = assignment.id, assignment.reviewer_id, assignment.application_id
    add_url = f"/api/v1/rounds/{case.round.id}/assignments"
    saved = 0
    start = threading.Barrier(2)

    def at_once(method: str, url: str, body: dict, headers: dict):
        def send():
            threading.current_thread().name = f"race-{method}"
            start.wait(timeout=30)
            return app.test_client().open(url, method=method, json=body, headers=headers)

        return send

    caplog.set_level(logging.WARNING, logger="evaluator.web.retry")
    remove = at_once("POST", f"/api/v1/assignments/{ident}/remove", {"reason": "病假"}, admin)
    re_add = at_once(
        "POST",
        add_url,
        {"application_id": application, "reviewer_id": reviewer, "override_reason": "病愈归队"},
        admin,
    )
    for k in range(40):  # each save a new score, so that each one accepted writes a new version
        save = at_once(
            "PUT",
            f"/api/v1/assignments/{ident}/review",
            {"scores": {"novelty": k / 10}},
            {**case.headers(), "If-Match": "*"},
        )
        replies = parallel([save, re_add if k % 2 else remove], timeout=60)
        statuses = [r.status_code for r in replies]
        assert statuses[0] in (200, 409) and statuses[1] == 200 + k % 2, (k, statuses, replies[0].get_json())
        saved += statuses[0] == 200
    assert not [r for r in caplog.records if "write conflict" in r.getMessage()]  # no deadlock, no retry
    db.session.rollback()
    rows = db.session.scalars(
        select(Assignment).where(Assignment.application_id == application, Assignment.reviewer_id == reviewer)
    ).all()
    assert [(r.id, r.status) for r in rows] == [(ident, "active")]  # the same row, put back each time
    review = db.session.scalar(select(Review).where(Review.assignment_id == ident))
    assert review.version == saved and saved > 0
    events = dict(
        db.session.execute(select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all()
    )
    assert events["assignment.remove"] == events["assignment.add"] == 20
    assert sum(n for action, n in events.items() if action.startswith("review.")) == saved
