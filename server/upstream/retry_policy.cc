#include "server/upstream/retry_policy.h"

#include <string>

#include "server/upstream/error_mapping.h"

namespace seedance::upstream {

bool RetryableRead(const absl::Status& status) {
  const std::string reason = ErrorReason(status);
  return IsTransient(status) || reason == kReasonBadReply ||
         reason == kReasonResponseTooLarge;
}

bool RetryableCreate(const absl::Status& status) {
  return NeverReachedUpstream(status) && IsTransient(status);
}

}  // namespace seedance::upstream
