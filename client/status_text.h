// Plain-words text shared by both output modes: errors with every
// google.rpc detail spelled out, prices in dollars, short status names.
#ifndef SEEDANCE_CLIENT_STATUS_TEXT_H_
#define SEEDANCE_CLIENT_STATUS_TEXT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "seedance/v1/video_service.pb.h"

namespace seedance::client {

// "INVALID_ARGUMENT: 2 fields are invalid" followed by one line per field
// violation ("  - duration: must be 4 to 15"), the ErrorInfo reason and
// the RetryInfo delay when present. Ends with a newline.
std::string DescribeStatus(const absl::Status& status);

// 3000000 -> "$3.00"; 1234 -> "$0.001234": cents always, micros when used.
std::string FormatUsd(int64_t micros);

// VIDEO_STATUS_RUNNING -> "RUNNING".
std::string StatusName(v1::VideoStatus status);

}  // namespace seedance::client

#endif  // SEEDANCE_CLIENT_STATUS_TEXT_H_
