// FaultRule: one scripted misbehaviour of the simulator (what goes wrong,
// on which requests, and when), and the text syntax used by `--fault` and
// `POST /_sim/faults`. docs/SIMULATOR.md documents the syntax.
#ifndef SEEDANCE_SIM_FAULT_RULE_H_
#define SEEDANCE_SIM_FAULT_RULE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tokenhub_sim {

enum class FaultKind {
  kStatus,            // an error status (4xx/5xx) with an error body
  kRateLimit,         // 429 with an optional Retry-After header
  kLatency,           // delay, then answer normally
  kStall,             // never answer (until the client leaves or a cap)
  kReset,             // RST the connection; the request is not processed
  kResetAfterCreate,  // process the request (a POST creates), then RST
  kTruncate,          // full Content-Length, half the body, then close
  kMalformed,         // 200 with a body that is not JSON
  kUnknownStatus,     // 200 with `status` replaced by an unknown string
  kMissingFields,     // 200 without some fields (default: `status`)
  kExtraFields,       // 200 with unknown extra fields
  kHuge,              // 200 with a very large (valid JSON) body
  kEchoKey,           // the caller's key echoed into the reply (text: where)
};

// Which requests a rule looks at.
enum class FaultMethod { kAny, kGet, kPost };
enum class FaultPath {
  kApi,    // /api/v1/videos/generations[/{id}] (the default)
  kMedia,  // /media/...
  kAll,    // both (control endpoints under /_sim/ are never faulted)
};

struct FaultRule {
  FaultKind kind = FaultKind::kStatus;
  FaultMethod method = FaultMethod::kAny;
  FaultPath path = FaultPath::kApi;

  // kStatus / kRateLimit: the HTTP status sent.
  int status = 500;
  // kRateLimit: Retry-After in seconds (-1: no header); as an HTTP-date
  // (now + that many seconds) when retry_after_date is set.
  int retry_after_seconds = -1;
  bool retry_after_date = false;
  // kLatency: the added delay. kStall: how long to hold the connection at
  // most (zero: the server's stall cap).
  absl::Duration duration = absl::ZeroDuration();
  // kUnknownStatus: the status string. kMissingFields: the fields removed.
  // kEchoKey: where the key goes ("error", "task", "status" or "id").
  std::string text;
  std::vector<std::string> fields;
  // kHuge: the body size.
  int64_t huge_bytes = 8 << 20;

  // When it fires, counting the requests it matches from 1. Exactly one of:
  // rate > 0 (each match fires with that probability, seeded RNG),
  // non-empty sequence (fires on those inclusive [from, to] match numbers),
  // or neither (fires on every match).
  double rate = 0;
  std::vector<std::pair<int64_t, int64_t>> sequence;
  // At most this many firings in all (-1: unlimited).
  int64_t max_fires = -1;

  // The spec this rule was parsed from (or rendered), for listings.
  std::string spec;
};

// Parses one rule, e.g. "503,method=GET,rate=0.1" or
// "429,retry_after_date=2,seq=2-3". See docs/SIMULATOR.md.
absl::StatusOr<FaultRule> ParseFaultRule(absl::string_view spec);

// Parses a list: rules separated by newlines or ';', or a JSON array whose
// items are spec strings or objects ({"kind":"503","method":"GET",...}).
absl::StatusOr<std::vector<FaultRule>> ParseFaultRules(absl::string_view text);

// The stats key of a fired fault: "fault_503", "fault_reset", ...
std::string FaultStatsKind(const FaultRule& rule);

}  // namespace tokenhub_sim

#endif  // SEEDANCE_SIM_FAULT_RULE_H_
