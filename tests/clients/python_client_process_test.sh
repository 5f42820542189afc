#!/usr/bin/env bash
# The Python package (clients/python) as a user gets it: its generated code
# is what `buf generate` makes today, it installs with pip from the folder
# alone (no index, Debian's grpcio and protobuf), and its example runs
# against tokenhub-sim and seedance-gateway as processes: a dry run, a
# BadRequest, a create that the upstream rate-limits once (RetryInfo
# honoured, same request_id), the same request_id again, a watch cut off
# and resumed with after_sequence, the final state.
#
# usage: python_client_process_test.sh SOURCE_DIR BIN_DIR BUF
# (exit 77 = skipped: no buf, or no python3 venv/grpcio)
set -euo pipefail
SRC=$1
BIN=$2
BUF=$3
PY=/usr/bin/python3
[ -x "$BUF" ] || { echo "buf not installed (run ./dev setup): skipped"; exit 77; }
# buf.gen.yaml also runs protoc-gen-es, installed beside buf.
[ -x "$(dirname "$BUF")/protoc-gen-es" ] ||
  { echo "protoc-gen-es not installed (run ./dev setup): skipped"; exit 77; }
"$PY" -c 'import grpc, google.protobuf, venv' 2>/dev/null ||
  { echo "python3-grpcio / python3-venv missing: skipped"; exit 77; }
source "$SRC/tests/testing/process_helpers.sh"
source "$SRC/tests/clients/example_run.sh"

# 1. The committed generated code is current.
mkdir -p "$WORK/gen"
cp "$SRC/buf.yaml" "$SRC/buf.gen.yaml" "$WORK/gen/"
cp -r "$SRC/proto" "$WORK/gen/"
mkdir -p "$WORK/gen/third_party" && cp -r "$SRC/third_party/googleapis" "$WORK/gen/third_party/"
# buf.gen.yaml's other plugins (protoc-gen-es) live in .tools/.
ln -s "$SRC/.tools" "$WORK/gen/.tools"
(cd "$WORK/gen" && "$BUF" generate) || fail "buf generate"
diff -r "$WORK/gen/clients/python/src" "$SRC/clients/python/src" \
  -x seedance_client -x '*.egg-info' -x __pycache__ >"$WORK/gen.diff" ||
  fail "clients/python/src is stale: run 'buf generate' ($(head -5 "$WORK/gen.diff"))"

# 2. It installs from the folder alone.
"$PY" -m venv --system-site-packages "$WORK/venv"
cp -r "$SRC/clients/python" "$WORK/pkg"   # pip builds in place: keep the tree clean
"$WORK/venv/bin/pip" install --quiet --no-index --no-build-isolation "$WORK/pkg" \
  >"$WORK/pip.log" 2>&1 || fail "pip install: $(tail -5 "$WORK/pip.log")"

# 3. The example against the simulator and the gateway. The simulator's
# next create answers 429 with Retry-After: 1; the task stays queued for
# 2 s, so the first watch message is QUEUED however slow the machine.
start_sim_and_gateway "$BIN"

(cd "$WORK" && timeout 60 "$WORK/venv/bin/python" "$SRC/clients/python/examples/quickstart.py" \
  --target "127.0.0.1:$PORT" --prompt "$EXAMPLE_PROMPT") \
  >"$WORK/example.out" 2>"$WORK/example.err" || fail "the example failed"
OUT="$WORK/example.out"
check_example_output "$OUT"
cat "$OUT"
echo "PASS: python package current, installable, and its example runs end to end"
