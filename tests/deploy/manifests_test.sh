#!/usr/bin/env bash
# The Kubernetes overlays as an operator applies them, checked offline:
#  1. each overlay renders with `kubectl kustomize` and holds what it
#     promises (single: one replica, Recreate, SQLite on a claim; fleet:
#     several replicas, the PostgreSQL URI from a Secret, HPA on CPU and on
#     open streams, PDB, topology spread, NetworkPolicy, ServiceMonitor,
#     PrometheusRule);
#  2. every object validates against the Kubernetes API's types
#     (k8s_schema_check.mjs): unknown fields, wrong types, bad enum values
#     and formats fail; mutations of the rendered fleet overlay prove that
#     each kind of mistake is caught;
#  3. every gateway flag and environment variable the manifests use exists
#     in `seedance-gateway --help` (a made-up flag proves the check bites);
#  4. the PrometheusRule carries exactly deploy/monitoring/seedance.rules.yml.
#
# usage: manifests_test.sh BIN_DIR REPO_ROOT
#        manifests_test.sh --write-prometheusrule   (regenerates the CR)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = --write-prometheusrule ]; then
  ROOT=$(cd "$HERE/../.." && pwd)
  exec node "$HERE/k8s_schema_check.mjs" "$ROOT/.tools/deploy" write-prometheusrule \
    "$ROOT/deploy/monitoring/seedance.rules.yml" \
    "$ROOT/deploy/kubernetes/components/monitoring/prometheusrule.yaml"
fi
BIN=$1
ROOT=$2
TOOLS=$ROOT/.tools/deploy
KUSTOMIZE=$ROOT/deploy/kubernetes

source "$HERE/../testing/process_helpers.sh"

command -v kubectl >/dev/null || { echo "no kubectl (with kustomize) on PATH: skipped"; exit 77; }
command -v node >/dev/null || { echo "no node: skipped"; exit 77; }
[ -x "$TOOLS/node_modules/.bin/tsc" ] && [ -d "$TOOLS/node_modules/kubernetes-models" ] ||
  { echo "no schema tools in $TOOLS (./dev setup installs them): skipped"; exit 77; }

schema_check() { node "$HERE/k8s_schema_check.mjs" "$TOOLS" "$@"; }

# --- 1. render, and the shape each overlay promises.
for overlay in single fleet; do
  kubectl kustomize "$KUSTOMIZE/overlays/$overlay" >"$WORK/$overlay.yaml" 2>"$WORK/$overlay.err" ||
    fail "kubectl kustomize overlays/$overlay"
  node --input-type=module -e "
    import { createRequire } from 'node:module';
    import fs from 'node:fs';
    const YAML = createRequire('$TOOLS/node_modules/noop.js')('yaml');
    const docs = YAML.parseAllDocuments(fs.readFileSync('$WORK/$overlay.yaml', 'utf8')).map((d) => d.toJS());
    fs.writeFileSync('$WORK/$overlay.json', JSON.stringify(docs));
  " || fail "reading the rendered $overlay overlay"
done

shape() {  # shape OVERLAY JS: JS asserts over `docs` and `kinds`
  node -e "
    const assert = require('node:assert');
    const docs = JSON.parse(require('node:fs').readFileSync('$WORK/$1.json', 'utf8'));
    const kinds = docs.map((d) => d.kind).sort();
    const one = (k) => docs.find((d) => d.kind === k);
    const gw = one('Deployment');
    const pod = gw.spec.template.spec;
    const c = pod.containers[0];
    $2
  " || fail "overlay $1 is not what it promises: $2"
}
shape single "
  assert.deepStrictEqual(kinds, ['Deployment', 'PersistentVolumeClaim', 'Service', 'ServiceAccount']);
  assert.strictEqual(gw.spec.replicas, 1);
  assert.strictEqual(gw.spec.strategy.type, 'Recreate');
  assert.deepStrictEqual(c.env.find((e) => e.name === 'SEEDANCE_STORE').value, 'sqlite:/var/lib/seedance/tasks.db');
  const vol = pod.volumes.find((v) => v.persistentVolumeClaim);
  assert.strictEqual(vol.persistentVolumeClaim.claimName, one('PersistentVolumeClaim').metadata.name);
  assert.strictEqual(c.volumeMounts.find((m) => m.name === vol.name).mountPath, '/var/lib/seedance');
