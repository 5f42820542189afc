#!/usr/bin/env bash
# The Go package (clients/go) as a user gets it: its generated code is what
# `buf generate --template clients/go/buf.gen.yaml` makes today with
# Debian's protoc-gen-go and protoc-gen-go-grpc, it builds at its go_package
# path in GOPATH mode against Debian's grpc-go and genproto (no module
# downloads), and its example runs against tokenhub-sim and
# seedance-gateway as processes: a dry run, a BadRequest, a create the
# upstream rate-limits once (RetryInfo honoured, same request_id), the same
# request_id again, a watch cut off and resumed with after_sequence, the
# final state.
#
# usage: go_client_process_test.sh SOURCE_DIR BIN_DIR BUF
# (exit 77 = skipped: no buf, go or the Debian Go packages)
set -euo pipefail
SRC=$1
BIN=$2
BUF=$3
IMPORT=github.com/seedance-gateway/seedance-gateway
[ -x "$BUF" ] || { echo "buf not installed (run ./dev setup): skipped"; exit 77; }
for tool in go protoc-gen-go protoc-gen-go-grpc; do
  command -v "$tool" >/dev/null || { echo "$tool missing (run ./dev setup): skipped"; exit 77; }
done
[ -d /usr/share/gocode/src/google.golang.org/grpc ] ||
  { echo "golang-google-grpc-dev missing: skipped"; exit 77; }
source "$SRC/tests/testing/process_helpers.sh"
source "$SRC/tests/clients/example_run.sh"

# 1. The committed generated code is current.
mkdir -p "$WORK/gen/third_party" "$WORK/gen/clients/go"
cp "$SRC/buf.yaml" "$WORK/gen/"
cp "$SRC/clients/go/buf.gen.yaml" "$WORK/gen/clients/go/"
cp -r "$SRC/proto" "$WORK/gen/"
cp -r "$SRC/third_party/googleapis" "$WORK/gen/third_party/"
(cd "$WORK/gen" && "$BUF" generate --template clients/go/buf.gen.yaml) || fail "buf generate"
diff -r "$WORK/gen/clients/go/seedance" "$SRC/clients/go/seedance" >"$WORK/gen.diff" ||
  fail "clients/go/seedance is stale: run 'buf generate --template clients/go/buf.gen.yaml' ($(head -5 "$WORK/gen.diff"))"

# 2. It builds at its import path, GOPATH mode, Debian's packages only.
mkdir -p "$WORK/gopath/src/$(dirname "$IMPORT")"
ln -s "$SRC" "$WORK/gopath/src/$IMPORT"
# The build cache is the usual one (~/.cache/go-build): reruns are fast.
export GO111MODULE=off GOPATH="$WORK/gopath:/usr/share/gocode"
export GOFLAGS= GOPROXY=off
(cd "$WORK" && go vet "$IMPORT/clients/go/seedance/v1" "$IMPORT/clients/go/seedanceclient" \
  "$IMPORT/clients/go/examples/quickstart") >"$WORK/vet.log" 2>&1 ||
  fail "go vet: $(head -20 "$WORK/vet.log")"
(cd "$WORK" && go build -o "$WORK/quickstart" "$IMPORT/clients/go/examples/quickstart") \
  >"$WORK/build.log" 2>&1 || fail "go build: $(head -20 "$WORK/build.log")"

# 3. The example against the simulator and the gateway. The simulator's
# next create answers 429 with Retry-After: 1; the task stays queued for
# 2 s, so the first watch message is QUEUED however slow the machine.
start_sim_and_gateway "$BIN"

timeout 60 "$WORK/quickstart" --target "127.0.0.1:$PORT" \
  --prompt "$EXAMPLE_PROMPT" \
  >"$WORK/example.out" 2>"$WORK/example.err" || fail "the example failed"
OUT="$WORK/example.out"
check_example_output "$OUT"
cat "$OUT"
echo "PASS: go package current, builds with Debian's grpc-go in GOPATH mode, and its example runs end to end"
