#!/usr/bin/env bash
# Install what tools/container/build.sh runs: Debian's podman (with crun, conmon, netavark)
# and debootstrap, which makes the image's base from Debian's own packages (this sandbox
# reaches no container registry: the base is bootstrapped from deb.debian.org instead).
#
# Idempotent: installs only what is missing.
set -euo pipefail

if command -v podman >/dev/null 2>&1 && command -v debootstrap >/dev/null 2>&1; then
    echo "podman already installed: $(podman --version)"
    exit 0
fi

source "$(dirname "$0")/_apt.sh"
apt_install install_podman.sh "/usr/bin/podman /usr/sbin/debootstrap" podman debootstrap
echo "podman installed: $(podman --version)"
