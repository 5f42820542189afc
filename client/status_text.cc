// DescribeStatus, FormatUsd and StatusName.
#include "client/status_text.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "google/rpc/error_details.pb.h"
#include "server/common/status_details.h"

namespace seedance::client {

std::string DescribeStatus(const absl::Status& status) {
  std::string out = absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                                 status.message(), "\n");
  if (auto bad = GetDetail<google::rpc::BadRequest>(status)) {
    for (const auto& violation : bad->field_violations()) {
      absl::StrAppend(&out, "  - ", violation.field(), ": ",
                      violation.description(), "\n");
    }
  }
  if (auto info = GetDetail<google::rpc::ErrorInfo>(status)) {
    absl::StrAppend(&out, "  reason: ", info->reason(), " (", info->domain(),
                    ")\n");
  }
  if (auto retry = GetDetail<google::rpc::RetryInfo>(status)) {
    absl::StrAppend(&out, "  retry after: ", retry->retry_delay().seconds(),
                    "s\n");
  }
  return out;
}

std::string FormatUsd(int64_t micros) {
  std::string digits = absl::StrFormat("%06d", micros % 1000000);
  // Keep cents, drop trailing zeros beyond them.
  while (digits.size() > 2 && digits.back() == '0') digits.pop_back();
  return absl::StrCat("$", micros / 1000000, ".", digits);
}

std::string StatusName(v1::VideoStatus status) {
  return std::string(
      absl::StripPrefix(v1::VideoStatus_Name(status), "VIDEO_STATUS_"));
}

}  // namespace seedance::client
