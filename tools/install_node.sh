#!/usr/bin/env bash
# Install Node.js and npm, which the adversary harness's Node kits run on (tools/adversary/node:
# fingerprint-suite and puppeteer-extra, see docs/adversary.md) and the collector package is
# built and tested with (clients/js, docs/collector.md): Debian's `nodejs` and `npm`.
#
# Idempotent: installs only what is missing (node, npm on the PATH). The kits' pinned
# versions need Node 18 or newer (Debian 12's nodejs is 18); an older node is refused.
set -euo pipefail

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
    source "$(dirname "$0")/_apt.sh"
    apt_install install_node.sh "/usr/bin/node /usr/bin/npm" "${missing[@]}"
fi

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 18 ]; then
    echo "install_node.sh: node $(node --version) is too old; the kits need node >= 18" >&2
    exit 1
fi
echo "node installed: $(node --version), npm $(npm --version)"
