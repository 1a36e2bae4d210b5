#!/usr/bin/env bash
# Set up everything the service needs on a fresh Debian machine with Python 3.11:
# Debian packages that are missing, a virtual environment in .venv, and the Python packages.
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

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${extras:-base}"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  spec="."
  [ -n "$extras" ] && spec=".[$extras]"
  .venv/bin/python -m pip install -q -e "$spec"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
