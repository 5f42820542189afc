#!/usr/bin/env bash
# The breaking-change check (scripts/buf_breaking.sh, run by ./dev test)
# passes on the API as it is, and catches what would break a caller's
# generated code: a renamed field, a changed field number, a removed RPC, a
# changed go_package. Runs on copies of the protos in a scratch folder.
#
# usage: buf_breaking_test.sh SOURCE_DIR BUF   (exit 77 = skipped: no buf)
set -euo pipefail
SRC=$1
BUF=$2
[ -x "$BUF" ] || { echo "buf not installed (run ./dev setup): skipped"; exit 77; }
source "$SRC/tests/testing/process_helpers.sh"

copy() {
  rm -rf "$WORK/api"
  mkdir -p "$WORK/api/scripts" "$WORK/api/third_party"
  cp -r "$SRC/proto" "$WORK/api/"
  cp -r "$SRC/third_party/googleapis" "$WORK/api/third_party/"
  cp "$SRC/buf.yaml" "$WORK/api/"
}
API=proto/seedance/v1/video_service.proto

copy
BUF=$BUF "$SRC/scripts/buf_breaking.sh" "$WORK/api" >"$WORK/ok.out" 2>&1 ||
  fail "the API as it is breaks its own last release: $(cat "$WORK/ok.out")"

# expect_break NAME SED_EXPRESSION PATTERN: the edit is reported.
expect_break() {
  copy
  sed -i "$2" "$WORK/api/$API"
  cmp -s "$SRC/$API" "$WORK/api/$API" && fail "$1: the edit changed nothing"
  if BUF=$BUF "$SRC/scripts/buf_breaking.sh" "$WORK/api" >"$WORK/$1.out" 2>&1; then
    fail "$1 was not reported as breaking"
  fi
  grep -q "$3" "$WORK/$1.out" || fail "$1: $(cat "$WORK/$1.out")"
}
expect_break renamed_field 's/^  string prompt = 2 \[/  string text = 2 [/' 'changed name from "prompt" to "text"'
expect_break renumbered_field 's/^  bool validate_only = 17;/  bool validate_only = 19;/' 'validate_only'
expect_break removed_rpc '/^  rpc GetVideo(GetVideoRequest)/,/^  }/d' 'GetVideo'
expect_break go_package 's|clients/go/seedance/v1;seedancev1|clients/go/v1;seedancev1|' 'go_package'
echo "PASS: buf breaking passes on the API and reports a renamed field, a renumbered field, a removed RPC and a changed go_package"
