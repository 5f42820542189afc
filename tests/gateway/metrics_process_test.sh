#!/usr/bin/env bash
# /metrics as Prometheus scrapes it: the gateway started with
# --metrics-listen on loopback in front of tokenhub-sim, traffic driven with
# the seedance CLI (a create watched to its end, a GetVideo, a refused
# watch) while the simulator fails two polls with 503. Then: every name of
# the contract is exposed, the counters moved as the traffic says, and
# `promtool check metrics` (Debian prometheus) accepts the exposition.
#
# usage: metrics_process_test.sh BIN_DIR   (exit 77 = skipped: no promtool/curl)
set -euo pipefail
BIN=$1
PROMTOOL=$(command -v promtool || true)
CURL=$(command -v curl || true)
[ -n "$PROMTOOL" ] && [ -n "$CURL" ] || { echo "promtool or curl missing (./dev setup): skipped"; exit 77; }

source "$(dirname "$0")/../testing/process_helpers.sh"

"$BIN/tokenhub-sim" --port 0 --time-scale 0.01 --seed 7 >"$WORK/sim.out" 2>"$WORK/sim.log" &
PIDS+=($!)
wait_for "$WORK/sim.out" '^listening on '
SIM_URL=$(sed -n 's/^listening on //p' "$WORK/sim.out")

TOKENHUB_API_KEY=th-sim-demo-key "$BIN/seedance-gateway" --listen 127.0.0.1:0 \
  --upstream "$SIM_URL/api/v1" --poll-initial 20ms --poll-max 50ms \
  --max-streams 12 --store "sqlite:$WORK/tasks.db" --metrics-listen 127.0.0.1:0 \
  >"$WORK/gw.out" 2>"$WORK/gw.log" &
GW=$!
PIDS+=($GW)
wait_for "$WORK/gw.out" '^metrics on port [0-9]+'
PORT=$(sed -n 's/^listening on port //p' "$WORK/gw.out")
METRICS=http://127.0.0.1:$(sed -n 's/^metrics on port //p' "$WORK/gw.out")/metrics

scrape() { "$CURL" -sf "$METRICS" >"$WORK/$1.prom" || fail "GET $METRICS"; }
# value FILE SERIES: the sample of SERIES (name{labels} as exposed), or "".
value() { awk -v s="$2" 'index($0, s " ") == 1 { print $NF }' "$WORK/$1.prom"; }
expect() {  # expect FILE SERIES OP NUMBER
  local v; v=$(value "$1" "$2")
  [ -n "$v" ] || fail "$2 missing from /metrics"
  awk -v v="$v" -v n="$4" "BEGIN { exit !(v $3 n) }" || fail "$2 is $v, expected $3 $4"
}

scrape before
for name in seedance_build_info seedance_grpc_server_handled_total \
    seedance_grpc_server_handling_seconds seedance_watch_streams_open \
    seedance_watch_streams_limit seedance_pollers_active \
    seedance_poll_lateness_seconds seedance_upstream_requests_total \
    seedance_upstream_request_duration_seconds seedance_upstream_retries_total \
    seedance_upstream_reachable seedance_creates_total \
    seedance_spend_estimated_usd_micros_total seedance_spend_actual_usd_micros_total \
    seedance_store_operation_duration_seconds seedance_store_errors_total; do
  grep -q "^# TYPE $name " "$WORK/before.prom" || fail "$name not exposed"
done
expect before 'seedance_watch_streams_limit' == 12
grep -q '^seedance_build_info{commit="[^"]*",version="[^"]*"} 1$' "$WORK/before.prom" \
  || fail "seedance_build_info"

# The next two polls fail with 503; the watch still ends SUCCEEDED.
"$CURL" -sf -X POST "$SIM_URL/_sim/faults" -d '503,method=GET,next=2' >/dev/null \
  || fail "fault injection"
"$BIN/seedance" create --gateway "127.0.0.1:$PORT" --prompt "a fox in the snow" \
  --resolution 480p --watch --json >"$WORK/create.json" 2>"$WORK/cli.err" \
  || fail "create --watch"
grep -q '"status":"SUCCEEDED"' "$WORK/create.json" || fail "the watch did not succeed"
ID=$(sed -n 's/.*"id":"\(cgt-[^"]*\)".*/\1/p' "$WORK/create.json" | head -1)
"$BIN/seedance" get "$ID" --gateway "127.0.0.1:$PORT" --json >/dev/null 2>>"$WORK/cli.err" \
  || fail "get"
# A watch of a malformed id is refused: INVALID_ARGUMENT is counted too.
"$BIN/seedance" watch 'bad id!' --gateway "127.0.0.1:$PORT" --json >/dev/null 2>>"$WORK/cli.err" \
  && fail "a malformed id was watched"

scrape after
expect after 'seedance_grpc_server_handled_total{grpc_code="OK",grpc_method="CreateVideo"}' == 1
expect after 'seedance_grpc_server_handled_total{grpc_code="OK",grpc_method="WatchVideo"}' '>=' 1
expect after 'seedance_grpc_server_handled_total{grpc_code="OK",grpc_method="GetVideo"}' == 1
expect after 'seedance_grpc_server_handled_total{grpc_code="InvalidArgument",grpc_method="WatchVideo"}' '>=' 1
expect after 'seedance_grpc_server_handling_seconds_count{grpc_method="CreateVideo"}' == 1
expect after 'seedance_grpc_server_handling_seconds_count{grpc_method="WatchVideo"}' '>=' 1
expect after 'seedance_upstream_requests_total{operation="create",outcome="ok"}' == 1
expect after 'seedance_upstream_requests_total{operation="get",outcome="http_5xx"}' == 2
expect after 'seedance_upstream_requests_total{operation="get",outcome="ok"}' '>=' 1
expect after 'seedance_upstream_request_duration_seconds_count{operation="get"}' '>=' 3
expect after 'seedance_upstream_reachable' == 1
expect after 'seedance_poll_lateness_seconds_count' '>=' 3
expect after 'seedance_creates_total{model="doubao-seedance-2.0",resolution="480p"}' == 1
# 5 s at $0.12/s, estimated and then billed.
expect after 'seedance_spend_estimated_usd_micros_total{model="doubao-seedance-2.0",resolution="480p"}' == 600000
expect after 'seedance_spend_actual_usd_micros_total{model="doubao-seedance-2.0",resolution="480p"}' == 600000
# The writes go through group commit: at least the create's record, its
# outcome, and the later transitions, each batch counted once.
expect after 'seedance_store_operation_duration_seconds_count{operation="write_batch"}' '>=' 3
expect after 'seedance_store_errors_total{operation="write_batch"}' == 0
expect after 'seedance_watch_streams_open' == 0

"$PROMTOOL" check metrics <"$WORK/after.prom" >"$WORK/promtool.log" 2>&1 \
  || fail "promtool check metrics: $(cat "$WORK/promtool.log")"

# Ids and keys never become label values.
grep -q "$ID" "$WORK/after.prom" && fail "a task id in /metrics"
grep -q "th-sim-demo-key" "$WORK/after.prom" && fail "the API key in /metrics"

kill -TERM "$GW"
wait "$GW" || fail "gateway exit $?"
echo PASS
