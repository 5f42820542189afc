#!/usr/bin/env bash
# The tokenhub-sim binary's contract with scripts: --help, flag validation
# (exit 2), the single "listening on" stdout line with --port 0, a working
# API, and a clean exit 0 on SIGTERM.
# Usage: binary_test.sh PATH/TO/tokenhub-sim
set -euo pipefail
SIM=$1
source "$(dirname "$0")/../testing/process_helpers.sh"

"$SIM" --help | grep -q -- '--time-scale' || fail "--help lists the flags"
for bad in "--port x" "--time-scale 0" "--fault teapot" "--keys ," "--bogus 1" \
           "--threads 0" "--port"; do
  rc=0
  # shellcheck disable=SC2086
  "$SIM" $bad >/dev/null 2>"$WORK/err" || rc=$?
  [ "$rc" -eq 2 ] || fail "'$bad' exits 2 (got $rc)"
  [ -s "$WORK/err" ] || fail "'$bad' explains itself on stderr"
done

"$SIM" --port 0 --time-scale 0.001 --keys ci=th-ci-secret --seed 3 \
  >"$WORK/out" 2>"$WORK/err" &
pid=$!
PIDS+=($pid)
wait_for "$WORK/out" '^listening on '
line=$(cat "$WORK/out")
[[ "$line" =~ ^listening\ on\ http://127\.0\.0\.1:([0-9]+)$ ]] ||
  fail "stdout is one 'listening on' line, got '$line'"
port=${BASH_REMATCH[1]}
reply=$(curl -sS -X POST "http://127.0.0.1:$port/api/v1/videos/generations" \
  -H 'Authorization: Bearer th-ci-secret' \
  -d '{"model":"doubao-seedance-2.0","prompt":"a cat"}')
[[ "$reply" == *'"status":"queued"'* ]] || fail "create works: $reply"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "SIGTERM exits 0 (got $rc)"
! grep -q th-ci-secret "$WORK/err" || fail "the key is never logged"
echo PASS
