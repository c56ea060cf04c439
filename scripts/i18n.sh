#!/usr/bin/env bash
# The web UI's message catalogues (nianbao/web/i18n.py): extract the interface's messages from the
# templates and nianbao/web/*.py (pybabel, mapped by nianbao/web/babel.cfg), then merge them into
# each language's .po: new messages arrive untranslated, changed ones fuzzy, removed ones dropped.
#   bash scripts/i18n.sh          extract and update
#   bash scripts/i18n.sh init xx  start a catalogue for a new language xx (then add it to i18n.LANGUAGES)
# Then translate every empty or fuzzy entry of nianbao/web/translations/<lang>/LC_MESSAGES/messages.po
# (remove the fuzzy flag once checked): tests/web/test_i18n.py fails while one is left, or while the
# catalogue lags the sources. No compile step: the app compiles each .po in memory when it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
DIR=nianbao/web/translations
POT=$(mktemp --suffix=.pot)  # the template is rebuilt from the sources each time: not kept
trap 'rm -f "$POT"' EXIT
# English message ids (the source language); file names but no line numbers, so a moved string is no diff.
"$PYBABEL" extract -F nianbao/web/babel.cfg --add-location=file --sort-by-file --no-wrap \
    --project=nianbao --copyright-holder=nianbao -o "$POT" nianbao/web >/dev/null 2>&1
if [ "${1:-}" = "init" ]; then
    "$PYBABEL" init --no-wrap -i "$POT" -d "$DIR" -l "${2:?the new language code}"
    exit 0
fi
"$PYBABEL" update --no-wrap --ignore-obsolete --ignore-pot-creation-date -i "$POT" -d "$DIR"
for po in "$DIR"/*/LC_MESSAGES/messages.po; do
    echo "$po: $(grep -c '^msgid "' "$po") messages (with the header), $(grep -c '^#, fuzzy' "$po") fuzzy"
done
