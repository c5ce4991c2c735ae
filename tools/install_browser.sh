#!/usr/bin/env bash
# Install what the browser tests drive (tests/browser/): Debian's Chromium, and Xvfb for the
# test that starts Chromium by hand, with a window and no driver, as a person would.
#
# Idempotent: installs only what is missing (/usr/bin/chromium, /usr/bin/Xvfb). Uses the
# distribution's packages (Debian/Ubuntu apt), never `playwright install`: Playwright for
# Python (a test extra in pyproject.toml) is pointed at /usr/bin/chromium by the tests.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
XVFB=/usr/bin/Xvfb

missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
[ -x "$XVFB" ] || missing+=(xvfb)

if [ ${#missing[@]} -eq 0 ]; then
    echo "chromium already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM"); xvfb too"
    exit 0
fi

source "$(dirname "$0")/_apt.sh"
apt_install install_browser.sh "$CHROMIUM $XVFB" "${missing[@]}"
echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM"); xvfb: $XVFB"
