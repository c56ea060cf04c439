#!/usr/bin/env bash
# Regenerate tests/fixtures/converted/: the text that common PDF converters make of every real
# PDF (../shared/fixtures/real/*.pdf), as users and other archives receive it. The golden
# evaluation (nianbao/evaluation/) parses every one of these files.
#
# Run by hand, not in CI: the outputs are committed byte-exact, and a converter's new release may
# change them (review the diff, never hand-edit a file). Converters and the files they write:
#
#   <doc>.pdftotext.txt         poppler `pdftotext` (raw stream order), Debian poppler-utils
#   <doc>.pdftotext-layout.txt  poppler `pdftotext -layout`
#   <doc>.pdfminer.txt          pdfminer.six `pdf2txt.py`
#   <doc>.markitdown.md         `markitdown` (markitdown[pdf])
#   <doc>.pymupdf4llm.md        pymupdf4llm.to_markdown(path), the returned string
#
# The Python converters live in a throwaway venv OUTSIDE the project (CONVERTERS_VENV, default
# /tmp/conv): PyMuPDF is AGPL and must not become a dependency of nianbao. To make that venv:
#
#   python3 -m venv /tmp/conv && /tmp/conv/bin/pip install pdfminer.six 'markitdown[pdf]' pymupdf4llm
#
# Usage: bash scripts/convert_real_documents.sh            (every real PDF)
# The versions used are written to tests/fixtures/converted/VERSIONS.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CONVERTERS_VENV:-/tmp/conv}"
real=../shared/fixtures/real
out=tests/fixtures/converted
mkdir -p "$out"
for tool in pdftotext "$venv/bin/pdf2txt.py" "$venv/bin/markitdown" "$venv/bin/python"; do
    command -v "$tool" >/dev/null || { echo "missing converter: $tool (see the header of $0)" >&2; exit 1; }
done

for pdf in "$real"/*.pdf; do
    doc=$(basename "$pdf" .pdf)
    echo "== $doc"
    pdftotext -enc UTF-8 "$pdf" "$out/$doc.pdftotext.txt"
    pdftotext -enc UTF-8 -layout "$pdf" "$out/$doc.pdftotext-layout.txt"
    "$venv/bin/pdf2txt.py" "$pdf" > "$out/$doc.pdfminer.txt"
    "$venv/bin/markitdown" "$pdf" > "$out/$doc.markitdown.md"
    # to_markdown's return value only: the library prints notices of its own on stdout
    # ("=== Document parser messages ===") that are not part of the document.
    "$venv/bin/python" - "$pdf" "$out/$doc.pymupdf4llm.md" <<'PY' >/dev/null
import sys
from pathlib import Path

import pymupdf4llm

Path(sys.argv[2]).write_text(pymupdf4llm.to_markdown(sys.argv[1]), encoding="utf-8")
PY
done

{
    echo "pdftotext: $(pdftotext -v 2>&1 | head -1)"
    "$venv/bin/python" - <<'PY'
from importlib.metadata import version

for name in ("pdfminer.six", "markitdown", "pymupdf", "pymupdf4llm"):
    print(f"{name}: {version(name)}")
PY
} > "$out/VERSIONS"
echo "written to $out (see VERSIONS)"
