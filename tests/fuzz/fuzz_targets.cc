#include "tests/fuzz/fuzz_targets.h"

namespace seedance::fuzz {

namespace {

constexpr FuzzTarget kTargets[] = {
    {"create_request", &CreateRequestTarget},
    {"upstream_reply", &UpstreamReplyTarget},
    {"sim_http", &SimHttpTarget},
    {"sim_text", &SimTextTarget},
};

}  // namespace

absl::Span<const FuzzTarget> AllFuzzTargets() { return kTargets; }

const FuzzTarget* FindFuzzTarget(absl::string_view name) {
  for (const FuzzTarget& target : kTargets) {
    if (name == target.name) return &target;
  }
  return nullptr;
}

}  // namespace seedance::fuzz
