#!/usr/bin/env bash
# README's second command: set up with the test tools, run the linter, then the whole test suite
# twice: on SQLite (always) and on PostgreSQL (when a server answers on 127.0.0.1:5432).
#
# Usage: scripts/test.sh [pytest arguments]      e.g. scripts/test.sh -x -k demo
# Environment:
#   EVALUATOR_TEST_PG_URL  superuser URL of the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432)
#   EVALUATOR_TEST_PG_DB   the database created afresh for the run (default evaluator_test_ci)
#   CI=true                PostgreSQL is required: no server, or one that refuses us, is an error
set -euo pipefail
cd "$(dirname "$0")/.."

pg_url="${EVALUATOR_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432}"
pg_db="${EVALUATOR_TEST_PG_DB:-evaluator_test_ci}"
in_ci=""
case "${CI:-}" in true|1|yes) in_ci=1 ;; esac

bash scripts/setup.sh dev

echo "== ruff"
.venv/bin/ruff check .

run_pytest() {  # run_pytest LABEL [ENV=VALUE...] -- ARGS...: pytest; "no tests collected" (5) fails too
  local label="$1"; shift
  local env=()
  while [ "$1" != "--" ]; do env+=("$1"); shift; done
  shift
  local rc=0
  env -u EVALUATOR_TEST_DATABASE_URL "${env[@]}" .venv/bin/python -m pytest "$@" || rc=$?
  if [ "$rc" -eq 5 ]; then
    echo "pytest on $label collected no tests: that counts as a failure" >&2
  elif [ "$rc" -ne 0 ]; then
    echo "pytest on $label failed (exit $rc)" >&2
  fi
  return "$rc"
}

echo "== pytest on SQLite"
run_pytest SQLite -- "$@"

# Is a PostgreSQL server there, and may we create a database on it? Prints the reason if not.
pg_status=0
pg_reason="$(.venv/bin/python - "$pg_url" "$pg_db" <<'PY'
import socket, sys
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
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
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
  echo "== pytest on PostgreSQL skipped: ${pg_reason%.}."
  echo "   (The SQLite run above passed. Start PostgreSQL on 127.0.0.1:5432, or set"
  echo "   EVALUATOR_TEST_PG_URL to a superuser URL, to run the suite on it too.)"
  exit 0
fi

test_url="postgresql+psycopg://${pg_url#*://}/${pg_db}"
echo "== pytest on PostgreSQL (fresh database ${pg_db})"
run_pytest PostgreSQL "EVALUATOR_TEST_DATABASE_URL=${test_url}" -- "$@"
echo "== All tests passed on SQLite and on PostgreSQL"
