#!/usr/bin/env bash
# Interface translations: extract strings from bot/, update every catalog, compile .mo files.
# Usage: scripts/i18n.sh extract|update|compile|init LANG
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel=${PYBABEL:-.venv/bin/pybabel}
case "${1:-}" in
  extract) "$pybabel" extract -F babel.cfg -k _ --no-location --sort-output --project=kik-bot -o locales/bot.pot bot ;;
  update)  "$pybabel" update -i locales/bot.pot -d locales -D bot --no-fuzzy-matching --ignore-obsolete ;;
  compile) "$pybabel" compile -d locales -D bot --statistics ;;
  init)    "$pybabel" init -i locales/bot.pot -d locales -D bot -l "$2" ;;
  *) echo "usage: $0 extract|update|compile|init LANG" >&2; exit 2 ;;
esac
