# Shared by the language packages' process tests (sourced after
# tests/testing/process_helpers.sh): the simulator and the gateway every
# quickstart runs against, and the checks of what each quickstart prints
# (the examples print the same lines in every language).
#
#   start_sim_and_gateway "$BIN"        # sets SIM_URL and PORT
#   ... run the example, its output in "$WORK/example.out" ...
#   check_example_output "$WORK/example.out"

# The simulator's next create answers 429 with Retry-After: 1; the task
# stays queued for 2 s (the prompt's [sim:...] directive), so the first
# watch message is QUEUED however slow the machine.
start_sim_and_gateway() {
  local bin=$1
  "$bin/tokenhub-sim" --port 0 --time-scale 0.01 --seed 7 \
    --fault '429,retry_after=1,method=POST,next=1' >"$WORK/sim.out" 2>"$WORK/sim.log" &
  PIDS+=($!)
  wait_for "$WORK/sim.out" '^listening on '
  SIM_URL=$(sed -n 's/^listening on //p' "$WORK/sim.out")
  TOKENHUB_API_KEY=th-sim-demo-key "$bin/seedance-gateway" --listen 127.0.0.1:0 \
    --upstream "$SIM_URL/api/v1" --poll-initial 20ms --poll-max 50ms \
    --store "sqlite:$WORK/tasks.db" >"$WORK/gw.out" 2>"$WORK/gw.log" &
  PIDS+=($!)
  wait_for "$WORK/gw.out" '^listening on port [0-9]+'
  PORT=$(sed -n 's/^listening on port //p' "$WORK/gw.out")
}

EXAMPLE_PROMPT='[sim:queued=2s,running=300ms] a red fox in snow'

check_example_output() {
  local out=$1 line
  for line in \
      "^dry_run id='' currency=USD estimated_micros=[1-9]" \
      "^bad_request code=INVALID_ARGUMENT field=duration " \
      "^create_failed attempt=1 code=RESOURCE_EXHAUSTED reason=UPSTREAM_HTTP_429 retry_delay=1.0$" \
      "^created id=cgt-[0-9a-f]+ status=VIDEO_STATUS_QUEUED request_id=[0-9a-f-]{36}$" \
      "^same_request_id id=cgt-[0-9a-f]+ same=True$" \
      "^disconnected after_sequence=10$" \
      "^event sequence=30 status=VIDEO_STATUS_SUCCEEDED$" \
      "^done status=VIDEO_STATUS_SUCCEEDED video_url=http://.*actual_micros=[1-9]"; do
    grep -qE "$line" "$out" || fail "example output lacks /$line/"
  done
  # Resumed, so nothing is seen twice.
  [ "$(grep -c '^event sequence=10 ' "$out")" -eq 1 ] || fail "QUEUED seen twice"
  # One bill: the 429 created nothing; the retry and the repeat are one task.
  curl -fsS "$SIM_URL/_sim/stats" >"$WORK/stats.json" || fail "sim stats"
  /usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(s["creates"]!=1)' \
    "$WORK/stats.json" || fail "expected exactly one task upstream: $(cat "$WORK/stats.json")"
}
