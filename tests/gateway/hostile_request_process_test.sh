#!/usr/bin/env bash
# Requests a hostile client sends, to the real gateway binary, over raw
# HTTP/2 with nghttp (h2c prior knowledge), so nothing in a gRPC client
# library can tidy them up first:
#   - a gzip bomb (261 KB on the wire, a 256 MiB CreateVideoRequest inflated):
#     refused at its headers, the gateway's peak RSS stays flat;
#   - a truncated gRPC frame (the length prefix promises more than is sent,
#     then END_STREAM): a clear status, no hang;
#   - 30 requests with invalid UTF-8: INVALID_ARGUMENT naming the field, and
#     libprotobuf's complaint logged once, not 30 times.
#
# usage: hostile_request_process_test.sh BIN_DIR   (exit 77 = skipped: no nghttp)
set -euo pipefail
BIN=$1
HERE=$(dirname "$0")
command -v nghttp >/dev/null || { echo "nghttp not installed (nghttp2-client): skipped"; exit 77; }

source "$HERE/../testing/process_helpers.sh"

"$BIN/tokenhub-sim" --port 0 --time-scale 0.01 --seed 7 >"$WORK/sim.out" 2>"$WORK/sim.log" &
PIDS+=($!)
wait_for "$WORK/sim.out" '^listening on '
SIM_URL=$(sed -n 's/^listening on //p' "$WORK/sim.out")

TOKENHUB_API_KEY=th-sim-demo-key "$BIN/seedance-gateway" --listen 127.0.0.1:0 \
  --upstream "$SIM_URL/api/v1" --store "sqlite:$WORK/tasks.db" \
  >"$WORK/gw.out" 2>"$WORK/gw.log" &
GW=$!
PIDS+=($GW)
wait_for "$WORK/gw.out" '^listening on port [0-9]+'
PORT=$(sed -n 's/^listening on port //p' "$WORK/gw.out")
URL=http://127.0.0.1:$PORT/seedance.v1.VideoService

# kB of a /proc/PID/status field (VmHWM: peak resident set; VmRSS: now).
mem_kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$GW/status"; }

# grpc_call METHOD BODY_FILE [HEADER...]: prints the response headers and
# trailers (one nghttp -v transcript); 20 s at most, so a hang fails.
grpc_call() {
  local method=$1 body=$2
  shift 2
  timeout 20 nghttp -v "$URL/$method" -d "$body" \
    -H 'content-type: application/grpc' -H 'te: trailers' "$@" 2>&1 ||
    fail "nghttp $method: no complete answer within 20 s"
}

FRAMES="$HERE/grpc_frames.py"
python3 "$FRAMES" gzip-bomb 256 "$WORK/bomb.bin"
python3 "$FRAMES" truncated "$WORK/truncated.bin"
BAD_UTF8=$(printf '\x0a\x13doubao-seedance-2.0\x12\x03ok\xff' | od -An -tx1 | tr -d ' \n')
python3 "$FRAMES" message "$BAD_UTF8" "$WORK/bad_utf8.bin"

# 1. The gzip bomb, three times.
before_kb=$(mem_kb VmHWM)
for _ in 1 2 3; do
  grpc_call CreateVideo "$WORK/bomb.bin" -H 'grpc-encoding: gzip' >"$WORK/bomb.txt"
  grep -q 'grpc-status: 12' "$WORK/bomb.txt" || fail "bomb: not UNIMPLEMENTED: $(cat "$WORK/bomb.txt")"
  grep -q "grpc-message: Compression algorithm 'gzip' is disabled" "$WORK/bomb.txt" ||
    fail "bomb: unclear message: $(grep grpc- "$WORK/bomb.txt")"
done
after_kb=$(mem_kb VmHWM)
echo "gzip bomb (256 MiB inflated) x3: VmHWM ${before_kb} kB -> ${after_kb} kB, VmRSS $(mem_kb VmRSS) kB"
# The bomb inflates to 256 MiB (the old gateway peaked at 302 MB); 64 MiB
# of growth would be a regression.
[ $((after_kb - before_kb)) -lt 65536 ] ||
  fail "peak RSS grew by $((after_kb - before_kb)) kB on a refused gzip bomb"

# 2. A frame cut short: the stream ends inside the message.
grpc_call CreateVideo "$WORK/truncated.bin" >"$WORK/truncated.txt"
grep -q 'grpc-status: 3' "$WORK/truncated.txt" ||
  fail "truncated frame: not INVALID_ARGUMENT: $(grep grpc- "$WORK/truncated.txt")"
grep -q 'grpc-message: .*no complete request message arrived' "$WORK/truncated.txt" ||
  fail "truncated frame: unclear message: $(grep grpc- "$WORK/truncated.txt")"
echo "truncated frame: $(grep -o 'grpc-message: .*' "$WORK/truncated.txt")"

# 3. Invalid UTF-8, thirty times on one connection.
timeout 20 nghttp -v -m 30 "$URL/CreateVideo" -d "$WORK/bad_utf8.bin" \
  -H 'content-type: application/grpc' -H 'te: trailers' >"$WORK/utf8.txt" 2>&1 ||
  fail "nghttp: invalid UTF-8 requests unanswered within 20 s"
answered=$(grep -c 'grpc-status: 3' "$WORK/utf8.txt" || true)
[ "$answered" -eq 30 ] || fail "invalid UTF-8: $answered of 30 answered INVALID_ARGUMENT"
grep -q 'grpc-message: request is not a valid seedance.v1.CreateVideoRequest: prompt: invalid UTF-8 at byte 2' \
  "$WORK/utf8.txt" || fail "invalid UTF-8: field not named: $(grep -m1 grpc-message "$WORK/utf8.txt")"
logged=$(grep -c 'libprotobuf ERROR' "$WORK/gw.log" || true)
[ "$logged" -eq 1 ] || fail "libprotobuf logged $logged lines for 30 bad requests (want 1)"

kill -0 "$GW" 2>/dev/null || fail "gateway died"
echo "PASS: gzip bomb refused with flat RSS, truncated frame answered, bad UTF-8 named and its log throttled"
