#!/usr/bin/env bash
# The runtime image as a deployment runs it: deploy/Dockerfile built with
# podman (deploy/image/build.sh: the base from debootstrap, cached), the
# gateway started in it the way the manifests start it (uid 10001, read-only
# root file system, every capability dropped, no privilege escalation, the
# key as a mounted file, the ledger on a volume) against tokenhub-sim on the
# host (--network=host, loopback only), named `localhost` so that the
# image's name resolution (glibc's NSS, /etc/hosts) is exercised too. The
# `seedance` CLI on the host creates and watches a video through it; then a
# watch is left open, the container gets SIGTERM (`podman stop`, which sends
# SIGKILL after the grace) and must exit 0, which only a drain within the
# grace gives, while the open watch ends with UNAVAILABLE rather than a reset.
#
# usage: image_process_test.sh BIN_DIR REPO_ROOT
# Skips (77) only where podman cannot run a container at all.
set -euo pipefail
BIN=$1
ROOT=$2
PY=/usr/bin/python3

source "$(dirname "$0")/../testing/process_helpers.sh"
# shellcheck source=../../deploy/image/podman_env.sh
source "$ROOT/deploy/image/podman_env.sh"

# Container starts wait with wait_for's longer deadline (its third
# argument): runtime, mounts and a pause image on a loaded machine.

command -v podman >/dev/null || { echo "podman is not installed (Debian package podman): skipped"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "not root: rootless podman is not set up here: skipped"; exit 77; }

IMAGE=localhost/seedance-gateway:test-image
NAME=seedance-image-test-$$
"$ROOT/deploy/image/build.sh" "$BIN" "$IMAGE" >"$WORK/build.out" 2>"$WORK/build.err" ||
  fail "deploy/image/build.sh failed"
podman_setup "$IMAGE" || { echo "$PODMAN_PROBLEM: skipped"; exit 77; }
cleanup_container() { podman rm -f -t 0 "$NAME" >/dev/null 2>&1 || true; }
trap 'cleanup_container; cleanup' EXIT

# What the image is: a non-root user, no shell, small.
[ "$(podman image inspect "$IMAGE" --format '{{.Config.User}}')" = 10001:10001 ] ||
  fail "image user is not 10001:10001"
if podman run --rm --entrypoint /bin/sh "$IMAGE" -c true >/dev/null 2>&1; then
  fail "the image has a shell"
fi

"$BIN/tokenhub-sim" --port 0 --time-scale 0.01 --seed 5 >"$WORK/sim.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/sim.log" '^listening on '
SIM=$(sed -n 's/^listening on //p' "$WORK/sim.log")

# The Secret and the PersistentVolumeClaim of the `single` overlay.
mkdir -p "$WORK/secret" "$WORK/data"
echo th-sim-demo-key >"$WORK/secret/api-key"
chown 10001:10001 "$WORK/data"

# /metrics from inside the container too, once the gateway has the flag
# (issue 16's metrics work): every metric of the contract, valid exposition.
METRICS_FLAG=()
"$BIN/seedance-gateway" --help >"$WORK/help.txt" 2>&1
grep -q -- '--metrics-listen=' "$WORK/help.txt" && METRICS_FLAG=(--metrics-listen=127.0.0.1:0)

GRACE=3
podman run --rm --name "$NAME" --network=host \
  --read-only --cap-drop=all --security-opt=no-new-privileges \
  -v "$WORK/secret:/var/run/secrets/tokenhub:ro" -v "$WORK/data:/var/lib/seedance" \
  "$IMAGE" --listen=127.0.0.1:0 --upstream="${SIM/127.0.0.1/localhost}/api/v1" \
  --api-key-file=/var/run/secrets/tokenhub/api-key \
  --poll-initial=20ms --poll-max=50ms --shutdown-grace=${GRACE}s "${METRICS_FLAG[@]}" \
  >"$WORK/gateway.log" 2>"$WORK/gateway-stderr.log" &
RUN=$!
wait_for "$WORK/gateway.log" '^listening on port [0-9]+' 60
PORT=$(sed -n 's/^listening on port //p' "$WORK/gateway.log")
export SEEDANCE_GATEWAY=127.0.0.1:$PORT
unset SEEDANCE_API_KEY

# Create and watch a video through the containerized gateway.
"$BIN/seedance" create --prompt "a red fox in snow" --duration 5 --watch \
  >"$WORK/fox.out" 2>"$WORK/fox.err" </dev/null || fail "create --watch through the container"
"$PY" -c '
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
videos = [e for e in events if e["event"] == "video"]
assert events[0]["event"] == "created", events[0]
assert videos and videos[-1]["status"] == "SUCCEEDED" and videos[-1]["sequence"] == 30, videos
' "$WORK/fox.out" || fail "the watch did not end in SUCCEEDED"
# The ledger was written on the volume, by uid 10001.
[ "$(stat -c %u "$WORK/data/tasks.db")" = 10001 ] || fail "no ledger on the volume"

if [ ${#METRICS_FLAG[@]} -gt 0 ]; then
  wait_for "$WORK/gateway.log" '^metrics on port [0-9]+' 60
  MPORT=$(sed -n 's/^metrics on port //p' "$WORK/gateway.log")
  curl -sf "http://127.0.0.1:$MPORT/metrics" >"$WORK/metrics.txt" || fail "GET /metrics"
  for name in $(sed -e 's/#.*//' -e '/^\s*$/d' "$ROOT/deploy/monitoring/metrics.txt"); do
    grep -qE "^$name(_bucket|_sum|_count)?[{ ]" "$WORK/metrics.txt" ||
      fail "the containerized gateway does not export $name"
  done
  if command -v promtool >/dev/null; then
    promtool check metrics <"$WORK/metrics.txt" >"$WORK/promtool.out" 2>&1 ||
      fail "promtool check metrics: $(cat "$WORK/promtool.out")"
  fi
fi

# A watch left open on a held task, then SIGTERM.
"$BIN/seedance" create --prompt "[sim:hold] a quiet harbour" --watch --reconnect-for 0s \
  >"$WORK/held.out" 2>"$WORK/held.err" </dev/null &
WATCH=$!
PIDS+=("$WATCH")
wait_for "$WORK/held.out" '"sequence":10'
podman stop -t $((GRACE + 5)) "$NAME" >/dev/null || fail "podman stop"
rc=0
wait "$RUN" || rc=$?
[ "$rc" -eq 0 ] || fail "the containerized gateway exited $rc after SIGTERM, want 0 within the grace"
rc=0
wait "$WATCH" || rc=$?
[ "$rc" -ne 0 ] || fail "the held watch ended successfully, want an error after the drain"
grep -q UNAVAILABLE "$WORK/held.err" || fail "the open watch did not end with UNAVAILABLE"
grep -q th-sim-demo-key "$WORK"/*.log && fail "the API key is in a log"
echo "PASS: image built ($(podman image inspect "$IMAGE" --format '{{.Size}}') bytes), create+watch through it, SIGTERM exit 0"
