#include "server/gateway/caller_key.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace seedance::gateway {
namespace {

bool LooksLikeKey(absl::string_view key) {
  if (!absl::StartsWith(key, "th-") || key.size() < 4 || key.size() > 512) {
    return false;
  }
  for (char c : key) {
    if (!absl::ascii_isgraph(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> ResolveApiKey(const ClientMetadata& metadata,
                                          const std::string& configured_key,
                                          bool allow_caller_keys) {
  auto it = metadata.find("authorization");
  absl::optional<std::string> authorization;
  if (it != metadata.end()) {
    authorization.emplace(it->second.data(), it->second.size());
  }
  return ResolveApiKey(authorization, configured_key, allow_caller_keys);
}

absl::StatusOr<std::string> ResolveApiKey(
    const absl::optional<std::string>& authorization,
    const std::string& configured_key, bool allow_caller_keys) {
  if (!authorization.has_value()) {
    if (configured_key.empty()) {
      return absl::UnauthenticatedError(
          "no TokenHub API key: the gateway has none configured "
          "(TOKENHUB_API_KEY) and the call sent no 'authorization' metadata");
    }
    return configured_key;
  }
  if (!allow_caller_keys) {
    return absl::PermissionDeniedError(
        "this gateway does not accept caller API keys in 'authorization' "
        "metadata (see --allow-caller-keys); send the call without it");
  }
  absl::string_view key = *authorization;
  if (!absl::ConsumePrefix(&key, "Bearer ") &&
      !absl::ConsumePrefix(&key, "bearer ")) {
    return absl::UnauthenticatedError(
        "'authorization' metadata must be 'Bearer th-...'");
  }
  key = absl::StripAsciiWhitespace(key);
  if (!LooksLikeKey(key)) {
    return absl::UnauthenticatedError(
        "'authorization' metadata must carry a TokenHub key starting with "
        "'th-'");
  }
  return std::string(key);
}

}  // namespace seedance::gateway