"
shape fleet "
  for (const k of ['HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'ServiceMonitor', 'PrometheusRule'])
    assert(kinds.includes(k), k);
  // Several replicas, counted by the HPA alone: a count in the Deployment
  // would reset the autoscaler's choice at every apply.
  assert.strictEqual(gw.spec.replicas, undefined);
  assert.deepStrictEqual(c.env.find((e) => e.name === 'SEEDANCE_STORE').valueFrom.secretKeyRef, {key: 'uri', name: 'seedance-store'});
  assert(c.args.includes('--store-password-file=/var/run/secrets/seedance-store/password'));
  assert.deepStrictEqual(pod.topologySpreadConstraints.map((t) => t.topologyKey).sort(),
                         ['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
  const hpa = one('HorizontalPodAutoscaler').spec;
  assert.strictEqual(hpa.metrics.find((m) => m.type === 'Resource').resource.name, 'cpu');
  assert.strictEqual(hpa.metrics.find((m) => m.type === 'Pods').pods.metric.name, 'seedance_watch_streams_open');
  assert(hpa.minReplicas >= 2 && hpa.maxReplicas > hpa.minReplicas);
  assert.deepStrictEqual(hpa.scaleTargetRef, {apiVersion: 'apps/v1', kind: 'Deployment', name: gw.metadata.name});
  for (const k of ['PodDisruptionBudget', 'NetworkPolicy'])
    assert.deepStrictEqual(one(k).spec.selector?.matchLabels ?? one(k).spec.podSelector.matchLabels,
                           {'app.kubernetes.io/name': 'seedance-gateway'});
  assert.strictEqual(one('ServiceMonitor').spec.endpoints[0].port, 'metrics');
"

# --- 2. the Kubernetes API's types.
for overlay in single fleet; do
  schema_check validate "$WORK/$overlay.yaml" "overlays/$overlay" >"$WORK/$overlay-schema.out" 2>&1 ||
    fail "overlays/$overlay does not validate: $(cat "$WORK/$overlay-schema.out")"
done

# must_fail NAME SED-EXPR WORD: the fleet overlay with one mistake made by
# SED-EXPR must fail validation with a finding naming WORD.
must_fail() {
  sed -E "$2" "$WORK/fleet.yaml" >"$WORK/broken-$1.yaml"
  ! cmp -s "$WORK/fleet.yaml" "$WORK/broken-$1.yaml" || fail "mutation $1 changed nothing"
  if schema_check validate "$WORK/broken-$1.yaml" "broken-$1" >"$WORK/broken-$1.out" 2>&1; then
    fail "the schema check accepted broken manifest $1 ($2)"
  fi
  grep -q -- "$3" "$WORK/broken-$1.out" || fail "broken manifest $1: no finding naming $3"
}
must_fail unknown-field 's/readOnlyRootFilesystem: true/readOnlyRootFileSystem: true/' readOnlyRootFileSystem
must_fail wrong-type 's/terminationGracePeriodSeconds: 30/terminationGracePeriodSeconds: "30"/' terminationGracePeriodSeconds
must_fail enum 's/whenUnsatisfiable: DoNotSchedule/whenUnsatisfiable: Never/' Never
must_fail int32 's/containerPort: 9090/containerPort: 99999999999/' containerPort
must_fail hpa-type 's/maxReplicas: 12/maxReplicas: twelve/' maxReplicas
must_fail crd-field 's/- interval: 15s/- intervall: 15s/' intervall
must_fail rule-field 's/- alert: SeedanceGatewayDown/- alertt: SeedanceGatewayDown/' alertt
must_fail unknown-kind 's/^kind: NetworkPolicy$/kind: NetworkPolicyy/' NetworkPolicyy
must_fail duplicate-key 's/^(  minReplicas: 3)$/\1\n  minReplicas: 4/' minReplicas

# --- 3. flags and variables against --help.
"$BIN/seedance-gateway" --help >"$WORK/help.out" 2>&1 || fail "seedance-gateway --help"
# Being added by issue 16's metrics, logs and TLS work on another branch;
# accepted while --help does not list them yet, checked like any other once
# it does.
PENDING_FLAGS=(--metrics-listen --log-format --log-level --tls-cert --tls-key --tls-client-ca)
# check_flags FILE: every --flag and SEEDANCE_/TOKENHUB_ variable in FILE is documented.
check_flags() {
  local bad=0 flag var
  for flag in $(grep -oE '^\s*- --[a-z0-9-]+' "$1" | sed -E 's/^\s*- //' | sort -u); do
    grep -qE "^  $flag(=VALUE)?  " "$WORK/help.out" && continue
    if printf '%s\n' "${PENDING_FLAGS[@]}" | grep -qx -- "$flag"; then continue; fi
    echo "$1: $flag is not a seedance-gateway flag" >&2
    bad=1
  done
  for var in $(grep -oE '^\s*- name: (SEEDANCE|TOKENHUB)_[A-Z_]+' "$1" | sed -E 's/.*name: //' | sort -u); do
    grep -qF "[\$$var]" "$WORK/help.out" && continue
    echo "$1: $var is not a seedance-gateway variable" >&2
    bad=1
  done
  return $bad
}
for overlay in single fleet; do
  check_flags "$WORK/$overlay.yaml" 2>"$WORK/$overlay-flags.err" ||
    fail "overlays/$overlay uses unknown settings: $(cat "$WORK/$overlay-flags.err")"
done
sed 's/- --fd-reserve=256/- --fd-reserv=256/' "$WORK/fleet.yaml" >"$WORK/badflag.yaml"
if check_flags "$WORK/badflag.yaml" 2>"$WORK/badflag.err"; then fail "a made-up flag passed the check"; fi
grep -q -- --fd-reserv "$WORK/badflag.err" || fail "the flag check did not name --fd-reserv"
sed 's/- name: SEEDANCE_STORE/- name: SEEDANCE_STOR/' "$WORK/fleet.yaml" >"$WORK/badvar.yaml"
if check_flags "$WORK/badvar.yaml" 2>/dev/null; then fail "a made-up variable passed the check"; fi

# --- 4. the PrometheusRule is the rules file.
awk 'BEGIN{RS="\n---\n"} /kind: PrometheusRule/' "$WORK/fleet.yaml" >"$WORK/prometheusrule.yaml"
schema_check rules-equal "$WORK/prometheusrule.yaml" "$ROOT/deploy/monitoring/seedance.rules.yml" ||
  fail "the fleet's PrometheusRule differs from deploy/monitoring/seedance.rules.yml"

echo "PASS: overlays single and fleet render, validate, use real flags; 9 broken manifests refused"
