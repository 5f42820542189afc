#!/usr/bin/env bash
# The `seedance` CLI as scripts use it: a process against tokenhub-sim and
# seedance-gateway processes on loopback. Covers create --watch --download
# (the file is the simulator's MP4, byte for byte), dry-run pricing, the
# NDJSON events, every documented exit code, and a watch that survives a
# gateway restart without losing or repeating a transition.
#
# usage: cli_process_test.sh BIN_DIR SIM_MP4
set -euo pipefail
BIN=$1
MP4=$2
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "no /usr/bin/python3: skipped"; exit 77; }

source "$(dirname "$0")/../testing/process_helpers.sh"

# expect_exit CODE NAME -- COMMAND...: runs the CLI, output in NAME.out/.err.
expect_exit() {
  local want=$1 name=$2
  shift 3
  local rc=0
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null || rc=$?
  [ "$rc" -eq "$want" ] || fail "$name: exit $rc, want $want"
}

# json_check FILE PYTHON: runs PYTHON with `events` = the parsed NDJSON lines.
json_check() {
  "$PY" -c "
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
$2
" "$1" || fail "json check on $1: $2"
}

start_gateway() {  # start_gateway LISTEN LOGNAME
  TOKENHUB_API_KEY=th-sim-demo-key "$BIN/seedance-gateway" --listen "$1" \
    --upstream "$SIM/api/v1" --allow-caller-keys --poll-initial 20ms --poll-max 50ms \
    --shutdown-grace 1s --store "sqlite:$WORK/tasks.db" --fresh-for 0s \
    >"$WORK/$2.log" 2>"$WORK/$2-stderr.log" &
  GW=$!
  PIDS+=("$GW")
  wait_for "$WORK/$2.log" '^listening on port [0-9]+'
}

"$BIN/tokenhub-sim" --port 0 --time-scale 0.01 --seed 11 >"$WORK/sim.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/sim.log" '^listening on '
SIM=$(sed -n 's/^listening on //p' "$WORK/sim.log")
start_gateway 127.0.0.1:0 gw1
PORT=$(sed -n 's/^listening on port //p' "$WORK/gw1.log")
export SEEDANCE_GATEWAY=127.0.0.1:$PORT
unset SEEDANCE_API_KEY
CLI=("$BIN/seedance")

# --- exit 0: create, watch, download: the simulator's MP4, byte for byte.
expect_exit 0 fox -- "${CLI[@]}" create --prompt "a red fox in snow" --duration 5 \
  --download "$WORK/fox.mp4"
