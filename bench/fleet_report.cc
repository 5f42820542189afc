// Fleet report; see fleet_report.h.
#include "bench/fleet_report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace seedance::bench {
namespace {

constexpr double kMaxGetsPerTaskPerPeriod = 1.05;
constexpr double kMaxCrossExtraP99Ms = 100;

const char* Verdict(bool met) { return met ? "MET" : "MISSED"; }

// The same layout as the rest of the table (report.cc).
void Row(std::string& out, absl::string_view what, const std::string& value,
         const std::string& target = "") {
  absl::StrAppendFormat(&out, "  %-44s %-34s %s\n", what, value, target);
}

std::string Delay(const Summary& s) {
  return absl::StrFormat("p50 %.1f / p99 %.1f / max %.1f ms", s.p50, s.p99,
                         s.max);
}

void WriteDelay(rapidjson::Writer<rapidjson::StringBuffer>& json,
                const Summary& s) {
  json.StartObject();
  json.Key("count");
  json.Int64(s.count);
  json.Key("p50");
  json.Double(s.p50);
  json.Key("p99");
  json.Double(s.p99);
  json.Key("max");
  json.Double(s.max);
  json.EndObject();
}

}  // namespace

bool FleetGetsMet(const FleetResult& fleet) {
  return fleet.gets_per_task_per_period <= kMaxGetsPerTaskPerPeriod;
}
bool FleetDelayMet(const FleetResult& fleet) {
  return fleet.cross_replica_ms.p99 <=
         fleet.same_replica_ms.p99 + kMaxCrossExtraP99Ms;
}
bool FleetFailoverMet(const FleetResult& fleet) {
  return fleet.failover <= fleet.failover_target;
}

void FleetTable(std::string& out, const FleetResult& f) {
  if (!f.skipped.empty()) {
    absl::StrAppendFormat(&out, "\nfleet: skipped: %s\n", f.skipped);
    return;
  }
  absl::StrAppendFormat(
      &out,
      "\nfleet (%d replicas on one PostgreSQL, %d tasks, each watched on "
      "every replica: %d streams; period %s, --lease-ttl %s)\n",
      f.replicas, f.tasks, f.watchers, absl::FormatDuration(f.period),
      absl::FormatDuration(f.lease_ttl));
  Row(out, "upstream GETs per task per period",
      absl::StrFormat("%.2f (max %d in %.1f s on one task)",
                      f.gets_per_task_per_period, f.max_gets_one_task,
                      absl::ToDoubleSeconds(f.window)),
      absl::StrFormat("<= %.2f: %s", kMaxGetsPerTaskPerPeriod,
                      Verdict(FleetGetsMet(f))));
  Row(out, "delay, watcher on the lease holder", Delay(f.same_replica_ms));
  Row(out, "delay, watcher on another replica", Delay(f.cross_replica_ms),
      absl::StrFormat("p99 <= holder's + %.0f ms: %s", kMaxCrossExtraP99Ms,
                      Verdict(FleetDelayMet(f))));
  if (f.lost_finals > 0) {
    Row(out, "watchers that lost the final state", absl::StrCat(f.lost_finals));
  }
  Row(out,
      absl::StrFormat("failover after kill -9 (%d tasks)", f.failover_tasks),
      absl::StrFormat("%.2f s", absl::ToDoubleSeconds(f.failover)),
      absl::StrFormat("<= %.2f s: %s", absl::ToDoubleSeconds(f.failover_target),
                      Verdict(FleetFailoverMet(f))));
  Row(out, "PostgreSQL transactions per task per period",
      absl::StrFormat("%.3f (held, watched)", f.pg_xacts_per_task_per_period));
  Row(out, "PostgreSQL transactions per task, 2 changes",
      absl::StrFormat("%.2f (running, then succeeded)",
                      f.pg_xacts_per_task_transitions));
}

void FleetJson(rapidjson::Writer<rapidjson::StringBuffer>& json,
               const FleetResult& f) {
  json.StartObject();
  if (!f.skipped.empty()) {
    json.Key("skipped");
    json.String(f.skipped.c_str());
    json.EndObject();
    return;
  }
  json.Key("replicas");
  json.Int(f.replicas);
  json.Key("tasks");
  json.Int(f.tasks);
  json.Key("watchers");
  json.Int(f.watchers);
  json.Key("period_ms");
  json.Double(absl::ToDoubleMilliseconds(f.period));
  json.Key("lease_ttl_ms");
  json.Double(absl::ToDoubleMilliseconds(f.lease_ttl));
  json.Key("window_ms");
  json.Double(absl::ToDoubleMilliseconds(f.window));
  json.Key("gets_per_task_per_period");
  json.Double(f.gets_per_task_per_period);
  json.Key("max_gets_one_task");
  json.Int64(f.max_gets_one_task);
  json.Key("same_replica_delay_ms");
  WriteDelay(json, f.same_replica_ms);
  json.Key("cross_replica_delay_ms");
  WriteDelay(json, f.cross_replica_ms);
  json.Key("lost_finals");
  json.Int64(f.lost_finals);
  json.Key("failover_tasks");
  json.Int(f.failover_tasks);
  json.Key("failover_ms");
  json.Double(absl::ToDoubleMilliseconds(f.failover));
  json.Key("failover_target_ms");
  json.Double(absl::ToDoubleMilliseconds(f.failover_target));
  json.Key("pg_xacts_per_task_per_period");
  json.Double(f.pg_xacts_per_task_per_period);
  json.Key("pg_xacts_per_task_transitions");
  json.Double(f.pg_xacts_per_task_transitions);
  json.Key("gets_target_met");
  json.Bool(FleetGetsMet(f));
  json.Key("delay_target_met");
  json.Bool(FleetDelayMet(f));
  json.Key("failover_target_met");
  json.Bool(FleetFailoverMet(f));
  json.EndObject();
}

}  // namespace seedance::bench
