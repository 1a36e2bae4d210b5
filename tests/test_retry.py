"""A writing request that the database fails for a write conflict (a deadlock, a serialization
failure) is run once more from the start; failed twice, it is answered 503 with Retry-After in its
channel's form, and nothing of it is kept. The conflicts are raised as they arrive from PostgreSQL
(psycopg's error wrapped by SQLAlchemy), in the view or at the commit; on SQLite and PostgreSQL."""

from __future__ import annotations

import io

import psycopg.errors
import pytest
from flask import has_request_context
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from evaluator.applications.models import Material
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.materials import service as materials
from evaluator.reviews import service as reviews
from evaluator.reviews.models import Review
from evaluator.web.retry import GAVE_UP, is_write_conflict
from tests.pages import post

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
    b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n"
    b"%%EOF\n"
)


def conflict(kind=psycopg.errors.DeadlockDetected) -> OperationalError:
    """A write conflict as SQLAlchemy hands it over from psycopg."""
    return OperationalError("SELECT 1 FOR UPDATE", None, kind("deadlock detected"))


def fail_saves(monkeypatch, times: int, kind=psycopg.errors.DeadlockDetected) -> list[int]:
    """Review saves that write (the event reaches the database) and then fail ``times`` times;
    returns the list of the versions each attempt wrote."""
    real = reviews.save_review_scoped
    attempts: list[int] = []

    def save(*args, **kwargs):
        review, scope = real(*args, **kwargs)
        attempts.append(review.version)
        db.session.scalar(select(func.count()).select_from(AuditEvent))  # writes the pending event
        if len(attempts) <= times:
            raise conflict(kind)
        return review, scope

    monkeypatch.setattr(reviews, "save_review_scoped", save)
    return attempts


@pytest.fixture
def fail_commits():
    """Make the next ``n`` commits of requests fail for a deadlock: call it with n."""
    left = [0]

    def hook(session):
        if has_request_context() and left[0] > 0:
            left[0] -= 1
            raise conflict()

    event.listen(Session, "before_commit", hook)

    def arm(n: int) -> None:
        left[0] = n

    yield arm
    event.remove(Session, "before_commit", hook)


def stored() -> tuple[list[int], int]:
    """The versions of the reviews committed, and the number of review events."""
    db.session.rollback()
    versions = list(db.session.scalars(select(Review.version)))
    events = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "review")
    )
    return versions, events


def put_review(client, case):
    """Save the first assignment's review on version 0 through the API."""
    return client.put(
        f"/api/v1/assignments/{case.assignment().id}/review",
        json={"scores": {"novelty": 2.0}},
        headers={**case.headers(), "If-Match": '"v0"'},
    )


def test_the_conflicts_are_told_from_other_errors():
    assert is_write_conflict(conflict())
    assert is_write_conflict(conflict(psycopg.errors.SerializationFailure))
    assert not is_write_conflict(conflict(psycopg.errors.LockNotAvailable))
    assert not is_write_conflict(OperationalError("SELECT 1", None, Exception("database is locked")))
    assert not is_write_conflict(psycopg.errors.DeadlockDetected("not wrapped"))


@pytest.mark.parametrize("kind", [psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure])
def test_a_save_failed_once_in_the_view_is_run_again_and_written_once(
    client, make_review_case, monkeypatch, kind
):
    case = make_review_case()
    attempts = fail_saves(monkeypatch, 1, kind)
    res = put_review(client, case)
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["version"] == 1 and res.headers["ETag"] == '"v1"'
    assert attempts == [1, 1]  # the first attempt's write was rolled back, not doubled
    assert stored() == ([1], 1)


def test_a_save_failed_once_at_the_commit_is_run_again_and_written_once(
    client, make_review_case, fail_commits
):
    case = make_review_case()
    fail_commits(1)
    res = put_review(client, case)
    assert res.status_code == 200, res.get_json()
    assert stored() == ([1], 1)


@pytest.mark.parametrize("where", ["view", "commit"])
def test_a_save_failed_twice_is_a_503_in_the_envelope(
    client, make_review_case, monkeypatch, fail_commits, where
):
    case = make_review_case()
    attempts = fail_saves(monkeypatch, 2) if where == "view" else fail_saves(monkeypatch, 0)
    if where == "commit":
        fail_commits(2)
    res = put_review(client, case)
    assert res.status_code == 503 and res.headers["Retry-After"] == "1"
    assert res.get_json() == {"code": 503, "status": "Service Unavailable", "message": GAVE_UP}
    assert len(attempts) == 2
    assert stored() == ([], 0)
    again = put_review(client, case)  # the conflict is gone: the same request now goes through
    assert again.status_code == 200 and stored() == ([1], 1)


def test_a_page_failed_once_at_the_commit_is_run_again_and_says_so_once(
    page_client, make_review_case, fail_commits
):
    case = make_review_case()
    c = page_client(user=case.reviewers[0][0])
    fail_commits(1)
    res = post(c, f"/reviewer/assignments/{case.assignment().id}", {"scores.novelty": "2", "version": "0"})
    assert res.status_code == 302, res.get_data(as_text=True)[:2000]
    with c.session_transaction() as cookie:
        assert [text for _, text in cookie["_flashes"]] == ["Draft saved."]
    assert stored() == ([1], 1)


@pytest.mark.parametrize(
    "language, title, says",
    [
        ("en", "503 Service unavailable", GAVE_UP),
        ("zh", "503 服务暂时不可用", "同一时间有其他修改正在保存，本次操作未能完成，未保存任何内容。"),
    ],
)
def test_a_page_failed_twice_is_a_503_page(
    page_client, make_review_case, fail_commits, language, title, says
):
    case = make_review_case()
    c = page_client(user=case.reviewers[0][0], language=language)
    fail_commits(2)
    res = post(c, f"/reviewer/assignments/{case.assignment().id}", {"scores.novelty": "2", "version": "0"})
    page = res.get_data(as_text=True)
    assert res.status_code == 503 and res.headers["Retry-After"] == "1"
    assert res.mimetype == "text/html" and title in page and says in page, page[:3000]
    with c.session_transaction() as cookie:
        assert "_flashes" not in cookie  # the failed attempts' "Draft saved." is not kept
    assert stored() == ([], 0)


def test_an_upload_is_read_again_on_the_second_attempt(
    client, app, make_draft, make_user, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "MATERIALS_DIR", str(tmp_path / "materials"))
    _, application = make_draft()
    _, owner = make_user("applicant", organisation=application.organisation)
    real, read = materials.upload, []

    def upload(actor, application, stream, *args, **kwargs):
        read.append(stream.read())  # the whole file, as a first attempt may have read it
        if len(read) == 1:
            raise conflict()
        stream.seek(0)
        return real(actor, application, stream, *args, **kwargs)

    monkeypatch.setattr(materials, "upload", upload)
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(PDF), filename="a.pdf")})
    res = client.post(
        f"/api/v1/applications/{application.id}/materials",
        data=body,
        headers=owner,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert res.status_code == 201, res.get_json()
    assert read == [PDF, PDF]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Material)) == 1


def test_a_reading_request_and_other_errors_are_not_retried(client, make_review_case, monkeypatch):
    case = make_review_case()
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise conflict()

    monkeypatch.setattr(reviews, "review_of", broken)
    res = client.get(f"/api/v1/assignments/{case.assignment().id}/review", headers=case.headers())
    assert res.status_code == 500 and len(calls) == 1
    fail_saves(monkeypatch, 5, psycopg.errors.LockNotAvailable)
    res = put_review(client, case)
    assert res.status_code == 500 and stored() == ([], 0)