cmp -s "$WORK/fox.mp4" "$MP4" || fail "downloaded file differs from $MP4"
[ ! -e "$WORK/fox.mp4.part" ] || fail "partial file left behind"
json_check "$WORK/fox.out" "
kinds = [e['event'] for e in events]
assert kinds[0] == 'created' and kinds[-1] == 'download', kinds
videos = [e for e in events if e['event'] == 'video']
seqs = [e['sequence'] for e in videos]
assert seqs == sorted(set(seqs)) and seqs[-1] == 30, seqs
assert videos[-1]['status'] == 'SUCCEEDED' and videos[-1]['video']['video_url']
assert all(e['id'] == events[0]['id'] for e in videos)
assert events[-1]['bytes'] == $(stat -c %s "$MP4")
"
FOX_ID=$("$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["id"])' "$WORK/fox.out")

# --- exit 0: get prints one video event.
expect_exit 0 get -- "${CLI[@]}" get "$FOX_ID" --json
json_check "$WORK/get.out" "assert len(events) == 1 and events[0]['status'] == 'SUCCEEDED'"

# --- exit 0: dry run: 5 s of input video + 10 s at 720p flagship = \$3.00.
expect_exit 0 dryrun -- "${CLI[@]}" create --prompt "extend this clip" --dry-run \
  --video-url https://example.com/in.mp4 --video-duration 5s --duration 10 --resolution 720p
json_check "$WORK/dryrun.out" "
assert len(events) == 1 and events[0]['dry_run'] is True, events
assert events[0]['estimated_micros'] == 3000000, events[0]
assert events[0]['id'] == ''
"

# --- the prompt from stdin, with media references and roles.
echo "a lighthouse at dusk" | "${CLI[@]}" create --dry-run --duration 4 \
  --content image:first_frame:https://example.com/first.png \
  --image-urls https://example.com/a.png --no-generate-audio --watermark \
  >"$WORK/stdin.out" 2>"$WORK/stdin.err" || fail "prompt from stdin"
json_check "$WORK/stdin.out" "assert events[0]['event'] == 'created'"

# --- exit 1: the generation fails.
expect_exit 1 failed -- "${CLI[@]}" create --watch \
  --prompt "[sim:fail=content policy violation] a cat"
json_check "$WORK/failed.out" "
assert events[-1]['status'] == 'FAILED', events[-1]
assert events[-1]['video']['error']['message'] == 'content policy violation'
"

# --- exit 2: usage errors.
expect_exit 2 usage -- "${CLI[@]}" create --no-such-flag
grep -q "unknown flag --no-such-flag" "$WORK/usage.err" || fail "usage message"
expect_exit 2 usage2 -- "${CLI[@]}" watch
expect_exit 0 help -- "${CLI[@]}" --help
for code in 0 1 2 3 4 5 6 7 8 9 130; do
  grep -qE "^ +$code  " "$WORK/help.out" || fail "--help does not document exit $code"
done

# --- exit 3: invalid request, every violation in plain words and in JSON.
expect_exit 3 invalid -- "${CLI[@]}" create --prompt "a cat" --duration 99 --aspect-ratio wide
grep -q "INVALID_ARGUMENT" "$WORK/invalid.err" || fail "no status in stderr"
grep -qE "^  - duration: " "$WORK/invalid.err" || fail "no duration violation"
grep -qE "^  - aspect_ratio: " "$WORK/invalid.err" || fail "no aspect_ratio violation"
json_check "$WORK/invalid.out" "
e = events[0]
assert e['event'] == 'error' and e['code'] == 'INVALID_ARGUMENT', e
assert {v['field'] for v in e['violations']} == {'duration', 'aspect_ratio'}, e
"

# --- exit 4: not found.
expect_exit 4 notfound -- "${CLI[@]}" get cgt-does-not-exist-1
grep -q "NOT_FOUND" "$WORK/notfound.err" || fail "no NOT_FOUND"

# --- exit 5: a key TokenHub rejects; the key is never echoed.
SEEDANCE_API_KEY=th-wrong-secret-key expect_exit 5 auth -- "${CLI[@]}" create --prompt "a cat"
grep -q "UNAUTHENTICATED" "$WORK/auth.err" || fail "no UNAUTHENTICATED"
echo th-wrong-secret-key >"$WORK/key"
expect_exit 5 authfile -- "${CLI[@]}" create --prompt "a cat" --api-key-file "$WORK/key"
! grep -rq "th-wrong-secret-key" "$WORK"/*.out "$WORK"/*.err || fail "API key echoed"

# --- exit 6: nothing listens there.
CLOSED=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect_exit 6 unreachable -- "${CLI[@]}" get "$FOX_ID" --gateway "127.0.0.1:$CLOSED"
expect_exit 6 unreachable_watch -- "${CLI[@]}" watch "$FOX_ID" --gateway "127.0.0.1:$CLOSED" \
  --reconnect-for 300ms
grep -q "UNAVAILABLE" "$WORK/unreachable_watch.err" || fail "no UNAVAILABLE"

# A held task nobody watches (the gateway follows it; with --fresh-for 0s
# every GetVideo asks the upstream).
"${CLI[@]}" create --prompt "[sim:hold] a quiet harbour" >"$WORK/held.out" || fail "create held"
HELD_ID=$("$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["id"])' "$WORK/held.out")

# --- exit 7: the upstream answers too slowly for --timeout.
curl -sf -X POST "$SIM/_sim/faults" -d 'latency=2s,method=GET,next=1' >/dev/null
expect_exit 7 deadline -- "${CLI[@]}" get "$HELD_ID" --timeout 200ms
grep -q "DEADLINE_EXCEEDED" "$WORK/deadline.err" || fail "no DEADLINE_EXCEEDED"
curl -sf -X DELETE "$SIM/_sim/faults" >/dev/null

# --- exit 8: the media server fails the download; no file is left.
curl -sf -X POST "$SIM/_sim/faults" -d '500,path=media' >/dev/null
expect_exit 8 download -- "${CLI[@]}" create --prompt "a cat" --download "$WORK/cat.mp4"
[ ! -e "$WORK/cat.mp4" ] && [ ! -e "$WORK/cat.mp4.part" ] || fail "download left a file"
grep -q "HTTP 500" "$WORK/download.err" || fail "no HTTP status in the download error"
curl -sf -X DELETE "$SIM/_sim/faults" >/dev/null

# --- exit 9: any other error (the upstream's rate limit).
curl -sf -X POST "$SIM/_sim/faults" -d '429,method=POST' >/dev/null
expect_exit 9 other -- "${CLI[@]}" create --prompt "a cat"
grep -q "RESOURCE_EXHAUSTED" "$WORK/other.err" || fail "no RESOURCE_EXHAUSTED"
curl -sf -X DELETE "$SIM/_sim/faults" >/dev/null

# --- exit 130: Ctrl-C during a watch.
"${CLI[@]}" watch "$HELD_ID" >"$WORK/interrupt.out" 2>"$WORK/interrupt.err" &
WATCH=$!
wait_for "$WORK/interrupt.out" '"sequence":10'
kill -INT "$WATCH"
rc=0; wait "$WATCH" || rc=$?
[ "$rc" -eq 130 ] || fail "interrupted watch exited $rc, want 130"

# --- a watch survives a gateway restart on the same port: 10, 20, 30 once.
"${CLI[@]}" watch "$HELD_ID" >"$WORK/restart.out" 2>"$WORK/restart.err" &
WATCH=$!
wait_for "$WORK/restart.out" '"sequence":10'
kill -TERM "$GW"
rc=0; wait "$GW" || rc=$?
[ "$rc" -eq 0 ] || fail "gateway exited $rc after SIGTERM"
start_gateway "127.0.0.1:$PORT" gw2
curl -sf -X POST "$SIM/_sim/tasks/$HELD_ID" -d '{"status":"running"}' >/dev/null
wait_for "$WORK/restart.out" '"sequence":20'
curl -sf -X POST "$SIM/_sim/tasks/$HELD_ID" -d '{"status":"succeeded"}' >/dev/null
rc=0; wait "$WATCH" || rc=$?
[ "$rc" -eq 0 ] || fail "watch across the restart exited $rc"
json_check "$WORK/restart.out" "
seqs = [e['sequence'] for e in events if e['event'] == 'video']
assert seqs == [10, 20, 30], seqs
"
echo "PASS: download, dry-run price, NDJSON, exit codes 0-9 and 130, restart mid-watch"
