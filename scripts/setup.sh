#!/usr/bin/env bash
# Set up everything the service needs on a fresh Debian machine with Python 3.11:
# Debian packages that are missing, a virtual environment in .venv, and the Python packages.
# Idempotent: run it as often as you like; it only installs what is missing or changed.
# The service itself needs nothing else from Debian: SQLite comes with Python, and gunicorn,
# psycopg 3 (binary wheel) and argon2 are Python packages. PostgreSQL and Redis are optional.
# Usage: scripts/setup.sh [extras]   (extras: "dev" for the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
PY="${PYTHON:-python3}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
need_debian() {  # need_debian PACKAGE TEST...: install PACKAGE unless TEST succeeds
  local pkg="$1"; shift
  if ! "$@" >/dev/null 2>&1; then
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
    echo "Installing Debian package $pkg"
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$pkg" >/dev/null
  fi
}

need_debian python3 command -v "$PY"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Python 3.11 or newer is needed; found $("$PY" --version 2>&1)" >&2
  exit 1
fi
need_debian python3-venv "$PY" -c 'import ensurepip, venv'
# The dossiers (WeasyPrint): Pango for the layout, HarfBuzz's subsetter to embed font subsets
# (without it WeasyPrint falls back to fontTools, about 14 times slower, and the dossiers refuse to
# render), the Chinese faces they embed.
need_debian libpango-1.0-0 sh -c 'ldconfig -p | grep -q libpango-1.0.so.0'
need_debian libpangoft2-1.0-0 sh -c 'ldconfig -p | grep -q libpangoft2-1.0.so.0'
need_debian libharfbuzz-subset0 sh -c 'ldconfig -p | grep -q libharfbuzz-subset.so.0'
need_debian fonts-noto-cjk test -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# One stamp per (pyproject.toml, extras); an install with extras also satisfies the base set.
hash="$(sha256sum pyproject.toml | cut -c1-16)"
stamp=".venv/.installed-${hash}-${extras:-base}"
satisfied=""
if [ -f "$stamp" ] || { [ -z "$extras" ] && compgen -G ".venv/.installed-${hash}-*" >/dev/null; }; then
  satisfied=1
fi
if [ -z "$satisfied" ]; then
  spec="."
  [ -n "$extras" ] && spec=".[$extras]"
  # uv installs the same resolution as pip in seconds instead of minutes; pip remains the fallback
  # where uv cannot be had.
  if [ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q --disable-pip-version-check uv 2>/dev/null; then
    .venv/bin/uv pip install -q --python .venv/bin/python -e "$spec"
  else
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e "$spec"
  fi
  find .venv -maxdepth 1 -name '.installed-*' ! -name ".installed-${hash}-*" -delete
  touch "$stamp"
fi
# The browser tests' tools (dev only): Debian's Chromium headless shell, CJK fonts for the Chinese
# pages, and the pinned accessibility checker from tests/browser/package-lock.json. No browser is
# downloaded.
if [ "$extras" = "dev" ]; then
  need_debian chromium-headless-shell test -x /usr/bin/chromium-headless-shell
  # pdffonts, pdftotext and pdftoppm: the tests read the dossiers' fonts, text and pages with them.
  need_debian poppler-utils command -v pdffonts
  # The broker of the background tasks: the Celery tests run real workers through it.
  need_debian redis-server command -v redis-server
  need_debian nodejs command -v node
  need_debian npm command -v npm
  if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
# The message catalogs (Chinese) compiled for the running service.
bash scripts/i18n.sh compile >/dev/null
