#!/usr/bin/env bash
# The alert rules and the Grafana dashboard of deploy/monitoring/:
#  1. `promtool check rules` and `promtool test rules` (each alert fires on
#     its failure after its `for`, stays quiet on the look-alike); a rule
#     with a wrong threshold must fail the unit tests;
#  2. every dashboard query parses as PromQL (promtool, with Grafana's
#     variables given values), a broken one must fail;
#  3. rules and dashboard use only the metric names the gateway exports
#     (deploy/monitoring/metrics.txt), and the dashboard shows each.
#
# usage: monitoring_test.sh REPO_ROOT
set -euo pipefail
ROOT=$1
MON=$ROOT/deploy/monitoring
PY=/usr/bin/python3
source "$(dirname "$0")/../testing/process_helpers.sh"

command -v promtool >/dev/null || { echo "no promtool (Debian package prometheus): skipped"; exit 77; }

# The gateway's metrics (histograms also as _bucket, _sum, _count).
METRICS=$(sed -e 's/#.*//' -e '/^\s*$/d' "$MON/metrics.txt")
[ -n "$METRICS" ] || fail "no metric names in $MON/metrics.txt"

# --- 1. the rules.
promtool check rules "$MON/seedance.rules.yml" >"$WORK/check.out" 2>&1 ||
  fail "promtool check rules: $(cat "$WORK/check.out")"
(cd "$MON" && promtool test rules seedance.rules.test.yml) >"$WORK/test.out" 2>&1 ||
  fail "promtool test rules: $(cat "$WORK/test.out")"
mkdir "$WORK/mutant"
cp "$MON/seedance.rules.test.yml" "$WORK/mutant/"
sed 's/seedance:upstream_failure_ratio:rate5m > 0.1$/seedance:upstream_failure_ratio:rate5m > 0.5/' \
  "$MON/seedance.rules.yml" >"$WORK/mutant/seedance.rules.yml"
! cmp -s "$MON/seedance.rules.yml" "$WORK/mutant/seedance.rules.yml" || fail "the mutation changed nothing"
if (cd "$WORK/mutant" && promtool test rules seedance.rules.test.yml) >"$WORK/mutant.out" 2>&1; then
  fail "the unit tests passed a rule whose threshold is wrong"
fi

# --- 2. the dashboard's queries, as recording rules for promtool.
# dashboard_rules DASHBOARD OUT: one rule per query, Grafana variables set.
dashboard_rules() {
  "$PY" - "$1" "$2" <<'EOF'
import json, sys
dash = json.load(open(sys.argv[1]))
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
assert exprs, "no queries"
subst = {"$__rate_interval": "5m", "$__range": "6h", "$job": "seedance-gateway", "$instance": ".*"}
rules = []
for i, e in enumerate(exprs):
    for k, v in subst.items():
        e = e.replace(k, v)
    rules.append({"record": f"dashboard:query_{i}", "expr": e})
json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(sys.argv[2], "w"))
print(len(exprs))
EOF
}
N=$(dashboard_rules "$MON/grafana-dashboard.json" "$WORK/dashboard.rules.json") ||
  fail "grafana-dashboard.json does not parse"
promtool check rules "$WORK/dashboard.rules.json" >"$WORK/dashcheck.out" 2>&1 ||
  fail "a dashboard query is not PromQL: $(cat "$WORK/dashcheck.out")"
sed 's/sum by (model, resolution) (rate(/sum by (model, resolution) rate((/' \
  "$MON/grafana-dashboard.json" >"$WORK/broken-dashboard.json"
! cmp -s "$MON/grafana-dashboard.json" "$WORK/broken-dashboard.json" || fail "the mutation changed nothing"
dashboard_rules "$WORK/broken-dashboard.json" "$WORK/broken.rules.json" >/dev/null
if promtool check rules "$WORK/broken.rules.json" >/dev/null 2>&1; then
  fail "promtool accepted a broken dashboard query"
fi

# --- 3. metric names.
# names FILE: the seedance_ metric names FILE uses, histogram suffixes off.
names() {
  grep -oE 'seedance_[a-z_]+' "$1" | sed -E 's/_(bucket|sum|count)$//' | sort -u
}
for f in "$MON/seedance.rules.yml" "$MON/seedance.rules.test.yml" "$MON/grafana-dashboard.json"; do
  for name in $(names "$f"); do
    grep -qx "$name" <<<"$METRICS" || fail "$(basename "$f") uses $name, which the gateway does not export"
  done
done
for name in $METRICS; do
  grep -q "\"expr\": \".*$name" "$MON/grafana-dashboard.json" || fail "the dashboard does not show $name"
done
echo "PASS: rules checked and unit-tested (a wrong threshold caught), $N dashboard queries parse, metric names exported"
