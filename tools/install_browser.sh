#!/usr/bin/env bash
# Install the headless Chromium the browser tests drive (tests/browser/).
#
# Idempotent: does nothing when /usr/bin/chromium is already there. Uses the distribution's
# package (Debian/Ubuntu apt), never `playwright install`: Playwright for Python (a test
# extra in pyproject.toml) is pointed at /usr/bin/chromium by the tests.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "chromium already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_browser.sh: apt-get not found; install Chromium so that $CHROMIUM exists" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install_browser.sh: must run as root (or with sudo available) to install chromium" >&2
    exit 1
fi

"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

if [ ! -x "$CHROMIUM" ]; then
    echo "install_browser.sh: chromium package installed but $CHROMIUM is missing" >&2
    exit 1
fi
echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
