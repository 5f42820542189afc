#!/usr/bin/env bash
# The Node/TypeScript package (clients/node) as a user gets it: its
# generated code is what `buf generate` (protoc-gen-es) makes today, it
# compiles with tsc against the npm packages ./dev installs into .tools/, a
# misspelled request field (`validate_only`, the proto's spelling, which
# proto-loader silently drops) is a compile error, and its example runs
# against tokenhub-sim and seedance-gateway as processes: a dry run, a
# BadRequest, a create the upstream rate-limits once (RetryInfo honoured,
# same request_id), the same request_id again, a watch cut off and resumed
# with after_sequence, the final state.
#
# usage: node_client_process_test.sh SOURCE_DIR BIN_DIR TOOLS_DIR
# (exit 77 = skipped: no node, or the npm tools are not installed)
set -euo pipefail
SRC=$1
BIN=$2
TOOLS=$3
BUF=$TOOLS/node_modules/.bin/buf
TSC=$TOOLS/node_modules/.bin/tsc
command -v node >/dev/null || { echo "node missing: skipped"; exit 77; }
for tool in "$BUF" "$TSC" "$TOOLS/node_modules/.bin/protoc-gen-es"; do
  [ -x "$tool" ] || { echo "$tool not installed (run ./dev setup): skipped"; exit 77; }
done
source "$SRC/tests/testing/process_helpers.sh"

# 1. The committed generated code is current.
mkdir -p "$WORK/gen/third_party"
cp "$SRC/buf.yaml" "$SRC/buf.gen.yaml" "$WORK/gen/"
cp -r "$SRC/proto" "$WORK/gen/"
cp -r "$SRC/third_party/googleapis" "$WORK/gen/third_party/"
ln -s "$TOOLS" "$WORK/gen/.tools"
(cd "$WORK/gen" && "$BUF" generate) || fail "buf generate"
diff -r "$WORK/gen/clients/node/src/gen" "$SRC/clients/node/src/gen" >"$WORK/gen.diff" ||
  fail "clients/node/src/gen is stale: run 'buf generate' ($(head -5 "$WORK/gen.diff"))"

# 2. It compiles (a copy: the source tree stays clean), and a misspelled
# field does not.
cp -r "$SRC/clients/node" "$WORK/pkg"
ln -s "$TOOLS/node_modules" "$WORK/pkg/node_modules"
(cd "$WORK/pkg" && "$TSC" -p .) >"$WORK/tsc.log" 2>&1 || fail "tsc: $(head -20 "$WORK/tsc.log")"
cat >"$WORK/pkg/examples/misspelled.ts" <<'TS'
import { connect } from "../src/index.js";
await connect("http://127.0.0.1:1").createVideo(
  { model: "doubao-seedance-2.0", prompt: "a cat", validate_only: true });
TS
if (cd "$WORK/pkg" && "$TSC" -p . --noEmit) >"$WORK/misspelled.log" 2>&1; then
  fail "a misspelled field compiled"
fi
grep -q "misspelled.ts.*validate_only" "$WORK/misspelled.log" ||
  fail "unexpected tsc output: $(cat "$WORK/misspelled.log")"
rm "$WORK/pkg/examples/misspelled.ts"

# 3. The example against the simulator and the gateway. The simulator's
# next create answers 429 with Retry-After: 1; the task stays queued for
# 2 s, so the first watch message is QUEUED however slow the machine.
"$BIN/tokenhub-sim" --port 0 --time-scale 0.01 --seed 7 \
  --fault '429,retry_after=1,method=POST,next=1' >"$WORK/sim.out" 2>"$WORK/sim.log" &
PIDS+=($!)
wait_for "$WORK/sim.out" '^listening on '
SIM_URL=$(sed -n 's/^listening on //p' "$WORK/sim.out")
TOKENHUB_API_KEY=th-sim-demo-key "$BIN/seedance-gateway" --listen 127.0.0.1:0 \
  --upstream "$SIM_URL/api/v1" --poll-initial 20ms --poll-max 50ms \
  --store "sqlite:$WORK/tasks.db" >"$WORK/gw.out" 2>"$WORK/gw.log" &
PIDS+=($!)
wait_for "$WORK/gw.out" '^listening on port [0-9]+'
PORT=$(sed -n 's/^listening on port //p' "$WORK/gw.out")

(cd "$WORK/pkg" && timeout 60 node dist/examples/quickstart.js \
  --target "http://127.0.0.1:$PORT" --prompt '[sim:queued=2s,running=300ms] a red fox in snow') \
  >"$WORK/example.out" 2>"$WORK/example.err" || fail "the example failed"
OUT="$WORK/example.out"
expect() { grep -qE "$1" "$OUT" || fail "example output lacks /$1/"; }
expect "^dry_run id='' currency=USD estimated_micros=[1-9]"
expect "^bad_request code=INVALID_ARGUMENT field=duration "
expect "^create_failed attempt=1 code=RESOURCE_EXHAUSTED reason=UPSTREAM_HTTP_429 retry_delay=1.0$"
expect "^created id=cgt-[0-9a-f]+ status=VIDEO_STATUS_QUEUED request_id=[0-9a-f-]{36}$"
expect "^same_request_id id=cgt-[0-9a-f]+ same=True$"
expect "^disconnected after_sequence=10$"
expect "^event sequence=30 status=VIDEO_STATUS_SUCCEEDED$"
expect "^done status=VIDEO_STATUS_SUCCEEDED video_url=http://.*actual_micros=[1-9]"
[ "$(grep -c '^event sequence=10 ' "$OUT")" -eq 1 ] || fail "QUEUED seen twice"
curl -fsS "$SIM_URL/_sim/stats" >"$WORK/stats.json" || fail "sim stats"
/usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(s["creates"]!=1)' \
  "$WORK/stats.json" || fail "expected exactly one task upstream: $(cat "$WORK/stats.json")"
cat "$OUT"
echo "PASS: node package current, typed (a misspelled field does not compile), and its example runs end to end"
