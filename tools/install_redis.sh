#!/usr/bin/env bash
# Install what the cluster-store tests run (tests/storage/, tools/redis_cluster.py): Debian's
# redis-server and redis-cli. The tests start their own three-master cluster on loopback
# ports; the distribution's service is never used (we stop and disable it if the package
# started it, so it does not hold port 6379 or write to /var/lib/redis for nothing).
#
# Idempotent: installs only what is missing (/usr/bin/redis-server, /usr/bin/redis-cli).
set -euo pipefail

SERVER=/usr/bin/redis-server
CLI=/usr/bin/redis-cli

if [ -x "$SERVER" ] && [ -x "$CLI" ]; then
    echo "redis already installed: $("$SERVER" --version | cut -d' ' -f1-3)"
    exit 0
fi

source "$(dirname "$0")/_apt.sh"
apt_install install_redis.sh "$SERVER $CLI" redis-server redis-tools

# the package may start a system-wide server: the tests never use it
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
    "${SUDO[@]}" systemctl disable --now redis-server >/dev/null 2>&1 || true
fi

echo "redis installed: $("$SERVER" --version | cut -d' ' -f1-3)"
