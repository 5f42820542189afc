#!/usr/bin/env bash
# The real binaries as an operator runs them: tokenhub-sim and
# seedance-gateway as processes on loopback, probed with `buf curl` (server
# reflection, as grpcurl would), then SIGTERM with a watch open: the watch
# must end with UNAVAILABLE and the gateway exit 0 within seconds.
# With nghttp (stream window 0: clients that never read): they lose their
# slots after --write-timeout so others get in, and at SIGTERM they do not
# hold the exit for the whole --shutdown-grace.
#
# usage: gateway_process_test.sh BIN_DIR BUF   (exit 77 = skipped: no buf)
set -euo pipefail
BIN=$1
BUF=$2
[ -x "$BUF" ] || { echo "buf not installed (run ./dev setup): skipped"; exit 77; }

source "$(dirname "$0")/../testing/process_helpers.sh"

"$BIN/tokenhub-sim" --port 0 --time-scale 0.01 --seed 7 >"$WORK/sim.out" 2>"$WORK/sim.log" &
PIDS+=($!)
wait_for "$WORK/sim.out" '^listening on '
SIM_URL=$(sed -n 's/^listening on //p' "$WORK/sim.out")

TOKENHUB_API_KEY=th-sim-demo-key "$BIN/seedance-gateway" --listen 127.0.0.1:0 \
  --upstream "$SIM_URL/api/v1" --poll-initial 20ms --poll-max 50ms \
  --max-streams 12 --max-streams-per-peer 0 --write-timeout 2s --shutdown-grace 60s \
  --store "sqlite:$WORK/tasks.db" \
  >"$WORK/gw.out" 2>"$WORK/gw.log" &
GW=$!
PIDS+=($GW)
wait_for "$WORK/gw.out" '^listening on port [0-9]+'
PORT=$(sed -n 's/^listening on port //p' "$WORK/gw.out")
URL=http://127.0.0.1:$PORT
CURL=("$BUF" curl --protocol grpc --http2-prior-knowledge)

# Reflection: the service and its methods are discoverable, through both
# protocol versions (v1 is what buf curl and grpcurl try first).
for proto in grpc-v1 grpc-v1alpha; do
  "${CURL[@]}" --reflect-protocol "$proto" --list-methods "$URL" >"$WORK/methods.txt" ||
    fail "list-methods over $proto"
  for m in CreateVideo GetVideo ListVideos WatchVideo; do
    grep -q "seedance.v1.VideoService/$m" "$WORK/methods.txt" || fail "$proto reflection lacks $m"
  done
done

# A create through reflection-derived schema.
"${CURL[@]}" -d '{"model":"doubao-seedance-2.0","prompt":"[sim:hold] a lighthouse at dusk"}' \
  "$URL/seedance.v1.VideoService/CreateVideo" >"$WORK/create.json" || fail "create"
