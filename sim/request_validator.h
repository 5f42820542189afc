// Validation of a create request body, mirroring what TokenHub rejects with
// 400 (see shared/TOKENHUB_API.md and docs/SIMULATOR.md).
#ifndef SEEDANCE_SIM_REQUEST_VALIDATOR_H_
#define SEEDANCE_SIM_REQUEST_VALIDATOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tokenhub_sim {

inline constexpr absl::string_view kModels[] = {"doubao-seedance-2.0",
                                                "doubao-seedance-2.0-fast"};

// The fields of a valid create request the simulator acts on.
struct CreateRequest {
  std::string model;
  std::string prompt;
  double duration_seconds = 5;
  std::string resolution = "720p";
};

// InvalidArgument with a message naming the offending field, e.g.
// "duration must be between 4 and 15".
absl::StatusOr<CreateRequest> ValidateCreateRequest(absl::string_view body);

}  // namespace tokenhub_sim

#endif  // SEEDANCE_SIM_REQUEST_VALIDATOR_H_
