// The fleet scenario's part of seedance-bench's report: its table section
// (with the issue 13 targets' verdicts) and its JSON object.
#ifndef SEEDANCE_BENCH_FLEET_REPORT_H_
#define SEEDANCE_BENCH_FLEET_REPORT_H_

#include <string>

#include "bench/fleet_scenario.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace seedance::bench {

// Targets: one poller's worth of GETs per task (<= 1.05 per period), the
// cross-replica p99 at most 100 ms above the same-replica one, failover
// within the lease TTL plus one polling period.
bool FleetGetsMet(const FleetResult& fleet);
bool FleetDelayMet(const FleetResult& fleet);
bool FleetFailoverMet(const FleetResult& fleet);

void FleetTable(std::string& out, const FleetResult& fleet);
void FleetJson(rapidjson::Writer<rapidjson::StringBuffer>& json,
               const FleetResult& fleet);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_FLEET_REPORT_H_
