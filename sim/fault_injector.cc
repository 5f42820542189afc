// Fault rule matching and firing (see fault_injector.h).
#include "sim/fault_injector.h"

#include <string>
#include <utility>

#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace tokenhub_sim {
namespace {

bool Matches(const FaultRule& rule, FaultMethod method, FaultPath path) {
  if (rule.method != FaultMethod::kAny && rule.method != method) return false;
  return rule.path == FaultPath::kAll || rule.path == path;
}

}  // namespace

void FaultInjector::Add(FaultRule rule) {
  absl::MutexLock lock(&mu_);
  rules_.push_back({std::move(rule)});
}

void FaultInjector::Clear() {
  absl::MutexLock lock(&mu_);
  rules_.clear();
}

std::optional<FaultRule> FaultInjector::Evaluate(FaultMethod method,
                                                 FaultPath path) {
  absl::MutexLock lock(&mu_);
  ActiveRule* winner = nullptr;
  for (ActiveRule& active : rules_) {
    const FaultRule& rule = active.rule;
    if (!Matches(rule, method, path)) continue;
    int64_t n = ++active.matched;
    bool fires = true;
    if (rule.rate > 0) {
      // 53 random bits -> [0, 1): the same on every platform, unlike
      // std::uniform_real_distribution.
      double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
      fires = u < rule.rate;
    } else if (!rule.sequence.empty()) {
      fires = false;
      for (const auto& [from, to] : rule.sequence) {
        fires = fires || (n >= from && n <= to);
      }
    }
    if (rule.max_fires >= 0 && active.fired >= rule.max_fires) fires = false;
    if (fires && winner == nullptr) winner = &active;
  }
  if (winner == nullptr) return std::nullopt;
  ++winner->fired;
  return winner->rule;
}

std::string FaultInjector::ListJson() const {
  absl::MutexLock lock(&mu_);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartArray();
  for (const ActiveRule& active : rules_) {
    w.StartObject();
    w.Key("spec");
    w.String(active.rule.spec.c_str());
    w.Key("matched");
    w.Int64(active.matched);
    w.Key("fired");
    w.Int64(active.fired);
    w.EndObject();
  }
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace tokenhub_sim
