#include "server/gateway/http_mapping.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "server/common/status_details.h"

namespace seedance::gateway {
namespace {

using google::protobuf::util::TimeUtil;

absl::Status BadField(absl::string_view field, absl::string_view message,
                      absl::string_view description) {
  absl::Status status = absl::InvalidArgumentError(message);
  google::rpc::BadRequest bad;
  auto* v = bad.add_field_violations();
  v->set_field(std::string(field));
  v->set_description(std::string(description));
  AddDetail(status, bad);
  return status;
}

// The field protobuf's JSON parser names in an unknown-field error
// ("validate_onyl: Cannot find field." in 3.21; "Cannot find field:
// validate_onyl in message ..." elsewhere), or "".
std::string UnknownFieldIn(absl::string_view error) {
  constexpr absl::string_view kSuffix = ": Cannot find field.";
  constexpr absl::string_view kPrefix = "Cannot find field: ";
  if (size_t at = error.find(kSuffix); at != absl::string_view::npos) {
    absl::string_view name = error.substr(0, at);
    size_t space = name.find_last_of(" \n");
    if (space != absl::string_view::npos) name = name.substr(space + 1);
    return std::string(name);
  }
  if (size_t at = error.find(kPrefix); at != absl::string_view::npos) {
    absl::string_view rest = error.substr(at + kPrefix.size());
    return std::string(rest.substr(0, rest.find(' ')));
  }
  return "";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

absl::StatusOr<std::string> PercentDecode(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%') {
      int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
      int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return absl::InvalidArgumentError(
            "the query string has a '%' not followed by two hex digits");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

absl::StatusOr<int64_t> NonNegativeInt(absl::string_view name,
                                       absl::string_view value) {
  int64_t n = 0;
  if (!absl::SimpleAtoi(value, &n) || n < 0) {
    return BadField(name,
                    absl::StrCat("query parameter ", name,
                                 " must be a non-negative integer"),
                    "must be a non-negative integer");
  }
  return n;
}

}  // namespace

HttpRoute RouteFor(absl::string_view path) {
  HttpRoute route;
  if (path == "/" || path == "/index.html") {
    route.kind = HttpRoute::kPage;
    route.allow = "GET, HEAD";
    return route;
  }
  if (path == "/v1/usage") {
    route.kind = HttpRoute::kUsage;
    route.allow = "GET, OPTIONS";
    return route;
  }
  if (path == "/v1/videos") {
    route.kind = HttpRoute::kCollection;
    route.allow = "GET, POST, OPTIONS";
    return route;
  }
  absl::string_view rest = path;
  if (!absl::ConsumePrefix(&rest, "/v1/videos/") || rest.empty() ||
      absl::StrContains(rest, '/')) {
    return route;
  }
  route.kind = absl::ConsumeSuffix(&rest, ":watch") ? HttpRoute::kWatch
                                                    : HttpRoute::kVideo;
  route.allow = "GET, OPTIONS";
  route.id = std::string(rest);
  return route;
}

absl::Status ParseJsonBody(absl::string_view body,
                           google::protobuf::Message& message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const std::string type = message.GetDescriptor()->full_name();
  if (absl::StripAsciiWhitespace(body).empty()) {
    return BadField("body",
                    absl::StrCat("the request body must be a JSON ", type,
                                 " object, and it is empty"),
                    "empty");
  }
  auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), &message,
      options);
  if (parsed.ok()) return absl::OkStatus();
  const std::string problem(parsed.message().data(), parsed.message().size());
  std::string field = UnknownFieldIn(problem);
  if (!field.empty()) {
    return BadField(
        field,
        absl::StrCat("unknown field '", field, "' in the JSON ", type,
                     " (check its spelling: the proto's JSON names, "
                     "lowerCamelCase, or its field names are accepted)"),
        "no such field");
  }
  return BadField("body",
                  absl::StrCat("the request body is not a valid JSON ", type,
                               ": ", problem),
                  problem);
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options)
           .ok()) {
    return "{}";
  }
  return out;
}

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:  // UNKNOWN, INTERNAL, DATA_LOSS
      return 500;
  }
}

