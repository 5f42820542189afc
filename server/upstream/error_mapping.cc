// HTTP/transport failure -> absl::Status mapping, and the retry facts.
#include "server/upstream/error_mapping.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/duration.pb.h"
#include "google/rpc/error_details.pb.h"
#include "server/common/status_details.h"
#include "server/upstream/task_json.h"

namespace seedance::upstream {
namespace {

constexpr absl::string_view kHttpReasonPrefix = "UPSTREAM_HTTP_";

// Codes google/rpc/code.proto names explicitly.
absl::optional<absl::StatusCode> DocumentedCode(int http_status) {
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAborted;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 499:
      return absl::StatusCode::kCancelled;
    case 500:
      return absl::StatusCode::kInternal;
    case 501:
      return absl::StatusCode::kUnimplemented;
    case 503:
      return absl::StatusCode::kUnavailable;
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    default:
      return absl::nullopt;
  }
}

// Our choices where code.proto is silent (see docs/UPSTREAM.md).
absl::StatusCode UndocumentedCode(int http_status) {
  switch (http_status) {
    case 408:
      return absl::StatusCode::kDeadlineExceeded;  // request timeout
    case 412:
      return absl::StatusCode::kFailedPrecondition;
    case 413:
      return absl::StatusCode::kInvalidArgument;  // body too large
    case 416:
      return absl::StatusCode::kOutOfRange;
    case 422:
      return absl::StatusCode::kInvalidArgument;  // bad parameters
    case 502:
      return absl::StatusCode::kUnavailable;  // bad gateway
    default:
      break;
  }
  if (http_status >= 400 && http_status < 500) {
    return absl::StatusCode::kFailedPrecondition;  // won't pass as is
  }
  if (http_status >= 500 && http_status < 600) {
    return absl::StatusCode::kUnavailable;  // mostly proxies and CDNs
  }
  return absl::StatusCode::kUnknown;  // 1xx, 3xx, nonsense
}

absl::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& s) {
  auto info = GetDetail<google::rpc::ErrorInfo>(s);
  if (!info || info->domain() != kErrorDomain) return absl::nullopt;
  return *info;
}

// Attaches RetryInfo when `response` has a parseable Retry-After.
void AddRetryInfo(const HttpResponse* response, absl::Time now,
                  absl::Status& status) {
  if (response == nullptr) return;
  auto header = response->Header("retry-after");
  if (!header) return;
  auto when = ParseRetryAfter(*header, now);
  if (!when) return;
  absl::Duration delay = std::min(*when - now, kMaxRetryAfter);
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(
      absl::IDivDuration(delay, absl::Seconds(1), &delay));
  info.mutable_retry_delay()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(delay)));
  AddDetail(status, info);
}

google::rpc::ErrorInfo NewErrorInfo(absl::string_view reason) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  return info;
}

}  // namespace

absl::Status UpstreamError(
    absl::StatusCode code, absl::string_view reason, absl::string_view message,
    std::initializer_list<std::pair<absl::string_view, absl::string_view>>
        metadata) {
  google::rpc::ErrorInfo info = NewErrorInfo(reason);
  for (const auto& [key, value] : metadata) {
    (*info.mutable_metadata())[std::string(key)] = std::string(value);
  }
  absl::Status status(code, message);
  AddDetail(status, info);
  return status;
}

absl::StatusCode HttpStatusToCode(int http_status) {
  if (http_status >= 200 && http_status < 300) return absl::StatusCode::kOk;
  auto documented = DocumentedCode(http_status);
  return documented ? *documented : UndocumentedCode(http_status);
}

absl::Status MapHttpError(int http_status, absl::string_view body,
                          const HttpResponse* response_for_headers,
                          absl::Time now, absl::string_view api_key) {
  absl::StatusCode code = HttpStatusToCode(http_status);
  if (code == absl::StatusCode::kOk) return absl::OkStatus();
  // Every string in `error` is redacted already.
  UpstreamErrorBody error = ParseUpstreamError(body, api_key);
  std::string message = absl::StrCat("upstream returned HTTP ", http_status);
  if (!error.message.empty()) absl::StrAppend(&message, ": ", error.message);
  std::string http = absl::StrCat(http_status);
  google::rpc::ErrorInfo info =
      NewErrorInfo(absl::StrCat(kHttpReasonPrefix, http));
  auto& metadata = *info.mutable_metadata();
  metadata["http_status"] = http;
  if (!error.code.empty()) metadata["upstream_code"] = error.code;
  if (!error.type.empty()) metadata["upstream_type"] = error.type;
  absl::Status status(code, message);
  AddDetail(status, info);
  AddRetryInfo(response_for_headers, now, status);
  return status;
}

