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

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_browser.sh: apt-get not found; install ${missing[*]} so that $CHROMIUM and $XVFB exist" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install_browser.sh: must run as root (or with sudo available) to install ${missing[*]}" >&2
    exit 1
fi

"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"

for path in "$CHROMIUM" "$XVFB"; do
    if [ ! -x "$path" ]; then
        echo "install_browser.sh: packages installed but $path is missing" >&2
        exit 1
    fi
done
echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM"); xvfb: $XVFB"
