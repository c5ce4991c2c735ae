#!/usr/bin/env bash
# Install what the first-party path tests run (tests/firstparty/, docs/first-party.md):
# Debian's nginx and caddy (the tests start their own on loopback ports, from the templates in
# tools/firstparty/; the distributions' services are stopped and never used), and Debian's
# uBlock Origin package (webext-ublock-origin-chromium) for the EasyList and EasyPrivacy filter
# lists it ships.
#
# Idempotent: installs only what is missing.
set -euo pipefail

NGINX=/usr/sbin/nginx
CADDY=/usr/bin/caddy
LISTS=/usr/share/chromium/extensions/ublock-origin/assets/thirdparties/easylist

if [ -x "$NGINX" ] && [ -x "$CADDY" ] && [ -d "$LISTS" ]; then
    echo "first-party tools already installed: $("$NGINX" -v 2>&1), caddy $("$CADDY" version | cut -d' ' -f1)"
    exit 0
fi

source "$(dirname "$0")/_apt.sh"
apt_install install_firstparty.sh "$NGINX $CADDY" nginx caddy webext-ublock-origin-chromium
if [ ! -d "$LISTS" ]; then
    echo "install_firstparty.sh: webext-ublock-origin-chromium installed but $LISTS is missing" >&2
    exit 1
fi

# the packages may start system-wide servers on :80: the tests never use them
if command -v systemctl >/dev/null 2>&1; then
    for unit in nginx caddy; do
        if systemctl is-active --quiet "$unit" 2>/dev/null; then
            "${SUDO[@]}" systemctl disable --now "$unit" >/dev/null 2>&1 || true
        fi
    done
fi

echo "first-party tools installed: $("$NGINX" -v 2>&1), caddy $("$CADDY" version | cut -d' ' -f1)"
