#!/usr/bin/env bash
# The CLI and the gateway over mutual TLS, as processes, with a CA made
# here with openssl: the gateway refuses mismatched files at start (exit 2,
# naming the flag); `seedance create --watch` with --tls-ca, --tls-cert,
# --tls-key and --tls-server-name succeeds; without a client certificate,
# with one from another CA, or trusting another CA, the call fails with
# UNAVAILABLE and never reaches the gateway's methods.
#
# usage: cli_tls_process_test.sh BIN_DIR   (exit 77 = skipped: no openssl)
set -euo pipefail
BIN=$1
OPENSSL=$(command -v openssl || true)
[ -n "$OPENSSL" ] || { echo "no openssl: skipped"; exit 77; }

source "$(dirname "$0")/../testing/process_helpers.sh"

# ca NAME: NAME-ca.pem/.key. leaf NAME CA: NAME.pem/.key signed by CA.
ca() {
  "$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 2 -subj "/CN=$1-ca" -keyout "$WORK/$1-ca.key" -out "$WORK/$1-ca.pem" \
    >/dev/null 2>&1 || fail "openssl: CA $1"
}
leaf() {
  printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >"$WORK/$1.ext"
  "$OPENSSL" req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=$1" -keyout "$WORK/$1.key" -out "$WORK/$1.csr" >/dev/null 2>&1 \
    && "$OPENSSL" x509 -req -days 2 -in "$WORK/$1.csr" -CA "$WORK/$2-ca.pem" \
      -CAkey "$WORK/$2-ca.key" -CAcreateserial -extfile "$WORK/$1.ext" \
      -out "$WORK/$1.pem" >/dev/null 2>&1 || fail "openssl: leaf $1"
}
ca good; ca other
leaf server good; leaf client good; leaf stranger other

"$BIN/tokenhub-sim" --port 0 --time-scale 0.01 --seed 7 >"$WORK/sim.out" 2>"$WORK/sim.log" &
PIDS+=($!)
wait_for "$WORK/sim.out" '^listening on '
SIM_URL=$(sed -n 's/^listening on //p' "$WORK/sim.out")

# A key that does not belong to the certificate: refused at start, named.
rc=0
TOKENHUB_API_KEY=th-sim-demo-key "$BIN/seedance-gateway" --listen 127.0.0.1:0 \
  --upstream "$SIM_URL/api/v1" --store none \
  --tls-cert "$WORK/server.pem" --tls-key "$WORK/client.key" \
  >"$WORK/bad.out" 2>"$WORK/bad.err" </dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "mismatched key: exit $rc, want 2"
grep -q -- "--tls-key: .*does not match the certificate" "$WORK/bad.err" \
  || fail "mismatched key: $(cat "$WORK/bad.err")"

TOKENHUB_API_KEY=th-sim-demo-key "$BIN/seedance-gateway" --listen 127.0.0.1:0 \
  --upstream "$SIM_URL/api/v1" --poll-initial 20ms --poll-max 50ms --store none \
  --tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key" \
  --tls-client-ca "$WORK/good-ca.pem" \
  >"$WORK/gw.out" 2>"$WORK/gw.log" &
PIDS+=($!)
wait_for "$WORK/gw.out" '^listening on port [0-9]+'
GATEWAY=127.0.0.1:$(sed -n 's/^listening on port //p' "$WORK/gw.out")
grep -q 'serving mutual TLS' "$WORK/gw.log" || fail "the gateway does not say mutual TLS"

TLS=(--gateway "$GATEWAY" --tls-server-name localhost --tls-ca "$WORK/good-ca.pem")
"$BIN/seedance" create "${TLS[@]}" --tls-cert "$WORK/client.pem" --tls-key "$WORK/client.key" \
  --prompt "a fox" --watch --json >"$WORK/ok.json" 2>"$WORK/ok.err" </dev/null \
  || fail "mutual TLS create --watch: $(cat "$WORK/ok.err")"
grep -q '"status":"SUCCEEDED"' "$WORK/ok.json" || fail "the watch did not succeed"

for case in nocert stranger othertrust; do
  case $case in
    nocert) args=("${TLS[@]}") ;;
    stranger) args=("${TLS[@]}" --tls-cert "$WORK/stranger.pem" --tls-key "$WORK/stranger.key") ;;
    othertrust) args=(--gateway "$GATEWAY" --tls-server-name localhost \
      --tls-ca "$WORK/other-ca.pem" --tls-cert "$WORK/client.pem" --tls-key "$WORK/client.key") ;;
  esac
  rc=0
  "$BIN/seedance" create "${args[@]}" --timeout 30s --prompt "a cat" --dry-run --json \
    >"$WORK/$case.out" 2>"$WORK/$case.err" </dev/null || rc=$?
  [ "$rc" -ne 0 ] || fail "$case: the call went through"
  grep -q UNAVAILABLE "$WORK/$case.err" || fail "$case: $(cat "$WORK/$case.err")"
done
# Refused handshakes never reach a method: only the good create is logged.
grep -c 'call=CreateVideo' "$WORK/gw.log" | grep -qx 1 || fail "refused clients reached CreateVideo"
echo PASS
