#!/usr/bin/env bash
# The rendered `single` overlay run by `podman kube play`: the Deployment
# and its PersistentVolumeClaim (a podman volume), with
# the runtime image the test builds. What podman cannot do like a cluster is
# rewritten, and only that: the image tag; the upstream (tokenhub-sim on
# loopback); host networking, so container ports are dropped (podman
# refuses port mappings there) and the listeners take free loopback ports;
# the key's Secret volume becomes a host folder holding the same file
# (podman 4.3 writes a Secret's `data` into the volume still base64-encoded
# and ignores `stringData`); names made unique per run. The `seedance` CLI creates and watches a video
# through the pod, the ledger lands on the claim's volume, and stopping the
# pod (SIGTERM, SIGKILL only after the pod's grace) ends the gateway with
# exit 0.
#
# usage: kube_play_test.sh BIN_DIR REPO_ROOT
set -euo pipefail
BIN=$1
ROOT=$2
TOOLS=$ROOT/.tools/deploy
PY=/usr/bin/python3
source "$(dirname "$0")/../testing/process_helpers.sh"
# shellcheck source=../../deploy/image/podman_env.sh
source "$ROOT/deploy/image/podman_env.sh"

# Container starts wait with wait_for's longer deadline (its third
# argument): runtime, mounts and a pause image on a loaded machine.

command -v podman >/dev/null || { echo "podman is not installed (Debian package podman): skipped"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "not root: rootless podman is not set up here: skipped"; exit 77; }
command -v kubectl >/dev/null || { echo "no kubectl (with kustomize) on PATH: skipped"; exit 77; }
[ -d "$TOOLS/node_modules/yaml" ] || { echo "no yaml reader in $TOOLS (./dev setup): skipped"; exit 77; }

IMAGE=localhost/seedance-gateway:test-kube-play
"$ROOT/deploy/image/build.sh" "$BIN" "$IMAGE" >"$WORK/build.out" 2>"$WORK/build.err" ||
  fail "deploy/image/build.sh failed"
podman_setup "$IMAGE" || { echo "$PODMAN_PROBLEM: skipped"; exit 77; }

"$BIN/tokenhub-sim" --port 0 --time-scale 0.01 --seed 9 >"$WORK/sim.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/sim.log" '^listening on '
SIM=$(sed -n 's/^listening on //p' "$WORK/sim.log")

kubectl kustomize "$ROOT/deploy/kubernetes/overlays/single" >"$WORK/single.yaml" ||
  fail "kubectl kustomize overlays/single"
"$BIN/seedance-gateway" --help >"$WORK/help.out" 2>&1
SUFFIX=kp$$
mkdir "$WORK/secret"
echo th-sim-demo-key >"$WORK/secret/api-key"
node --input-type=module - "$WORK/single.yaml" "$WORK/play.yaml" <<EOF || fail "rewriting the overlay"
import { createRequire } from "node:module";
import fs from "node:fs";
const YAML = createRequire("$TOOLS/node_modules/noop.js")("yaml");
const [input, output] = process.argv.slice(2);
const help = fs.readFileSync("$WORK/help.out", "utf8");
const docs = YAML.parseAllDocuments(fs.readFileSync(input, "utf8")).map((d) => d.toJS());
const keep = [];
for (const d of docs) {
  d.metadata.name += "-$SUFFIX";
  if (d.kind === "PersistentVolumeClaim") keep.push(d);
  if (d.kind !== "Deployment") continue;  // Service, ServiceAccount: nothing for podman
  const pod = d.spec.template.spec;
  for (const v of pod.volumes) {
    if (v.persistentVolumeClaim) v.persistentVolumeClaim.claimName += "-$SUFFIX";
    if (v.secret) {
      delete v.secret;
      v.hostPath = { path: "$WORK/secret", type: "Directory" };
    }
  }
  const c = pod.containers[0];
  c.image = "$IMAGE";
  delete c.ports;
  c.env.find((e) => e.name === "TOKENHUB_BASE_URL").value = "$SIM/api/v1";
  c.args = c.args.flatMap((a) => {
    const flag = a.split("=")[0];
    // A flag another branch is adding (tests/deploy/manifests_test.sh):
    // left out until this binary has it.
    if (!help.includes("  " + flag)) return [];
    if (flag === "--listen" || flag === "--metrics-listen") return [flag + "=127.0.0.1:0"];
    return [a];
  });
  keep.push(d);
}
fs.writeFileSync(output, keep.map((d) => YAML.stringify(d)).join("---\n"));
EOF

down() {
  podman kube down "$WORK/play.yaml" >/dev/null 2>&1 || true
  podman volume rm -f "seedance-ledger-$SUFFIX" >/dev/null 2>&1 || true
}
trap 'down; cleanup' EXIT
podman kube play --network host "$WORK/play.yaml" >"$WORK/play.out" 2>"$WORK/play.err" ||
  fail "podman kube play"
POD=seedance-gateway-$SUFFIX-pod-0
CTR=$POD-gateway
podman logs -f "$CTR" >"$WORK/gateway.log" 2>"$WORK/gateway-stderr.log" &
PIDS+=($!)
wait_for "$WORK/gateway.log" '^listening on port [0-9]+' 60
PORT=$(sed -n 's/^listening on port //p' "$WORK/gateway.log")
export SEEDANCE_GATEWAY=127.0.0.1:$PORT
unset SEEDANCE_API_KEY

"$BIN/seedance" create --prompt "a red fox in snow" --duration 5 --watch \
  >"$WORK/fox.out" 2>"$WORK/fox.err" </dev/null || fail "create --watch through the pod"
"$PY" -c '
import json, sys
videos = [e for e in map(json.loads, open(sys.argv[1])) if e["event"] == "video"]
assert videos and videos[-1]["status"] == "SUCCEEDED" and videos[-1]["sequence"] == 30, videos
' "$WORK/fox.out" || fail "the watch did not end in SUCCEEDED"
VOLUME=$(podman volume inspect "seedance-ledger-$SUFFIX" --format '{{.Mountpoint}}') ||
  fail "no volume for the claim"
[ -s "$VOLUME/tasks.db" ] || fail "no ledger on the claim's volume"

podman pod stop -t 30 "$POD" >/dev/null || fail "podman pod stop"
rc=$(podman inspect "$CTR" --format '{{.State.ExitCode}}')
[ "$rc" = 0 ] || fail "the gateway in the pod exited $rc after SIGTERM, want 0"
echo "PASS: overlays/single under podman kube play: create+watch, ledger on the claim, SIGTERM exit 0"
