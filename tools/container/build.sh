#!/usr/bin/env bash
# Build the anonscore image with podman and smoke-test it (docs/deploy.md):
#
#   tools/container/build.sh            build localhost/anonscore:dev, then smoke-test it
#   tools/container/build.sh --no-smoke build only
#
# What this sandbox needs, kept here and out of the image (override through the
# environment on a machine that needs less):
#   - root podman from Debian (tools/install_podman.sh); no container registry is
#     reachable, so the base image is bootstrapped from deb.debian.org (debootstrap) and
#     imported as localhost/anonscore-base:bookworm (ANONSCORE_BASE: any Debian bookworm
#     image with python3, python3-venv and ca-certificates instead);
#   - the OCI runtime runc (PODMAN_RUNTIME): crun refuses this machine's hybrid cgroups
#     ("cgroups in hybrid mode not supported");
#   - explicit, lower ulimits (PODMAN_ULIMITS): podman's default nofile and nproc exceed
#     what the sandbox may set (no CAP_SYS_RESOURCE: "setrlimit ... Operation not permitted");
#   - host networking (PODMAN_NETWORK) for the build (PyPI, npm) and the smoke test;
#   - the host's CA bundle mounted read-only during the build only (HOST_CA; the sandbox's
#     egress goes through its own CA): a build-time mount, not a layer of the image.
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=${IMAGE:-localhost/anonscore:dev}
BASE=${ANONSCORE_BASE:-localhost/anonscore-base:bookworm}
WORK=${WORK:-/var/tmp/anonscore-container}
PODMAN_RUNTIME=${PODMAN_RUNTIME:-runc}
PODMAN_ULIMITS=${PODMAN_ULIMITS:---ulimit nofile=4096:4096 --ulimit nproc=4096:4096}
PODMAN_NETWORK=${PODMAN_NETWORK:-host}
HOST_CA=${HOST_CA:-/etc/ssl/certs/ca-certificates.crt}

bash tools/install_podman.sh >&2
PODMAN=(podman --runtime "$PODMAN_RUNTIME")

if ! podman image exists "$BASE"; then
    if [ "$BASE" != localhost/anonscore-base:bookworm ]; then
        podman pull "$BASE"
    else
        echo "==> bootstrapping $BASE from deb.debian.org (debootstrap, ~3 min)" >&2
        mkdir -p "$WORK"
        rm -rf "$WORK/rootfs"
        debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
            bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log"
        rm -rf "$WORK"/rootfs/var/cache/apt/archives/*.deb "$WORK"/rootfs/var/lib/apt/lists/*
        tar -C "$WORK/rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$BASE"
        rm -rf "$WORK/rootfs"
    fi
fi

echo "==> building $IMAGE" >&2
start=$(date +%s)
# shellcheck disable=SC2086
"${PODMAN[@]}" build --format docker --network "$PODMAN_NETWORK" $PODMAN_ULIMITS \
    --volume "$HOST_CA:/etc/ssl/certs/ca-certificates.crt:ro" \
    --build-arg "BASE=$BASE" -f tools/container/Containerfile -t "$IMAGE" .
echo "==> built $IMAGE in $(( $(date +%s) - start )) s; $(podman image inspect "$IMAGE" --format '{{.Size}}') bytes" >&2

if [ "${1:-}" != --no-smoke ]; then
    PY=.venv/bin/python
    [ -x "$PY" ] || PY=python3
    exec "$PY" -m tools.container.smoke --image "$IMAGE" --runtime "$PODMAN_RUNTIME" \
        --network "$PODMAN_NETWORK" -- $PODMAN_ULIMITS
fi
