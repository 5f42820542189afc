#!/usr/bin/env bash
# --log-format=json as a log pipeline reads it: the gateway in front of
# tokenhub-sim, with its own key and --allow-caller-keys, serves a create
# watched to its end, calls with a caller key the upstream refuses, a
# malformed request, and upstream failures (503s on polls); then SIGTERM.
# Every line on stderr must be one JSON object with time, level and message,
# call lines carry method, id, code, ms and peer, and no key, the gateway's
# or a caller's, appears anywhere in its output.
#
# usage: json_log_process_test.sh BIN_DIR   (exit 77 = skipped: no python3/curl)
set -euo pipefail
BIN=$1
PY=$(command -v python3 || true)
CURL=$(command -v curl || true)
[ -n "$PY" ] && [ -n "$CURL" ] || { echo "python3 or curl missing: skipped"; exit 77; }

source "$(dirname "$0")/../testing/process_helpers.sh"

GATEWAY_KEY=th-gatewayOwnKey0123456789
CALLER_KEY=th-callerSecretKey987654321

"$BIN/tokenhub-sim" --port 0 --time-scale 0.01 --seed 7 --keys "gw=$GATEWAY_KEY" >"$WORK/sim.out" 2>"$WORK/sim.log" &
PIDS+=($!)
wait_for "$WORK/sim.out" '^listening on '
SIM_URL=$(sed -n 's/^listening on //p' "$WORK/sim.out")
# The simulator knows the gateway's key only: the caller's gets 401.
"$CURL" -sf -X POST "$SIM_URL/_sim/faults" -d '503,method=GET,next=2' >/dev/null || fail "faults"

TOKENHUB_API_KEY=$GATEWAY_KEY "$BIN/seedance-gateway" --listen 127.0.0.1:0 \
  --upstream "$SIM_URL/api/v1" --poll-initial 20ms --poll-max 50ms \
  --allow-caller-keys --store "sqlite:$WORK/tasks.db" --log-format=json \
  >"$WORK/gw.out" 2>"$WORK/gw.log" &
GW=$!
PIDS+=($GW)
wait_for "$WORK/gw.out" '^listening on port [0-9]+'
GATEWAY=127.0.0.1:$(sed -n 's/^listening on port //p' "$WORK/gw.out")

"$BIN/seedance" create --gateway "$GATEWAY" --prompt "a fox" --watch --json \
  >"$WORK/create.json" 2>"$WORK/cli.err" || fail "create --watch"
ID=$(sed -n 's/.*"id":"\(cgt-[^"]*\)".*/\1/p' "$WORK/create.json" | head -1)
# A caller's own key, refused upstream: the call fails, the key stays out.
CALLER=$CALLER_KEY "$BIN/seedance" get "$ID" --gateway "$GATEWAY" --api-key-env CALLER \
  --json >/dev/null 2>>"$WORK/cli.err" && fail "a get with an unknown key succeeded"
CALLER=$CALLER_KEY "$BIN/seedance" create --gateway "$GATEWAY" --api-key-env CALLER \
  --prompt "a cat" --json >/dev/null 2>>"$WORK/cli.err" && fail "a create with an unknown key succeeded"
"$BIN/seedance" watch 'bad id!' --gateway "$GATEWAY" --json >/dev/null 2>>"$WORK/cli.err" \
  && fail "a malformed id was watched"
kill -TERM "$GW"
wait "$GW" || fail "gateway exit $?"

for key in "$GATEWAY_KEY" "$CALLER_KEY" gatewayOwnKey callerSecretKey; do
  grep -q -- "$key" "$WORK/gw.log" "$WORK/gw.out" && fail "a key ($key) in the gateway's output"
done

"$PY" - "$WORK/gw.log" "$ID" <<'PYEOF' || fail "JSON log check"
import json, sys
path, task = sys.argv[1], sys.argv[2]
calls, levels = [], set()
with open(path, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        try:
            obj = json.loads(line)
        except ValueError as e:
            sys.exit(f"line {n} is not JSON ({e}): {line!r}")
        if not isinstance(obj, dict):
            sys.exit(f"line {n} is not an object: {line!r}")
        for k in ("time", "level", "message"):
            if not isinstance(obj.get(k), str):
                sys.exit(f"line {n} lacks {k}: {line!r}")
        levels.add(obj["level"])
        if obj["message"] == "call":
            calls.append(obj)
for c in calls:
    for k in ("method", "code", "peer"):
        if not isinstance(c.get(k), str):
            sys.exit(f"call line lacks {k}: {c}")
    if not isinstance(c.get("ms"), int):
        sys.exit(f"call line lacks ms: {c}")
def seen(method, code):
    return any(c["method"] == method and c["code"] == code for c in calls)
for method, code in (("CreateVideo", "OK"), ("WatchVideo", "OK"),
                     ("GetVideo", "UNAUTHENTICATED"),
                     ("CreateVideo", "UNAUTHENTICATED"),
                     ("WatchVideo", "INVALID_ARGUMENT")):
    if not seen(method, code):
        sys.exit(f"no {method} {code} call line in {calls}")
if not any(c.get("id") == task for c in calls):
    sys.exit(f"no call line names {task}")
if "warn" not in levels:
    sys.exit("the upstream 503s made no warn line")
PYEOF
echo PASS
