#!/usr/bin/env bash
# README's first command: set up, migrate, load the demo into an empty database, then serve.
#
# Usage: scripts/start.sh [--reset]
#   --reset   empty the database and load the demo again (everything in it is lost)
# Environment: PORT (default 8000), WORKERS (default 2); any EVALUATOR_* setting, e.g.
#   EVALUATOR_DATABASE_URL (default: SQLite in instance/evaluator.db).
set -euo pipefail
cd "$(dirname "$0")/.."

reset=""
for arg in "$@"; do
  case "$arg" in
    --reset) reset="--reset" ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "start.sh: unknown option '$arg' (only --reset)" >&2; exit 2 ;;
  esac
done
port="${PORT:-8000}"
flask=(.venv/bin/flask --app wsgi)

bash scripts/setup.sh

# A secret key of this instance, made once and kept in instance/ (shared by every worker).
mkdir -p instance
if [ -z "${EVALUATOR_SECRET_KEY:-}" ]; then
  if [ ! -s instance/secret_key ]; then
    (umask 077; .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))' > instance/secret_key)
  fi
  EVALUATOR_SECRET_KEY="$(cat instance/secret_key)"
  export EVALUATOR_SECRET_KEY
fi

echo "== Database migrations"
"${flask[@]}" db upgrade

echo "== The demo round, scored from its seeded data (top 5 per zone type)"
"${flask[@]}" demo score --top 5

echo
echo "== Demo data"
if [ -n "$reset" ]; then
  "${flask[@]}" demo load --reset --dossiers
else
  "${flask[@]}" demo load --if-empty --dossiers
fi

echo
echo "== Open http://127.0.0.1:${port}/ in a browser and sign in with a demo login above"
echo "   (the pages are in Chinese; the header's English button switches the language)."
echo "   The JSON API: http://127.0.0.1:${port}/api/v1/ (docs page /api/v1/docs, OpenAPI /api/v1/openapi.json)."
echo "   Ctrl-C stops the server."
# --timeout 180: a batch import of the largest file allowed (5,000 rows) takes about a minute.
exec .venv/bin/gunicorn -w "${WORKERS:-2}" -b "127.0.0.1:${port}" --timeout 180 wsgi:app
