#!/usr/bin/env bash
# `buf breaking` of the API against the last release: the newest image in
# proto/releases/ (docs/VERSIONING.md). Exit 0 when nothing a generated
# client depends on changed incompatibly (buf's FILE rules: wire, JSON and
# generated-code names), 1 with buf's findings otherwise.
#
# usage: scripts/buf_breaking.sh [ROOT]   (default: this checkout)
# Environment: BUF (default ROOT/.tools/node_modules/.bin/buf).
set -euo pipefail
ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUF=${BUF:-$ROOT/.tools/node_modules/.bin/buf}
release=$(ls "$ROOT"/proto/releases/v*.json | sort -V | tail -1)
image=$(mktemp --suffix=.binpb)
trap 'rm -f "$image"' EXIT
# An image of the whole workspace on each side, so the comparison sees one
# image each (a workspace of two modules would be two).
(cd "$ROOT" && "$BUF" build -o "$image")
if (cd "$ROOT" && "$BUF" breaking "$image" --against "$release"); then
  echo "buf breaking: no breaking change since $(basename "$release" .json)"
else
  echo "buf breaking: the API breaks $(basename "$release" .json) (see above);" \
    "keep the old field/name, or start seedance.v2 (docs/VERSIONING.md)" >&2
  exit 1
fi
