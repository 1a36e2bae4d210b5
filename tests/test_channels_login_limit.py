"""The login limit holds across gunicorn workers: counters in a shared SQLite file, or in Redis."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from limits.storage import storage_from_string

from evaluator.config import settle
from evaluator.web.ratelimits import SQLiteStorage

ROOT = Path(__file__).resolve().parents[1]
REDIS = ("127.0.0.1", 6379)
LIMIT = 6
ATTEMPTS = 24


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post_login(port: int) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/token",
        method="POST",
        data=b'{"username": "nobody", "password": "wrong password"}',
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as res:
            return res.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


def run_gunicorn(tmp_path: Path, database_url: str, storage_uri: str, **env: str) -> dict[int, int]:
    """Serve with 2 workers, make ATTEMPTS concurrent sign-ins; the answers counted by status, and the
    number of worker processes that answered (from the access log)."""
    port = free_port()
    log = tmp_path / "access.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("EVALUATOR_")}
    environment.update(
        EVALUATOR_SECRET_KEY=KEY,
        EVALUATOR_DATABASE_URL=database_url,
        EVALUATOR_LOGIN_RATE_LIMIT=f"{LIMIT} per hour",
        EVALUATOR_RATELIMIT_STORAGE_URI=storage_uri,
        **env,
    )
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(p)s %(s)s",
            "--config",
            "python:tests.live_stop",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_workers(server, port, log)
        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = list(pool.map(lambda _: post_login(port), range(ATTEMPTS)))
            # The kernel may hand every connection of a busy moment to one worker: more attempts
            # (bounded) until the other has answered too; past the limit each must be refused.
            for _ in range(10):
                if len(answering(log)) >= 2:
                    break
                late = list(pool.map(lambda _: post_login(port), range(8)))
                assert set(late) == {429}, late
    finally:
        server.send_signal(signal.SIGINT)  # quick shutdown
        server.wait(timeout=30)
        server.stderr.close()
    return {status: statuses.count(status) for status in set(statuses)}, len(answering(log))


def answering(log: Path) -> set[str]:
    """The worker processes that have answered a sign-in so far (from the access log)."""
    if not log.exists():
        return set()
    return {line.split()[0] for line in log.read_text().splitlines() if line.endswith((" 401", " 429"))}


def answering_workers(log: Path) -> set[str]:
    return {line.split()[0] for line in log.read_text().splitlines()} if log.exists() else set()


def wait_for_workers(server: subprocess.Popen, port: int, log: Path) -> None:
    """Until both workers have answered (each loads the app itself, one may be later than the other)."""
    deadline = time.monotonic() + 90

    def probe(_):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5):
                pass
        except OSError:
            time.sleep(0.2)

    with ThreadPoolExecutor(max_workers=4) as pool:
        while len(answering_workers(log)) < 2:
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "gunicorn's two workers did not answer within 90 s"
            list(pool.map(probe, range(4)))
    log.write_text("")


# The counters are kept outside the service's database, which only answers that the user is unknown:
# the two tests with servers run in one pass (``once``; scripts/test.sh: the PostgreSQL one).
@pytest.mark.once
@pytest.mark.slow
def test_with_the_sqlite_file_the_limit_holds_across_two_workers(app, database_url, tmp_path):
    counts, workers = run_gunicorn(tmp_path, database_url, f"sqlite:///{tmp_path / 'ratelimits.db'}")
    assert counts == {401: LIMIT, 429: ATTEMPTS - LIMIT}
    assert workers == 2  # both workers answered, and together let LIMIT attempts through


def redis_available() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=2):
            return True
    except OSError:
        if os.environ.get("CI") == "true":
            raise
        return False


@pytest.mark.once
@pytest.mark.slow
def test_with_redis_the_limit_holds_across_two_workers(app, database_url, tmp_path):
    if not redis_available():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (required when CI=true)")
    prefix = f"evaluator-test-{uuid.uuid4().hex}"
    try:
        counts, workers = run_gunicorn(
            tmp_path, database_url, "redis://127.0.0.1:6379/0", EVALUATOR_RATELIMIT_KEY_PREFIX=prefix
        )
    finally:
        import redis

        client = redis.Redis(*REDIS)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        client.close()
    assert counts == {401: LIMIT, 429: ATTEMPTS - LIMIT}
    assert workers == 2


KEY = "dP3kR8wQz6LmV1xYb4NcT7hJ2gF9sAeU5uK0oIpW"


def test_the_default_storage_is_the_shared_file_in_the_instance_folder(tmp_path):
    config = {"SECRET_KEY": KEY, "RATELIMIT_STORAGE_URI": ""}
    settle(config, tmp_path)
    assert config["RATELIMIT_STORAGE_URI"] == f"sqlite:///{tmp_path / 'ratelimits.db'}"
    assert isinstance(storage_from_string(config["RATELIMIT_STORAGE_URI"]), SQLiteStorage)
    testing = {"TESTING": True, "RATELIMIT_STORAGE_URI": ""}
    settle(testing, tmp_path, exempt=True)
    assert testing["RATELIMIT_STORAGE_URI"] == "memory://"
    explicit = {"SECRET_KEY": KEY, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}
    settle(explicit, tmp_path)
    assert explicit["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


INCREMENT = """
import sys
from evaluator.web.ratelimits import SQLiteStorage
store = SQLiteStorage(sys.argv[1])
for _ in range(int(sys.argv[2])):
    store.incr("login/127.0.0.1", 3600)
"""


def test_the_sqlite_storage_counts_every_increment_of_concurrent_processes(tmp_path):
    uri = f"sqlite:///{tmp_path / 'counters.db'}"
    procs = [subprocess.Popen([sys.executable, "-c", INCREMENT, uri, "100"], cwd=ROOT) for _ in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    store = SQLiteStorage(uri)
    assert store.get("login/127.0.0.1") == 400
    assert store.get_expiry("login/127.0.0.1") > time.time() + 3000


def test_the_sqlite_storage_starts_a_new_window_when_one_ends(tmp_path, monkeypatch):
    store = SQLiteStorage(f"sqlite:///{tmp_path / 'counters.db'}")
    now = [1_000_000.0]
    monkeypatch.setattr("evaluator.web.ratelimits.time.time", lambda: now[0])
    assert [store.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert store.get("k") == 3 and store.get_expiry("k") == 1_000_060.0
    now[0] += 60
    assert store.get("k") == 0
    assert store.incr("k", 60) == 1 and store.get_expiry("k") == 1_000_120.0
    store.incr("other", 60)
    store.clear("k")
    assert store.get("k") == 0 and store.get("other") == 1
    assert store.reset() == 1 and store.get("other") == 0
    assert store.check()


@pytest.mark.parametrize(
    "uri", ["sqlite://", "sqlite:///relative.db", "sqlite://host/x.db", "sqlite:////tmp/"]
)
def test_the_sqlite_storage_needs_an_absolute_file_path(uri):
    with pytest.raises(ValueError, match="absolute file path"):
        SQLiteStorage(uri)
