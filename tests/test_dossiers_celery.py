"""Batches on real Celery workers through Redis: a worker killed in the middle of a batch, the batch
finished by a worker started afterwards (the killed worker's task delivered again), every recognised
unit with exactly one dossier. Runs once (marked ``once``), in the PostgreSQL pass."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from evaluator.extensions import db
from evaluator.tasks import worker_command

ROOT = Path(__file__).resolve().parents[1]
BROKER = "redis://127.0.0.1:6379/11"
SECRET = "celery-test-Kq8ZrW2pXv5NtY7bLm3DfH9sJ4gC6aE1"

pytestmark = [pytest.mark.once, pytest.mark.slow]


def _redis() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2):
            return True
    except OSError:
        if os.environ.get("CI") == "true":
            raise
        return False


@pytest.fixture
def broker(app, signing_files):
    """The app sends its tasks to a queue of its own on Redis; yields a callable starting a worker."""
    if not _redis():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (required when CI=true)")
    queue = f"evaluator-test-{uuid.uuid4().hex[:12]}"
    app.config.update(BROKER_URL=BROKER, BROKER_QUEUE=queue, BROKER_VISIBILITY_TIMEOUT=3)
    env = {
        **os.environ,
        "EVALUATOR_DATABASE_URL": app.config["DATABASE_URL"],
        "EVALUATOR_SECRET_KEY": SECRET,
        "EVALUATOR_MATERIALS_DIR": app.config["MATERIALS_DIR"],
        "EVALUATOR_RATELIMIT_STORAGE_URI": "memory://",
        "EVALUATOR_BROKER_URL": BROKER,
        "EVALUATOR_BROKER_QUEUE": queue,
        "EVALUATOR_BROKER_VISIBILITY_TIMEOUT": "3",
        "EVALUATOR_WORKER_MAX_TASKS": "2",  # children recycle within the batch
        "EVALUATOR_DOSSIER_SIGNING_KEY": str(signing_files[0]),
        "EVALUATOR_DOSSIER_SIGNING_CERT": str(signing_files[1]),
    }
    workers: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(
            worker_command(queue),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        workers.append(proc)
        return proc

    yield start
    for proc in workers:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    import redis

    client = redis.Redis.from_url(BROKER)
    for key in client.scan_iter(f"*{queue}*"):
        client.delete(key)
    client.delete("unacked", "unacked_index")
    client.close()
    for key in ("BROKER_URL", "BROKER_QUEUE", "BROKER_VISIBILITY_TIMEOUT"):
        app.config.pop(key, None)


def _states(job_id: int) -> dict[str, int]:
    with db.engine.connect() as c:
        rows = c.execute(
            text("SELECT state, count(*) FROM dossier_job_item WHERE job_id = :j GROUP BY state"),
            {"j": job_id},
        ).all()
    return dict(rows)


def _wait(job_id: int, until, timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = _states(job_id)
        if until(states):
            return states
        time.sleep(0.3)
    raise AssertionError(f"the batch did not get there in {timeout} s: {_states(job_id)}")


def test_a_worker_killed_mid_batch_and_the_batch_finished_after_a_restart(
    client, make_recognised_round, broker
):
    rr = make_recognised_round(n_apps=8, n_recognised=6)
    res = client.post(f"/api/v1/rounds/{rr.rnd.id}/dossiers", headers=rr.headers)
    assert res.status_code == 202
    job_id = res.get_json()["id"]
    n = len(rr.recognised)
    assert n >= 4 and _states(job_id) == {"pending": n}  # nothing runs in-process with a broker
    first = broker()
    _wait(job_id, lambda s: s.get("done", 0) >= 2, 120)
    os.killpg(first.pid, signal.SIGKILL)  # the worker and its child, in the middle of a render
    first.wait(10)
    left = _states(job_id)
    assert left.get("pending", 0) >= 1, left
    broker()
    states = _wait(job_id, lambda s: not s.get("pending"), 180)
    assert states == {"done": n}
    job = client.get(f"/api/v1/jobs/{job_id}", headers=rr.headers).get_json()
    assert (job["state"], job["done"], job["failed"]) == ("finished", n, 0)
    with db.engine.connect() as c:
        per_app = c.execute(
            text("SELECT application_id, count(*) FROM dossier WHERE round_id = :r GROUP BY application_id"),
            {"r": rr.rnd.id},
        ).all()
    assert sorted(a for a, _ in per_app) == sorted(a.id for a in rr.recognised)
    assert all(n == 1 for _, n in per_app)  # a task delivered again never issues a second dossier
