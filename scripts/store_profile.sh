#!/usr/bin/env bash
# Where a create's cost goes with each task store: runs `seedance-bench
# --scenario create-store` inside a throwaway PostgreSQL 15 with
# pg_stat_statements, attaches `perf stat` (CPU, context switches, the
# system calls that carry store and upstream traffic) to each of the bench's
# gateways, and afterwards prints, per create: each gateway's counts, the
# PostgreSQL server's CPU (its backends' CPU, reaped by the postmaster when
# the gateway disconnects) and its statements (docs/PERFORMANCE.md,
# section 5).
#
# usage: scripts/store_profile.sh [BINDIR [CONCURRENCY]]
#   BINDIR: where seedance-bench, seedance-gateway and tokenhub-sim are
#   (default build-release/bin); CONCURRENCY: creates in flight (32).
# Needs perf (perf_event_paranoid <= 2 for your own processes, or root)
# and pg_virtualenv (Debian's postgresql-common). Output in a temporary
# directory whose name it prints.
#
# The gateways are counted from 2.5 s after the bench starts to their end,
# so their first second of uncounted creates is partly in the counts: the
# figures per create are for comparing builds, run by run, not absolutes.
# The figures of `none` and SQLite divide by the bench's counted creates
# times 1.1 (its 1 s of warm-up beside 10 s of rounds); PostgreSQL's by
# the server's count of inserted creates.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BINDIR=$(cd "${1:-$ROOT/build-release/bin}" && pwd)
CONCURRENCY=${2:-32}

if [[ "${SEEDANCE_PROFILE_INSIDE:-}" != 1 ]]; then
  OUT=$(mktemp -d -t seedance-store-profile.XXXXXX)
  echo "store profile: $OUT" >&2
  SEEDANCE_PROFILE_INSIDE=1 SEEDANCE_PROFILE_OUT="$OUT" exec pg_virtualenv \
    -t -v 15 -o log_checkpoints=off \
    -o shared_preload_libraries=pg_stat_statements \
    -o pg_stat_statements.track=all "$0" "$BINDIR" "$CONCURRENCY"
fi
OUT=$SEEDANCE_PROFILE_OUT

psql -qAtc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" postgres
datadir=$(psql -qAtc "SHOW data_directory" postgres)
postmaster=$(head -1 "$datadir/postmaster.pid")
# utime + stime of the postmaster's reaped children, in clock ticks.
reaped() { awk '{print $16 + $17}' "/proc/$postmaster/stat"; }
ticks_before=$(reaped)
psql -qAtc "SELECT pg_stat_statements_reset()" postgres >/dev/null

"$BINDIR/seedance-bench" --scenario create-store \
  --concurrency "$CONCURRENCY" >"$OUT/bench.txt" 2>&1 &
bench=$!
sleep 2.5
events=task-clock,context-switches
for call in futex sendto recvfrom poll pwrite64 pread64 fdatasync fcntl; do
  events+=",syscalls:sys_enter_$call"
done
for gateway in $(pgrep -P "$bench" seedance-gatewa); do
  store=$(tr '\0' '\n' <"/proc/$gateway/cmdline" | sed -n 's/^--store=\([a-z]*\).*/\1/p')
  perf stat -x, -e "$events" -p "$gateway" -o "$OUT/perf.$store.$gateway" &
done
wait "$bench"
sleep 1  # the backends exit after their gateway
ticks=$(($(reaped) - ticks_before))
creates=$(psql -qAtc "SELECT calls FROM pg_stat_statements WHERE query LIKE 'INSERT INTO tasks (owner, request_id%'" postgres)
hz=$(getconf CLK_TCK)

cat "$OUT/bench.txt"
echo
echo "PostgreSQL: $creates creates, server CPU $((ticks * 1000000 / hz / creates)) us per create"
psql -qAtc "SELECT round(calls::numeric / $creates, 2) || ' per create: ' || left(regexp_replace(query, '\s+', ' ', 'g'), 90) FROM pg_stat_statements WHERE calls >= $creates / 10 ORDER BY calls DESC" postgres
# The creates the bench counted for `store`, times 1.1 for the warm-up.
counted() {
  awk -v s="--store=$1" 'index($0, s) {f = 1} f && /creates/ {
      for (i = 1; i < NF; i++) if ($(i + 1) == "ok,") {print int($i * 1.1); exit}
    }' "$OUT/bench.txt"
}
for file in "$OUT"/perf.*; do
  store=$(basename "$file" | cut -d. -f2)
  if [[ $store == postgresql ]]; then n=$creates; else n=$(counted "$store"); fi
  # The bench's own idle gateway (also --store=none) serves no create.
  cpu=$(awk -F, '$3 == "task-clock" {print int($1)}' "$file")
  [[ -n "$n" && "$n" -gt 0 && "${cpu:-0}" -gt 1000 ]] || continue
  echo "gateway --store=$store, per create:"
  awk -F, -v n="$n" '!/^#/ && NF > 3 && $1 != "" {
      name = $3; sub(/syscalls:sys_enter_/, "", name)
      if (name == "task-clock") printf "  CPU %.0f us\n", $1 * 1000 / n
      else printf "  %s %.2f\n", name, $1 / n
    }' "$file"
done
