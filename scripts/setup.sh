#!/usr/bin/env bash
# Set up nianbao on a fresh machine: a project .venv with nianbao and its test tools installed.
# Idempotent; safe to re-run. Debian packages are added here as features need them.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

# Debian packages: Tesseract with Simplified Chinese for scanned reports, LibreOffice (antiword as
# fallback) for .doc,
# a CJK font so PDFs that do not embed theirs (reportlab STSong-Light) rasterise with glyphs.
DEBIAN_PACKAGES="tesseract-ocr tesseract-ocr-chi-sim antiword libreoffice-writer-nogui fonts-wqy-zenhei"
missing=""
for pkg in $DEBIAN_PACKAGES; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "installing Debian packages:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
echo "nianbao set up: $(.venv/bin/nianbao --version)"
