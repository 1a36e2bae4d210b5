"""Rate-limit counters every worker process shares, without Redis: a ``limits`` storage in a SQLite
file, registered under the ``sqlite`` scheme (``sqlite:////abs/path/ratelimits.db``).

It serves the fixed-window strategy (Flask-Limiter's default): one row per limit key holds the
count and the moment its window ends. Each increment is one statement, an upsert that starts a new
window when the old one has ended, so concurrent workers never lose a count. For several machines
use Redis (``redis://…``) instead.

A limit reached is told in words in the reader's language (``limit_in_words``: "10 per minute",
"每分钟 10 次"), never as the library's "10 per 1 minute".
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from limits.storage import Storage

from evaluator.messages import N_, Message, msg

_SCHEMA = """CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at REAL NOT NULL)"""

_INCREMENT = """INSERT INTO counters (key, count, expires_at) VALUES (:key, :amount, :now + :expiry)
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN expires_at <= :now THEN :amount ELSE count + :amount END,
        expires_at = CASE WHEN expires_at <= :now THEN :now + :expiry ELSE expires_at END
    RETURNING count"""

# A limit in words, per unit of its window: one unit, then several (whole sentences for translators).
_PER = {
    "second": (N_("%(count)s per second"), N_("%(count)s per %(n)s seconds")),
    "minute": (N_("%(count)s per minute"), N_("%(count)s per %(n)s minutes")),
    "hour": (N_("%(count)s per hour"), N_("%(count)s per %(n)s hours")),
    "day": (N_("%(count)s per day"), N_("%(count)s per %(n)s days")),
    "month": (N_("%(count)s per month"), N_("%(count)s per %(n)s months")),
    "year": (N_("%(count)s per year"), N_("%(count)s per %(n)s years")),
}


def limit_in_words(limit: Any) -> Message | None:
    """A rate limit (Flask-Limiter's, or the ``limits`` item it wraps) in words, translated where it
    is shown: "10 per minute", "每分钟 10 次"; None for a limit of another shape."""
    item = getattr(limit, "limit", limit)
    unit = getattr(getattr(item, "GRANULARITY", None), "name", None)
    if unit not in _PER:
        return None
    one, several = _PER[unit]
    if item.multiples == 1:
        return msg(one, count=item.amount)
    return msg(several, count=item.amount, n=item.multiples)


# Expired rows are swept once in this many increments, so the file does not grow without bound.
_SWEEP_EVERY = 500


class SQLiteStorage(Storage):
    """Fixed-window rate-limit counters in a SQLite file shared by the processes of one machine."""

    STORAGE_SCHEME = ["sqlite"]  # noqa: RUF012 (read by the limits registry)

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool):
        # As in SQLAlchemy: sqlite:// + an empty host + / + the path, absolute here.
        path = uri.split("://", 1)[1][1:]
        if not path.startswith("/") or path.endswith("/"):
            raise ValueError(
                msg(
                    "A sqlite rate-limit storage needs an absolute file path "
                    "(sqlite:////abs/path/ratelimits.db), not %(uri)s.",
                    uri=repr(uri),
                )
            )
        self.path = Path(path)
        self.timeout = float(options.get("timeout", 10.0))
        self._local = threading.local()
        self._calls = 0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        """The errors this storage raises: SQLite's."""
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        # One connection per process and thread: a connection must not cross a fork.
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            self._set_up(conn)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _set_up(self, conn: sqlite3.Connection) -> None:
        # Workers starting together race to switch the file to WAL and create the table; switching
        # the journal mode does not wait on the busy timeout, so a loser retries until it passes.
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` to the key's count in its current window (a new one if it has ended)."""
        conn = self._connection()
        now = time.time()
        (count,) = conn.execute(
            _INCREMENT, {"key": key, "amount": amount, "now": now, "expiry": expiry}
        ).fetchone()
        self._calls += 1
        if self._calls % _SWEEP_EVERY == 0:
            conn.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        return int(count)

    def get(self, key: str) -> int:
        """The key's count in its current window (0 once the window has ended)."""
        row = (
            self._connection()
            .execute("SELECT count FROM counters WHERE key = ? AND expires_at > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        """When the key's current window ends (epoch seconds); now when there is none."""
        row = (
            self._connection()
            .execute("SELECT expires_at FROM counters WHERE key = ? AND expires_at > ?", (key, time.time()))
            .fetchone()
        )
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        """Whether the file can be read."""
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        """Clear every counter; returns how many there were."""
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        """Clear one key's counter."""
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))
