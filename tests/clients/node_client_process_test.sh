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
source "$SRC/tests/clients/example_run.sh"

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
start_sim_and_gateway "$BIN"

(cd "$WORK/pkg" && timeout 60 node dist/examples/quickstart.js \
  --target "http://127.0.0.1:$PORT" --prompt "$EXAMPLE_PROMPT") \
  >"$WORK/example.out" 2>"$WORK/example.err" || fail "the example failed"
OUT="$WORK/example.out"
check_example_output "$OUT"
cat "$OUT"
echo "PASS: node package current, typed (a misspelled field does not compile), and its example runs end to end"