std::string ErrorReason(const absl::Status& status) {
  auto info = GetErrorInfo(status);
  return info ? info->reason() : std::string();
}

bool IsTransient(const absl::Status& status) {
  std::string reason = ErrorReason(status);
  if (reason == kReasonConnectFailed || reason == kReasonTimeout ||
      reason == kReasonTransportError) {
    return true;
  }
  if (!absl::StartsWith(reason, kHttpReasonPrefix)) return false;
  int http = 0;
  if (!absl::SimpleAtoi(
          absl::string_view(reason).substr(kHttpReasonPrefix.size()), &http)) {
    return false;
  }
  return http == 408 || http == 429 ||
         (http >= 500 && http < 600 && http != 501);
}

bool NeverReachedUpstream(const absl::Status& status) {
  std::string reason = ErrorReason(status);
  return reason == kReasonConnectFailed || reason == kReasonTlsFailed;
}

bool MayHaveCreated(const absl::Status& status) {
  if (status.ok() || NeverReachedUpstream(status)) return false;
  const std::string reason = ErrorReason(status);
  // Refused before anything was sent (validation, no key).
  if (reason.empty() || reason == kReasonNoApiKey) return false;
  int http_status = 0;
  if (absl::StartsWith(reason, "UPSTREAM_HTTP_") &&
      absl::SimpleAtoi(absl::string_view(reason).substr(14), &http_status)) {
    // A proxy's gateway errors say nothing of what the origin did with the
    // request; any other answer is the upstream's own "not created".
    return http_status == 502 || http_status == 504 ||
           (http_status >= 520 && http_status <= 524);
  }
  // No answer (timeout, reset, truncated or garbled reply, shutdown).
  return true;
}

absl::optional<absl::Duration> RetryAfter(const absl::Status& status) {
  auto info = GetDetail<google::rpc::RetryInfo>(status);
  if (!info) return absl::nullopt;
  return absl::Seconds(info->retry_delay().seconds()) +
         absl::Nanoseconds(info->retry_delay().nanos());
}

absl::optional<absl::Time> ParseRetryAfter(absl::string_view value,
                                           absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (value.empty()) return absl::nullopt;
  if (absl::ascii_isdigit(static_cast<unsigned char>(value[0]))) {
    for (char c : value) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        return absl::nullopt;
      }
    }
    // Anything longer than 9 digits is far past any cap; avoid overflow.
    if (value.size() > 9) return now + absl::Hours(24 * 365);
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(value, &seconds)) return absl::nullopt;
    return now + absl::Seconds(seconds);
  }
  // IMF-fixdate, obsolete RFC 850, and asctime forms.
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
        "%a %b %e %H:%M:%S %Y"}) {
    absl::Time when;
    std::string error;
    if (absl::ParseTime(format, value, absl::UTCTimeZone(), &when, &error)) {
      return std::max(when, now);
    }
  }
  return absl::nullopt;
}

absl::Status RedactStatus(const absl::Status& status,
                          absl::string_view secret) {
  if (status.ok()) return status;
  auto info = GetDetail<google::rpc::ErrorInfo>(status);
  bool info_dirty = false;
  if (info) {
    if (ContainsSecret(info->reason(), secret)) {
      info->set_reason(RedactSecrets(info->reason(), secret));
      info_dirty = true;
    }
    for (auto& [key, value] : *info->mutable_metadata()) {
      if (ContainsSecret(value, secret)) {
        value = RedactSecrets(value, secret);
        info_dirty = true;
      }
    }
  }
  bool message_dirty = ContainsSecret(status.message(), secret);
  if (!message_dirty && !info_dirty) return status;
  absl::Status out(status.code(), message_dirty
                                      ? RedactSecrets(status.message(), secret)
                                      : std::string(status.message()));
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) {
        out.SetPayload(url, payload);
      });
  if (info_dirty) AddDetail(out, *info);
  return out;
}

}  // namespace seedance::upstream
