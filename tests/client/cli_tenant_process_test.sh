#!/usr/bin/env bash
# The CLI against a gateway with tenants, as processes: a tenants file made
# here (the caller key's hash with sha256sum, as docs/TENANTS.md says);
# without a caller key the CLI exits 5 (UNAUTHENTICATED); with
# --caller-key-file or SEEDANCE_CALLER_KEY it creates; --caller-key-file
# with --api-key-file is a usage error; no log line of the gateway or the
# CLI carries the caller key.
#
# usage: cli_tenant_process_test.sh BIN_DIR
set -euo pipefail
BIN=$1

source "$(dirname "$0")/../testing/process_helpers.sh"

expect_exit() {  # expect_exit CODE NAME -- COMMAND...
  local want=$1 name=$2
  shift 3
  local rc=0
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null || rc=$?
  [ "$rc" -eq "$want" ] || fail "$name: exit $rc, want $want"
}

KEY="sk-cli-tenant-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$KEY" >"$WORK/caller.key"
HASH=$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)
cat >"$WORK/tenants.json" <<JSON
{"tenants": [{"name": "team-cli", "key_sha256": ["$HASH"], "max_unfinished": 5}]}
JSON

"$BIN/tokenhub-sim" --port 0 --time-scale 0.01 --seed 11 >"$WORK/sim.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/sim.log" '^listening on '
SIM=$(sed -n 's/^listening on //p' "$WORK/sim.log")
TOKENHUB_API_KEY=th-sim-demo-key "$BIN/seedance-gateway" --listen 127.0.0.1:0 \
  --upstream "$SIM/api/v1" --store "sqlite:$WORK/tasks.db" \
  --tenants-file "$WORK/tenants.json" \
  >"$WORK/gw.log" 2>"$WORK/gw-stderr.log" &
PIDS+=($!)
wait_for "$WORK/gw.log" '^listening on port [0-9]+'
export SEEDANCE_GATEWAY=127.0.0.1:$(sed -n 's/^listening on port //p' "$WORK/gw.log")
unset SEEDANCE_API_KEY SEEDANCE_CALLER_KEY
CLI=("$BIN/seedance" create --prompt "a red fox in snow" --duration 5 --json)

expect_exit 5 nokey -- "${CLI[@]}"
grep -q "caller key" "$WORK/nokey.err" || fail "no hint about the caller key"
expect_exit 0 keyfile -- "${CLI[@]}" --caller-key-file "$WORK/caller.key"
SEEDANCE_CALLER_KEY=$KEY expect_exit 0 keyenv -- "${CLI[@]}" --dry-run
echo th-not-used >"$WORK/th.key"
expect_exit 2 both -- "${CLI[@]}" --caller-key-file "$WORK/caller.key" \
  --api-key-file "$WORK/th.key"
if grep -rqF "$KEY" "$WORK"/*.log "$WORK"/*.out "$WORK"/*.err; then
  fail "the caller key appears in a log"
fi
echo "cli_tenant_process_test: ok"
