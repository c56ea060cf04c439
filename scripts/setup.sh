#!/usr/bin/env bash
# Set up nianbao on a fresh machine: a project .venv with nianbao and its test tools installed.
# Idempotent; safe to re-run. Debian packages are added here as features need them.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

# Debian packages: Tesseract with Simplified Chinese for scanned reports, LibreOffice (antiword as
# fallback) for .doc,
# a CJK font so PDFs that do not embed theirs (reportlab STSong-Light) rasterise with glyphs,
# PostgreSQL's server, which the storage tests and bench/ingest.py start as throwaway instances.
# redis-server: the distributed crawl's tests and bench/scale.py start throwaway instances of it.
# Chromium, which the web UI's browser tests drive headless through Playwright (never a downloaded browser).
DEBIAN_PACKAGES="tesseract-ocr tesseract-ocr-chi-sim antiword libreoffice-writer-nogui fonts-wqy-zenhei postgresql redis-server chromium chromium-headless-shell"
missing=""
for pkg in $DEBIAN_PACKAGES; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "installing Debian packages:$missing"
    # Installing postgresql creates Debian's own cluster (15/main, port 5432) and starts it, and
    # a failed start (no init system in a container, port taken) fails the whole install. We never
    # use that cluster: nianbao/devportal/postgres_server.py runs its own server in a temporary folder on a free port.
    # So no service may start during this install: a policy-rc.d exiting 101 ("not allowed"), as
    # Docker's Debian images ship; a machine's own policy-rc.d is left as it is.
    policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\n# nianbao scripts/setup.sh: no service starts while it installs packages\nexit 101\n' \
            | $SUDO tee "$policy" >/dev/null
        $SUDO chmod 755 "$policy"
        trap '$SUDO rm -f "$policy"' EXIT
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
    if [ -n "$policy" ]; then
        $SUDO rm -f "$policy"
        trap - EXIT
    fi
fi
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
# The hard OCR scan set (nianbao/devportal/documents/hard_scans.py) draws reports in AR PL UMing
# and UKai. Installed system-wide, these faces change what pdfium rasterises reportlab's
# unembedded STSong-Light as (pdfium searches /usr/share/fonts), which moves the other scan tests'
# pages; so the Debian packages are unpacked into the venv instead (.venv/share/nianbao-fonts/),
# where only hard_scans.FONT_ROOTS looks.
FONT_DIR=.venv/share/nianbao-fonts
for pkg in fonts-arphic-uming fonts-arphic-ukai; do
    if [ ! -e "$FONT_DIR/.$pkg" ]; then
        tmp=$(mktemp -d)
        # chmod: apt's download user (_apt) writes into the folder
        chmod 777 "$tmp"
        if ! (cd "$tmp" && apt-get download -qq "$pkg" 2>/dev/null); then
            if [ "$(id -u)" -ne 0 ]; then sudo apt-get update -qq; else apt-get update -qq; fi
            (cd "$tmp" && apt-get download -qq "$pkg")
        fi
        mkdir -p "$FONT_DIR"
        dpkg-deb -x "$tmp"/"$pkg"_*.deb "$FONT_DIR"
        rm -rf "$tmp"
        touch "$FONT_DIR/.$pkg"
    fi
done
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
echo "nianbao set up: $(.venv/bin/nianbao --version)"
