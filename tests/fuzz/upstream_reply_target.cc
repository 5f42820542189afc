// upstream_reply: what a hostile or broken upstream can send back, through
// the reply parsers and the error mapping. The input is
// "<http status>\n<Retry-After value>\n<body>"; an input not of that shape
// is used whole as the body (status 500) and as the header value.
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "server/common/status_details.h"
#include "server/upstream/error_mapping.h"
#include "server/upstream/http_transport.h"
#include "server/upstream/request_validator.h"
#include "server/upstream/task_json.h"
#include "tests/fuzz/fuzz_targets.h"

namespace seedance::fuzz {

void UpstreamReplyTarget(absl::string_view input) {
  int http_status = 500;
  absl::string_view retry_after = input;
  absl::string_view body = input;
  std::pair<absl::string_view, absl::string_view> first =
      absl::StrSplit(input, absl::MaxSplits('\n', 1));
  std::pair<absl::string_view, absl::string_view> rest =
      absl::StrSplit(first.second, absl::MaxSplits('\n', 1));
  int parsed = 0;
  if (absl::SimpleAtoi(first.first, &parsed) && parsed >= 0 && parsed <= 999) {
    http_status = parsed;
    retry_after = rest.first;
    body = rest.second;
  }
  // A fixed instant: HTTP-date values resolve the same way every run.
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);

  absl::StatusOr<seedance::v1::Video> video = upstream::ParseTaskJson(body);
  if (video.ok()) {
    FUZZ_CHECK(upstream::ValidateTaskId(video->id()).ok(), "task id");
  } else {
    FUZZ_CHECK(
        upstream::ErrorReason(video.status()) == upstream::kReasonBadReply,
        video.status().ToString().c_str());
  }

  upstream::UpstreamErrorBody error = upstream::ParseUpstreamError(body);
  FUZZ_CHECK(error.message.size() <= upstream::kMaxUpstreamMessageBytes + 3,
             "error message not truncated");

  absl::optional<absl::Time> at = upstream::ParseRetryAfter(retry_after, now);
  FUZZ_CHECK(!at || *at >= now, "Retry-After in the past");

  upstream::HttpResponse response;
  response.status_code = http_status;
  response.headers.emplace_back("retry-after", std::string(retry_after));
  response.body = std::string(body);
  absl::Status mapped =
      upstream::MapHttpError(http_status, body, &response, now);
  if (http_status >= 200 && http_status < 300) {
    FUZZ_CHECK(mapped.ok(), "2xx is not an error");
  } else {
    FUZZ_CHECK(!mapped.ok(), "non-2xx must be an error");
    FUZZ_CHECK(
        absl::StartsWith(upstream::ErrorReason(mapped), "UPSTREAM_HTTP_"),
        mapped.ToString().c_str());
    absl::optional<absl::Duration> delay = upstream::RetryAfter(mapped);
    FUZZ_CHECK(!delay || (*delay >= absl::ZeroDuration() &&
                          *delay <= upstream::kMaxRetryAfter),
               "RetryInfo outside [0, kMaxRetryAfter]");
    (void)upstream::IsTransient(mapped);
    (void)upstream::NeverReachedUpstream(mapped);
  }

  std::string redacted = upstream::RedactSecrets(input);
  FUZZ_CHECK(upstream::RedactSecrets(redacted) == redacted,
             "redaction is not stable");
  // What the gateway hands to gRPC.
  absl::Status redacted_status = upstream::RedactStatus(mapped, retry_after);
  FUZZ_CHECK(ToGrpcStatus(redacted_status).ok() == mapped.ok(),
             "the code survives redaction and conversion");
}

}  // namespace seedance::fuzz
