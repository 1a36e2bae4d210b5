#!/usr/bin/env bash
# Message catalogs: extract the English messages from the code and templates, merge them into each
# language's catalog (evaluator/translations/<lang>/LC_MESSAGES/messages.po), and compile them.
# Usage: scripts/i18n.sh            extract + update + compile (after changing messages)
#        scripts/i18n.sh compile    compile only (scripts/setup.sh does this)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=evaluator/translations
mkdir -p "$dir"
if [ "${1:-}" != "compile" ]; then
  .venv/bin/pybabel -q extract -F babel.cfg -k msg -k N_ -k _l --no-location --sort-output \
    --project pilot-zone-evaluator -o "$dir/messages.pot" .
  for lang in zh; do
    if [ -f "$dir/$lang/LC_MESSAGES/messages.po" ]; then
      .venv/bin/pybabel -q update -i "$dir/messages.pot" -d "$dir" -l "$lang" --no-fuzzy-matching --ignore-obsolete \
        --width 100
    else
      .venv/bin/pybabel -q init -i "$dir/messages.pot" -d "$dir" -l "$lang"
    fi
  done
fi
.venv/bin/pybabel -q compile -d "$dir" --statistics 2>&1 | grep -v "^$" || true
