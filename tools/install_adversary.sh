#!/usr/bin/env bash
# Install what the adversary harness (tools/adversary, tests/adversary) runs besides Chromium
# and Xvfb (tools/install_browser.sh): xdotool, which types into the honest browsers through
# X events; Debian's Firefox ESR, an honest control; Node and npm (tools/install_node.sh); and
# the Node kits pinned in tools/adversary/node/package-lock.json, installed with `npm ci`
# (again whenever the lock file is newer than the installed tree). Browsers are never
# downloaded: PUPPETEER_SKIP_DOWNLOAD is set, and playwright-core downloads nothing itself.
# The Python kits (browserforge, playwright-stealth) are test extras in pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

XDOTOOL=/usr/bin/xdotool
FIREFOX=/usr/bin/firefox-esr

missing=()
[ -x "$XDOTOOL" ] || missing+=(xdotool)
[ -x "$FIREFOX" ] || missing+=(firefox-esr)
if [ ${#missing[@]} -gt 0 ]; then
    source tools/_apt.sh
    apt_install install_adversary.sh "$XDOTOOL $FIREFOX" "${missing[@]}"
fi

bash tools/install_node.sh

NODE_DIR=tools/adversary/node
stamp="$NODE_DIR/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$NODE_DIR/package-lock.json" -nt "$stamp" ]; then
    echo "==> npm ci in $NODE_DIR" >&2
    (cd "$NODE_DIR" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) >&2
fi
echo "adversary kits installed: xdotool, $("$FIREFOX" --version 2>/dev/null || echo firefox-esr), node kits in $NODE_DIR/node_modules"
