// sim_text: one text through the simulator's pure parsers: fault specs
// (`--fault`, POST /_sim/faults), create bodies (its 400 rules) and Range
// headers. A parsed rule's `spec` must parse again to the same rule kind.
#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/byte_range.h"
#include "sim/fault_rule.h"
#include "sim/request_validator.h"
#include "tests/fuzz/fuzz_targets.h"

namespace seedance::fuzz {

void SimTextTarget(absl::string_view input) {
  absl::StatusOr<std::vector<tokenhub_sim::FaultRule>> rules =
      tokenhub_sim::ParseFaultRules(input);
  if (rules.ok()) {
    for (const tokenhub_sim::FaultRule& rule : *rules) {
      FUZZ_CHECK(!tokenhub_sim::FaultStatsKind(rule).empty(), "stats kind");
      absl::StatusOr<tokenhub_sim::FaultRule> again =
          tokenhub_sim::ParseFaultRule(rule.spec);
      FUZZ_CHECK(again.ok(), rule.spec.c_str());
      FUZZ_CHECK(again->kind == rule.kind, rule.spec.c_str());
    }
  } else {
    FUZZ_CHECK(!rules.status().message().empty(), "a refusal must say why");
  }

  absl::StatusOr<tokenhub_sim::CreateRequest> create =
      tokenhub_sim::ValidateCreateRequest(input);
  if (create.ok()) {
    FUZZ_CHECK(create->duration_seconds >= 4 && create->duration_seconds <= 15,
               "duration outside the documented range");
  }

  for (size_t size : {size_t{0}, size_t{1}, size_t{1000}}) {
    tokenhub_sim::ByteRange range = tokenhub_sim::ParseByteRange(input, size);
    if (range.kind == tokenhub_sim::ByteRange::Kind::kPartial) {
      FUZZ_CHECK(range.first <= range.last && range.last < size,
                 "partial range outside the file");
    }
  }
}

}  // namespace seedance::fuzz
