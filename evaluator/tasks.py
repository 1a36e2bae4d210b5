"""Background tasks: named functions a feature registers, submitted by a service and run after the
request (or command) commits — on Celery workers through Redis when ``BROKER_URL`` is set
(``EVALUATOR_BROKER_URL``), else in this process, on one background thread.

A task runs in an app context of its own, commits once when it returns and rolls back when it
raises. Submitting inside a transaction that rolls back submits nothing. Celery delivers a task
again when its worker dies before finishing it (late acknowledgement), so a task must be safe to
run twice: it re-reads its rows under their locks and skips what is done.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from evaluator.extensions import db

TASK_NAME = "evaluator.run"
_REGISTRY: dict[str, Callable[..., Any]] = {}
_PENDING = "evaluator.tasks.pending"
_APP = "evaluator.tasks.app"
_LOCK = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_futures: set[Future] = set()
_celery: dict[str, Any] = {}


def task(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function as the task ``name`` (arguments: JSON values)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY[name] = fn
        return fn

    return register


def submit(name: str, *args: Any) -> None:
    """Run the task once the current transaction commits (nothing if it rolls back)."""
    if name not in _REGISTRY:
        raise KeyError(f"no task {name!r}")
    session = db.session()
    session.info.setdefault(_PENDING, []).append((name, list(args)))
    session.info[_APP] = current_app._get_current_object()


def run(name: str, args: list[Any]) -> Any:
    """Run a task here and now, in the current app context: commit on return, roll back on error."""
    try:
        out = _REGISTRY[name](*args)
        db.session.commit()
        return out
    except BaseException:
        db.session.rollback()
        raise


def run_in_context(app: Flask, name: str, args: list[Any]) -> None:
    """Run a task in an app context of its own (a worker's, or the in-process thread's)."""
    with app.app_context():
        try:
            run(name, args)
        finally:
            db.session.remove()


def broker_url(app: Flask) -> str:
    """The Celery broker configured for the app, or "" for in-process tasks."""
    return str(app.config.get("BROKER_URL") or "")


def celery_app(url: str) -> Any:
    """The Celery client of a broker (made once per broker and queue): late acknowledgement, one
    task fetched at a time, the queue ``BROKER_QUEUE``, and a visibility timeout
    (``BROKER_VISIBILITY_TIMEOUT`` seconds) after which a task of a worker that died is delivered
    again."""
    queue = str(current_app.config.get("BROKER_QUEUE") or "evaluator")
    key = f"{url} {queue}"
    with _LOCK:
        if key not in _celery:
            from celery import Celery

            timeout = int(current_app.config.get("BROKER_VISIBILITY_TIMEOUT", 3600))
            celery = Celery("evaluator", broker=url)
            celery.conf.update(
                task_acks_late=True,
                task_reject_on_worker_lost=True,
                worker_prefetch_multiplier=1,
                task_serializer="json",
                accept_content=["json"],
                broker_connection_retry_on_startup=True,
                broker_transport_options={"visibility_timeout": timeout},
                task_default_queue=queue,
                worker_hijack_root_logger=False,
            )
            _celery[key] = celery
        return _celery[key]


def worker_command(queue: str, name: str | None = None) -> list[str]:
    """The command line of one Celery worker of these tasks, one task at a time, on ``queue`` (its
    node ``name`` if given): what the benchmarks and the tests start (docs/deploy.md)."""
    named = ["-n", name] if name else []
    quiet = ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"]
    celery = [sys.executable, "-m", "celery", "-A", "evaluator.worker", "worker"]
    return [*celery, "--concurrency", "1", "-Q", queue, *named, *quiet]


def _dispatch(app: Flask, pending: list[tuple[str, list[Any]]]) -> None:
    url = broker_url(app)
    if url:
        with app.app_context():
            celery = celery_app(url)
        for name, args in pending:
            celery.send_task(TASK_NAME, args=[name, args])
        return
    global _executor
    with _LOCK:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evaluator-task")
        for name, args in pending:
            future = _executor.submit(run_in_context, app, name, args)
            _futures.add(future)
            future.add_done_callback(_futures.discard)


def wait_idle(timeout: float = 60.0) -> None:
    """Wait until the in-process tasks submitted so far have run (tests, commands)."""
    from concurrent.futures import wait

    while True:
        with _LOCK:
            waiting = list(_futures)
        if not waiting:
            return
        done, _ = wait(waiting, timeout=timeout)
        if len(done) < len(waiting):
            raise TimeoutError("background tasks still running")


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    app = session.info.pop(_APP, None)
    if pending and app is not None:
        _dispatch(app, pending)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
