# Shared by the process tests (sourced, not run): a scratch folder that is
# removed at exit, every child recorded in PIDS killed at exit, `fail` that
# shows the tails of the logs, and `wait_for` a line with a deadline.
#
#   source "$(dirname "$0")/../testing/process_helpers.sh"
#   "$BIN/tokenhub-sim" --port 0 >"$WORK/sim.out" & PIDS+=($!)
#   wait_for "$WORK/sim.out" '^listening on '
#
# KEEP=1 keeps $WORK for a post-mortem.

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in "$WORK"/*.out "$WORK"/*.err "$WORK"/*.log; do
    [ -s "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }
  done
  exit 1
}

# wait_for FILE REGEX [SECONDS]: waits (SECONDS, default 10, at most) until
# FILE has a line matching.
wait_for() {
  for _ in $(seq $((${3:-10} * 100))); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.01
  done
  fail "timed out after ${3:-10} s waiting for /$2/ in $1"
}