HttpError HttpErrorFor(const absl::Status& status) {
  HttpError error;
  error.status = HttpStatusFor(status.code());
  google::rpc::Status proto;
  proto.set_code(static_cast<int>(status.code()));
  proto.set_message(std::string(status.message()));
  status.ForEachPayload(
      [&proto](absl::string_view type_url, const absl::Cord& payload) {
        google::protobuf::Any* any = proto.add_details();
        any->set_type_url(std::string(type_url));
        any->set_value(std::string(payload));
      });
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(proto, &json).ok()) {
    // A detail whose type this binary does not know: the code and message
    // still go out.
    proto.clear_details();
    json = ToJson(proto);
  }
  error.body = std::move(json);
  if (auto retry = GetDetail<google::rpc::RetryInfo>(status)) {
    const auto& delay = retry->retry_delay();
    error.retry_after_seconds =
        std::max<int64_t>(1, delay.seconds() + (delay.nanos() > 0 ? 1 : 0));
  } else if (error.status == 429 || error.status == 503) {
    error.retry_after_seconds = 1;
  }
  return error;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseQuery(
    absl::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    absl::StatusOr<std::string> name = PercentDecode(kv.first);
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> value = PercentDecode(kv.second);
    if (!value.ok()) return value.status();
    for (const auto& [seen, unused] : out) {
      if (seen == *name) {
        return BadField(
            *name,
            absl::StrCat("query parameter ", *name, " is given more than once"),
            "given more than once");
      }
    }
    out.emplace_back(*std::move(name), *std::move(value));
  }
  return out;
}

absl::StatusOr<v1::ListVideosRequest> ListRequestFromQuery(
    absl::string_view query) {
  auto params = ParseQuery(query);
  if (!params.ok()) return params.status();
  v1::ListVideosRequest request;
  for (const auto& [name, value] : *params) {
    if (name == "page_size" || name == "pageSize") {
      absl::StatusOr<int64_t> n = NonNegativeInt("page_size", value);
      if (!n.ok()) return n.status();
      request.set_page_size(static_cast<int32_t>(std::min<int64_t>(*n, 1000)));
    } else if (name == "page_token" || name == "pageToken") {
      request.set_page_token(value);
    } else if (name == "filter") {
      request.set_filter(value);
    } else {
      return BadField(name,
                      absl::StrCat("unknown query parameter '", name,
                                   "' (GET /v1/videos takes page_size, "
                                   "page_token and filter)"),
                      "no such parameter");
    }
  }
  return request;
}

absl::StatusOr<v1::GetUsageRequest> UsageRequestFromQuery(
    absl::string_view query) {
  auto params = ParseQuery(query);
  if (!params.ok()) return params.status();
  v1::GetUsageRequest request;
  for (const auto& [name, value] : *params) {
    if (name != "day") {
      return BadField(name,
                      absl::StrCat("unknown query parameter '", name,
                                   "' (GET /v1/usage takes day)"),
                      "no such parameter");
    }
    request.set_day(value);
  }
  return request;
}

absl::StatusOr<v1::WatchVideoRequest> WatchRequestFrom(
    absl::string_view id, absl::string_view query,
    absl::string_view last_event_id) {
  auto params = ParseQuery(query);
  if (!params.ok()) return params.status();
  v1::WatchVideoRequest request;
  request.set_id(std::string(id));
  for (const auto& [name, value] : *params) {
    if (name == "after_sequence" || name == "afterSequence") {
      absl::StatusOr<int64_t> n = NonNegativeInt("after_sequence", value);
      if (!n.ok()) return n.status();
      request.set_after_sequence(*n);
    } else if (name == "heartbeat") {
      absl::Duration d;
      if (!absl::ParseDuration(value, &d) || d < absl::ZeroDuration() ||
          d > absl::Hours(1)) {
        return BadField("heartbeat",
                        "query parameter heartbeat must be a duration from "
                        "1s to 1h such as 15s (0: comment lines only)",
                        "must be 0 or from 1s to 1h");
      }
      *request.mutable_heartbeat_interval() =
          TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(d));
    } else {
      return BadField(name,
                      absl::StrCat("unknown query parameter '", name,
                                   "' (a watch takes after_sequence and "
                                   "heartbeat)"),
                      "no such parameter");
    }
  }
  if (!last_event_id.empty()) {
    absl::StatusOr<int64_t> n = NonNegativeInt(
        "Last-Event-ID", absl::StripAsciiWhitespace(last_event_id));
    if (!n.ok()) return n.status();
    request.set_after_sequence(std::max(request.after_sequence(), *n));
  }
  return request;
}

}  // namespace seedance::gateway
