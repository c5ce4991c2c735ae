#!/usr/bin/env bash
# Install what tools/container/build.sh and compose_check.py run: Debian's podman (with
# conmon, netavark), runc (crun refuses hybrid cgroups, as this sandbox has), podman-compose,
# and debootstrap, which makes the image's base from Debian's own packages (this sandbox
# reaches no container registry: the base is bootstrapped from deb.debian.org instead).
#
# Idempotent: installs only what is missing.
set -euo pipefail

if command -v podman >/dev/null 2>&1 && command -v debootstrap >/dev/null 2>&1 \
    && command -v runc >/dev/null 2>&1 && command -v podman-compose >/dev/null 2>&1; then
    echo "podman already installed: $(podman --version)"
    exit 0
fi

source "$(dirname "$0")/_apt.sh"
apt_install install_podman.sh "/usr/bin/podman /usr/sbin/debootstrap /usr/sbin/runc /usr/bin/podman-compose" \
    podman debootstrap runc podman-compose
echo "podman installed: $(podman --version)"
