#!/usr/bin/env bash
# Makes (once) and prints the name of the local base image that
# deploy/Dockerfile builds on: Debian 12 minbase plus exactly the Debian
# packages that own the shared libraries the given binaries load (found with
# ldd and dpkg on this host, so a new library in the build needs no edit
# here). No container registry is reachable: the root file system comes from
# debootstrap over apt's own mirror and is imported with `podman import`.
#
#   deploy/image/base.sh BINARY...     -> prints e.g. localhost/seedance-base:3f9c0a1b2c4d
#
# Cached, keyed by the package list: the rootfs tarball in
# ${SEEDANCE_CACHE:-~/.cache/seedance}/ (debootstrap takes minutes; the
# tarball survives `podman system reset`), the imported image in podman's
# storage. A lock makes concurrent callers (ctest -j) wait for one build.
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }
CACHE=${SEEDANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/seedance}
SUITE=bookworm
mkdir -p "$CACHE"

# The packages owning each binary's libraries (asked for the real file
# behind every symlink), plus CA certificates for HTTPS to TokenHub.
packages() {
  local lib paths=()
  for lib in $(ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u); do
    lib=$(readlink -f "$lib")
    # dpkg knows merged-/usr files by their pre-merge path (/lib/...): ask
    # for both; one dpkg call reads its database once.
    paths+=("$lib" "${lib#/usr}")
  done
  dpkg -S "${paths[@]}" 2>/dev/null | cut -d: -f1 | tr ',' '\n' | sed 's/^ *//' | sort -u
  echo ca-certificates
}
PKGS=$(packages "$@" | sort -u | tr '\n' ' ')
[ -n "$PKGS" ] || { echo "$0: no packages found for $*" >&2; exit 1; }
KEY=$(printf '%s %s\n' "$SUITE" "$PKGS" | sha256sum | cut -c1-12)
IMAGE=localhost/seedance-base:$KEY
TAR=$CACHE/base-$KEY.tar

exec 9>"$CACHE/base.lock"
flock 9

if ! podman image exists "$IMAGE"; then
  if [ ! -s "$TAR" ]; then
    MIRROR=$(sed -nE 's/^URIs: *(\S+debian)\s*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
    MIRROR=${MIRROR:-http://deb.debian.org/debian}
    ROOT=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    # debootstrap mounts /proc and /sys in the target while it installs: a
    # failed run may leave them; never descend into them.
    trap 'umount -R "$ROOT/proc" "$ROOT/sys" 2>/dev/null || true; rm -rf --one-file-system "$ROOT"' EXIT
    echo "base.sh: debootstrap $SUITE ($MIRROR) with: $PKGS" >&2
    debootstrap --variant=minbase --include="${PKGS// /,}" "$SUITE" "$ROOT" "$MIRROR" \
      >"$CACHE/debootstrap-$KEY.log" 2>&1 ||
      { tail -20 "$CACHE/debootstrap-$KEY.log" >&2; exit 1; }
    # What a runtime never reads: package caches, docs, manuals, locales.
    rm -rf "$ROOT"/var/cache/apt/* "$ROOT"/var/lib/apt/lists/* "$ROOT"/usr/share/doc/* \
      "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* "$ROOT"/usr/share/locale/* \
      "$ROOT"/var/log/*
    tar --numeric-owner -C "$ROOT" -cf "$TAR.tmp" . && mv "$TAR.tmp" "$TAR"
  fi
  podman import --quiet "$TAR" "$IMAGE" >/dev/null
fi
echo "$IMAGE"
