#!/usr/bin/env bash
# Decodes the details of an error that `buf curl` printed (it shows each
# google.rpc detail as its type and base64 bytes): the code, the message,
# then every detail as JSON (BadRequest, ErrorInfo, RetryInfo, ...), using
# the repository's protos as the schema.
#
#   buf curl ... 2>&1 >/dev/null | scripts/error_details.sh
#
# Environment: BUF (default .tools/node_modules/.bin/buf of this checkout).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUF=${BUF:-$ROOT/.tools/node_modules/.bin/buf}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# One file per detail: WORK/N.type holds the type, WORK/N.bin the bytes.
/usr/bin/python3 -c '
import base64, json, sys
error = json.loads(sys.stdin.read())
print(error.get("code", "?"), error.get("message", ""))
for n, d in enumerate(error.get("details", [])):
    open(f"{sys.argv[1]}/{n}.type", "w").write(d["type"])
    value = d["value"] + "=" * (-len(d["value"]) % 4)
    open(f"{sys.argv[1]}/{n}.bin", "wb").write(base64.b64decode(value))
' "$WORK"
for type_file in "$WORK"/*.type; do
  [ -e "$type_file" ] || break
  type=$(cat "$type_file")
  printf '%s ' "$type"
  (cd "$ROOT" && "$BUF" convert . --type "$type" \
    --from "${type_file%.type}.bin#format=binpb" --to -#format=json)
  echo
done