ID=$(sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' "$WORK/create.json" | head -1)
[ -n "$ID" ] || fail "no id in $(cat "$WORK/create.json")"

# Error details as the README shows them: buf curl, then
# scripts/error_details.sh decoding the BadRequest.
"${CURL[@]}" -d '{"model":"doubao-seedance-2.0","prompt":"","duration":99}' \
  "$URL/seedance.v1.VideoService/CreateVideo" 2>"$WORK/bad.json" >/dev/null &&
  fail "an invalid create was accepted"
BUF=$BUF "$(dirname "$0")/../../scripts/error_details.sh" <"$WORK/bad.json" >"$WORK/details.txt" ||
  fail "error_details.sh: $(cat "$WORK/details.txt")"
grep -q '^google.rpc.BadRequest .*"field":"duration"' "$WORK/details.txt" ||
  fail "no decoded BadRequest: $(cat "$WORK/details.txt")"

# The key never reaches the logs.
grep -q "th-sim-demo-key" "$WORK/gw.log" && fail "API key in the gateway log"

NGHTTP=$(command -v nghttp || true)
# never_reading COUNT OUT: COUNT WatchVideo streams of $ID on one HTTP/2
# connection whose stream window is 0, in the background (pid in NG).
never_reading() {
  local len=${#ID}
  { printf '\000\000\000\000'; printf "\\$(printf '%03o' $((len + 2)))"
    printf '\012'; printf "\\$(printf '%03o' "$len")"; printf '%s' "$ID"; } >"$WORK/watch.bin"
  "$NGHTTP" -n -v -w 0 -m "$1" -d "$WORK/watch.bin" -H 'content-type: application/grpc' \
    -H 'te: trailers' "$URL/seedance.v1.VideoService/WatchVideo" >"$2" 2>&1 &
  NG=$!
  PIDS+=($NG)
}
# wait_count FILE REGEX N: waits (10 s at most) until N lines of FILE match.
wait_count() {
  for _ in $(seq 1000); do
    [ "$(grep -cE "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
    sleep 0.01
  done
  fail "timed out waiting for $3 lines /$2/ in $1"
}
if [ -n "$NGHTTP" ]; then
  # 12 never-reading watches take every slot; another watcher is refused...
  never_reading 12 "$WORK/stuck1.out"
  wait_count "$WORK/stuck1.out" 'recv HEADERS frame' 12
  "${CURL[@]}" -d "{\"id\":\"$ID\"}" "$URL/seedance.v1.VideoService/WatchVideo" \
    >"$WORK/refused.out" 2>&1 && fail "a 13th watch was accepted"
  grep -qi "resource_exhausted" "$WORK/refused.out" || fail "13th watch: $(cat "$WORK/refused.out")"
  # ...until --write-timeout (2 s) has cancelled them all.
  for _ in $(seq 1000); do kill -0 "$NG" 2>/dev/null || break; sleep 0.01; done
  kill -0 "$NG" 2>/dev/null && fail "never-reading streams still open 10 s later"
  [ "$(grep -c 'grpc-status: 1' "$WORK/stuck1.out")" -eq 12 ] || fail "not all 12 cancelled"
fi

# A watch left open, then SIGTERM (with 10 never-reading watches, if nghttp).
# The client sees the cancelled streams end a moment before the gateway has
# freed their slots, so a refused watch (RESOURCE_EXHAUSTED) is opened again
# until it is admitted, for 10 s at most.
for _ in $(seq 1000); do
  "${CURL[@]}" -d "{\"id\":\"$ID\"}" "$URL/seedance.v1.VideoService/WatchVideo" \
    >"$WORK/watch.out" 2>"$WORK/watch.log" &
  WATCH=$!
  while kill -0 "$WATCH" 2>/dev/null && ! grep -q 'VIDEO_STATUS_QUEUED' "$WORK/watch.out"; do
    sleep 0.01
  done
  grep -q 'VIDEO_STATUS_QUEUED' "$WORK/watch.out" && break
  grep -qi "resource_exhausted" "$WORK/watch.log" "$WORK/watch.out" ||
    fail "watch ended before its first state: $(cat "$WORK/watch.log")"
done
wait_for "$WORK/watch.out" 'VIDEO_STATUS_QUEUED'
if [ -n "$NGHTTP" ]; then
  never_reading 10 "$WORK/stuck2.out"
  wait_count "$WORK/stuck2.out" 'recv HEADERS frame' 10
fi
kill -TERM "$GW"
for _ in $(seq 1000); do kill -0 "$GW" 2>/dev/null || break; sleep 0.01; done
kill -0 "$GW" 2>/dev/null && fail "gateway still running 10 s after SIGTERM"
wait "$GW" && rc=0 || rc=$?
[ "$rc" -eq 0 ] || fail "gateway exited $rc after SIGTERM"
wait "$WATCH" || true
grep -qi "unavailable" "$WORK/watch.log" "$WORK/watch.out" ||
  fail "watch did not end with UNAVAILABLE: $(cat "$WORK/watch.log")"
grep -q "draining" "$WORK/gw.log" || fail "no drain notice in the log"
echo "PASS: reflection (v1 and v1alpha), create, error details decoded, key hygiene, SIGTERM drain (exit 0)${NGHTTP:+, never-reading clients lose their slots and do not hold the exit}"
