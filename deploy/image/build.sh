#!/usr/bin/env bash
# Builds the gateway's runtime image (deploy/Dockerfile) with podman from
# the binary a normal build made, without a registry and without compiling
# anything in a container (2 cores: `./dev test` stays fast):
#
#   deploy/image/build.sh BIN_DIR [IMAGE]    (IMAGE default localhost/seedance-gateway:VERSION)
#
# BIN_DIR holds seedance-gateway from a build without sanitizers. The base
# image comes from deploy/image/base.sh (debootstrap, cached); the context
# is a scratch folder with the binary, stripped of its debug information.
# Prints the image name on success.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${1:?usage: $0 BIN_DIR [IMAGE]}
GATEWAY=$BIN/seedance-gateway
[ -x "$GATEWAY" ] || { echo "$0: no $GATEWAY" >&2; exit 2; }
VERSION=$(sed -nE 's/^project\(seedance_gateway VERSION ([0-9.]+).*/\1/p' "$HERE/../../CMakeLists.txt")
IMAGE=${2:-localhost/seedance-gateway:$VERSION}

BASE=$("$HERE/base.sh" "$GATEWAY")
# shellcheck source=podman_env.sh
source "$HERE/podman_env.sh"
podman_setup "$BASE" || { echo "$0: $PODMAN_PROBLEM" >&2; exit 1; }
CONTEXT=$(mktemp -d)
trap 'rm -rf "$CONTEXT"' EXIT
strip --strip-debug -o "$CONTEXT/seedance-gateway" "$GATEWAY"
# --network=none: the build only copies files; --layers reuses the collect
# stage while the binary is unchanged.
podman build --quiet --layers --network=none --pull=never \
  --build-arg "BASE=$BASE" -f "$HERE/../Dockerfile" -t "$IMAGE" "$CONTEXT" >/dev/null
# What earlier builds left untagged (a previous binary's layers, an image
# whose tag moved to this one); the base and tagged images stay.
podman image prune -f --filter label=io.seedance.build=gateway-image >/dev/null 2>&1 || true
echo "$IMAGE"
