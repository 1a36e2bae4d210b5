#!/usr/bin/env bash
# README's second command: set up with the test tools, run the linter, then the test suite twice:
# on SQLite (always), then the tests that use the database (marked db by tests/conftest.py) on
# PostgreSQL (when a server answers on 127.0.0.1:5432). Each test runs where it tests something:
# those that use no database (marked pure) once, on SQLite; those that use the database without
# testing it (marked once: the browser tests, the API contract) once, on PostgreSQL, the database of
# production (on SQLite when there is no PostgreSQL); all the others on both. Each pass runs on every
# core (pytest-xdist, whole modules per worker, one database per worker: <database>_gw0, ...), and
# the two passes run at the same time.
#
# Usage: scripts/test.sh [pytest arguments]      e.g. scripts/test.sh -x -k demo
# Environment:
#   EVALUATOR_TEST_PG_URL   superuser URL of the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432)
#   EVALUATOR_TEST_PG_DB    the database created afresh for the run, and the prefix of the workers' ones
#                           (default evaluator_test_ci)
#   EVALUATOR_TEST_WORKERS  pytest-xdist workers (default auto: one per core; 0 runs in one process)
#   EVALUATOR_TEST_PASSES   together (default: the SQLite and PostgreSQL passes at once) or one-by-one
#   CI=true                 PostgreSQL is required: no server, or one that refuses us, is an error
set -euo pipefail
cd "$(dirname "$0")/.."

pg_url="${EVALUATOR_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432}"
pg_db="${EVALUATOR_TEST_PG_DB:-evaluator_test_ci}"
workers="${EVALUATOR_TEST_WORKERS:-auto}"
# Let Python keep the compiled modules (and pytest its rewritten test modules) in __pycache__:
# every worker, live server and subprocess of the suite would compile them all again otherwise.
unset PYTHONDONTWRITEBYTECODE
in_ci=""
case "${CI:-}" in true|1|yes) in_ci=1 ;; esac

bash scripts/setup.sh dev

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

run_pytest() {  # run_pytest LABEL [ENV=VALUE...] -- ARGS...: pytest; "no tests collected" (5) fails too
  local label="$1"; shift
  local env=()
  while [ "$1" != "--" ]; do env+=("$1"); shift; done
  shift
  local rc=0
  env -u EVALUATOR_TEST_DATABASE_URL "${env[@]}" .venv/bin/python -m pytest "${parallel[@]}" "$@" || rc=$?
  if [ "$rc" -eq 5 ] && [ -n "$none_ok" ]; then
    echo "== None of the tests selected runs on $label"
    rc=0
  elif [ "$rc" -eq 5 ]; then
    echo "pytest on $label collected no tests: that counts as a failure" >&2
  elif [ "$rc" -ne 0 ]; then
    echo "pytest on $label failed (exit $rc)" >&2
  fi
  return "$rc"
}

parallel=()
none_ok=""
if [ "$workers" != "0" ]; then
  parallel=(-n "$workers" --dist loadscope)
fi

# Is a PostgreSQL server there, and may we create a database on it? Prints the reason if not.
pg_status=0
pg_reason="$(.venv/bin/python - "$pg_url" "$pg_db" <<'PY'
import re, socket, sys
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

url, name = sys.argv[1], sys.argv[2]
parts = urlsplit(url)
try:
    socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=3).close()
except OSError as exc:
    print(f"no server was found at {parts.hostname}:{parts.port or 5432} ({exc.strerror or exc})")
    sys.exit(3)
try:
    with psycopg.connect(url + "/postgres", autocommit=True, connect_timeout=10) as conn:
        # The workers' databases of an earlier run (tests/conftest.py makes them anew when missing).
        workers = [row[0] for row in conn.execute(
            "SELECT datname FROM pg_database WHERE datname ~ %s", ["^" + re.escape(name) + "_gw[0-9]+$"])]
        for db in [name, *workers]:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        # A test database need not survive a crash: commits do not wait for the disk.
        conn.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(sql.Identifier(name)))
except psycopg.Error as exc:
    print(f"the server at {parts.hostname}:{parts.port or 5432} refused: {str(exc).strip()}")
    sys.exit(4)
PY
)" || pg_status=$?

if [ "$pg_status" -ne 0 ]; then
  if [ -n "$in_ci" ]; then
    echo "== PostgreSQL run impossible in CI: $pg_reason" >&2
    exit 1
  fi
  echo "== pytest on SQLite (every test: PostgreSQL cannot be used, ${pg_reason%.})"
  run_pytest SQLite -- "$@"
  echo "== pytest on PostgreSQL skipped: ${pg_reason%.}."
  echo "   (The SQLite run above passed. Start PostgreSQL on 127.0.0.1:5432, or set"
  echo "   EVALUATOR_TEST_PG_URL to a superuser URL, to run the suite on it too.)"
  exit 0
fi

# With arguments that select only tests of the other pass there is nothing to run in one of them.
if [ "$#" -gt 0 ]; then none_ok=1; fi
test_url="postgresql+psycopg://${pg_url#*://}/${pg_db}"
if [ "${EVALUATOR_TEST_PASSES:-together}" = "together" ]; then
  # Both passes at once, each on every core: neither keeps the cores busy to its end (a pass waits
  # on its last long module, on live servers starting, on a rate limit's window), the other fills
  # the gaps. The SQLite pass writes to a file, shown when both have ended.
  echo "== pytest on SQLite (the pure tests and those that use the database) and, at the same time,"
  echo "   on PostgreSQL (the tests that use the database, the browser tests and the API contract"
  echo "   included; fresh database ${pg_db}); the SQLite pass's report follows the PostgreSQL one"
  sqlite_log="$(mktemp)"
  trap 'rm -f "$sqlite_log"' EXIT
  ( run_pytest SQLite -- --once-elsewhere "$@" ) >"$sqlite_log" 2>&1 &
  sqlite_pid=$!
  pg_rc=0
  run_pytest PostgreSQL "EVALUATOR_TEST_DATABASE_URL=${test_url}" -- --only-db "$@" || pg_rc=$?
  sqlite_rc=0
  wait "$sqlite_pid" || sqlite_rc=$?
  echo "== pytest on SQLite (it ran beside the PostgreSQL pass)"
  cat "$sqlite_log"
  if [ "$pg_rc" -ne 0 ] || [ "$sqlite_rc" -ne 0 ]; then
    echo "== Failed: SQLite exit $sqlite_rc, PostgreSQL exit $pg_rc" >&2
    exit 1
  fi
else
  echo "== pytest on SQLite (the pure tests and those that use the database; the browser tests and"
  echo "   the API contract run in the PostgreSQL pass)"
  run_pytest SQLite -- --once-elsewhere "$@"
  echo "== pytest on PostgreSQL (the tests that use the database, the browser tests included; fresh database ${pg_db})"
  run_pytest PostgreSQL "EVALUATOR_TEST_DATABASE_URL=${test_url}" -- --only-db "$@"
fi
echo "== All tests passed on SQLite and on PostgreSQL"
