#!/usr/bin/env bash
# The real binaries as an operator runs them: tokenhub-sim and
# seedance-gateway as processes on loopback, probed with `buf curl` (server
# reflection, as grpcurl would), then SIGTERM with a watch open: the watch
# must end with UNAVAILABLE and the gateway exit 0 within seconds.
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
  >"$WORK/gw.out" 2>"$WORK/gw.log" &
GW=$!
PIDS+=($GW)
wait_for "$WORK/gw.out" '^listening on port [0-9]+'
PORT=$(sed -n 's/^listening on port //p' "$WORK/gw.out")
URL=http://127.0.0.1:$PORT
CURL=("$BUF" curl --protocol grpc --http2-prior-knowledge)

# Reflection: the service and its methods are discoverable.
"${CURL[@]}" --list-methods "$URL" >"$WORK/methods.txt" || fail "list-methods"
for m in CreateVideo GetVideo WatchVideo; do
  grep -q "seedance.v1.VideoService/$m" "$WORK/methods.txt" || fail "reflection lacks $m"
done

# A create through reflection-derived schema.
"${CURL[@]}" -d '{"model":"doubao-seedance-2.0","prompt":"[sim:hold] a lighthouse at dusk"}' \
  "$URL/seedance.v1.VideoService/CreateVideo" >"$WORK/create.json" || fail "create"
ID=$(sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' "$WORK/create.json" | head -1)
[ -n "$ID" ] || fail "no id in $(cat "$WORK/create.json")"

# The key never reaches the logs.
grep -q "th-sim-demo-key" "$WORK/gw.log" && fail "API key in the gateway log"

# A watch left open, then SIGTERM.
"${CURL[@]}" -d "{\"id\":\"$ID\"}" "$URL/seedance.v1.VideoService/WatchVideo" \
  >"$WORK/watch.out" 2>"$WORK/watch.log" &
WATCH=$!
wait_for "$WORK/watch.out" 'VIDEO_STATUS_QUEUED'
kill -TERM "$GW"
for _ in $(seq 1000); do kill -0 "$GW" 2>/dev/null || break; sleep 0.01; done
kill -0 "$GW" 2>/dev/null && fail "gateway still running 10 s after SIGTERM"
wait "$GW" && rc=0 || rc=$?
[ "$rc" -eq 0 ] || fail "gateway exited $rc after SIGTERM"
wait "$WATCH" || true
grep -qi "unavailable" "$WORK/watch.log" "$WORK/watch.out" ||
  fail "watch did not end with UNAVAILABLE: $(cat "$WORK/watch.log")"
grep -q "draining" "$WORK/gw.log" || fail "no drain notice in the log"
echo "PASS: reflection, create, key hygiene, SIGTERM drain (exit 0)"
