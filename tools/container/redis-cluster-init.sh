#!/bin/sh
# Make the compose file's three masters one cluster (once: a cluster already ok is left
# alone). redis-cli --cluster create takes addresses, so the service names are resolved.
set -eu
for host in "$@"; do
    until redis-cli -h "$host" ping >/dev/null 2>&1; do sleep 1; done
done
if redis-cli -h "$1" cluster info | grep -q '^cluster_state:ok'; then
    echo "cluster already ok"
    exit 0
fi
addresses=""
for host in "$@"; do
    addresses="$addresses $(getent hosts "$host" | cut -d' ' -f1):6379"
done
# shellcheck disable=SC2086
redis-cli --cluster create $addresses --cluster-replicas 0 --cluster-yes
until redis-cli -h "$1" cluster info | grep -q '^cluster_state:ok'; do sleep 1; done
echo "cluster ok"
