// HttpResponse helpers (the transports themselves live in their own files).
#include "server/upstream/http_transport.h"

#include "absl/strings/match.h"

namespace seedance::upstream {

absl::optional<std::string> HttpResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return absl::nullopt;
}

}  // namespace seedance::upstream
