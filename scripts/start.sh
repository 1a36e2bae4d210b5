#!/usr/bin/env bash
# Set up, then run the main job on the embedded default: score the bundled demo round for
# all three zone types and print the ranked results.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/flask --app wsgi criteria list
.venv/bin/flask --app wsgi demo score "$@"
