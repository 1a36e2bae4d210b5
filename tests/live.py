"""A real gunicorn serving the test database on a free loopback port, and a small HTTP client.

Used by the tests that need several worker processes (races, limits shared across workers). Traffic
goes to 127.0.0.1 only; every request has a timeout.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SECRET = "live-test-secret-key-0123456789abcdefghijklmnop"


def parallel(calls: list[Callable[[], Any]], timeout: float = 180) -> list[Any]:
    """Run the zero-argument callables at once (one thread each); their results in order."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result(timeout=timeout) for f in [pool.submit(c) for c in calls]]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Reply:
    """What the server answered."""

    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class Live:
    """A running server."""

    base: str
    log_file: Any = None

    def log(self, tail: int = 4000) -> str:
        """The end of the server's log (for failure messages)."""
        self.log_file.seek(0)
        return self.log_file.read().decode("utf-8", "replace")[-tail:]

    def upload(self, path: str, content: bytes, headers: dict[str, str]) -> Reply:
        """POST one file as the multipart part ``file``."""
        boundary = "live-test-boundary-7c1e"
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + \
            f"\r\n--{boundary}--\r\n".encode()
        return self.request("POST", path, body, {
            **headers, "Content-Type": f"multipart/form-data; boundary={boundary}"})

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                timeout: float = 60) -> Reply:
        """Send one request: JSON in (bytes are sent as they are) and out."""
        if isinstance(body, bytes):
            data, kind = body, {}
        else:
            data = None if body is None else json.dumps(body).encode()
            kind = {"Content-Type": "application/json"} if data else {}
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={**kind, **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                status, raw, head = res.status, res.read(), dict(res.headers)
        except urllib.error.HTTPError as exc:
            status, raw, head = exc.code, exc.read(), dict(exc.headers)
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return Reply(status, head, parsed)


@contextmanager
def gunicorn(database_url: str, materials: Path, workers: int = 3,
             env: dict[str, str] | None = None) -> Iterator[Live]:
    """Serve ``wsgi:app`` with ``workers`` processes over the given database until the block ends
    (through ``tests.live_app``: passwords hashed at the suite's minimal cost, the app built once
    before the workers are forked, a quick stop)."""
    port = free_port()
    environment = {**os.environ, "EVALUATOR_DATABASE_URL": database_url,
                   "EVALUATOR_SECRET_KEY": SECRET, "EVALUATOR_MATERIALS_DIR": str(materials),
                   "EVALUATOR_RATELIMIT_STORAGE_URI": "memory://", **(env or {})}
    # The log goes to a file, not a pipe: a chatty server never blocks on it.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--timeout", "60", "--graceful-timeout", "5", "--config", "python:tests.live_app",
             "tests.live_app:app"],
            cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=log)
        live = Live(f"http://127.0.0.1:{port}", log)
        try:
            deadline = time.monotonic() + 30
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"gunicorn exited: {log.read().decode()[-2000:]}")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("gunicorn did not start within 30 s") from None
                    time.sleep(0.1)
            # Every worker has imported the app once the first requests are answered.
            for _ in range(workers * 2):
                live.request("GET", "/api/v1/openapi.json")
            yield live
        finally:
            proc.send_signal(signal.SIGINT)  # a quick shutdown: a graceful one waits for idle workers
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
