#include "server/gateway/gateway_config.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/gateway/tls_credentials.h"

namespace seedance::gateway {
namespace {

// Reads the key file named by the config, if any, unless a key was given.
absl::Status LoadKeyFile(GatewayConfig& config) {
  if (config.api_key_file.empty() || !config.api_key.empty()) {
    return absl::OkStatus();
  }
  std::ifstream in(config.api_key_file);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--api-key-file: cannot read ", config.api_key_file));
  }
  std::stringstream text;
  text << in.rdbuf();
  config.api_key = std::string(absl::StripAsciiWhitespace(text.str()));
  if (config.api_key.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--api-key-file: ", config.api_key_file, " is empty"));
  }
  return absl::OkStatus();
}

// Reads the store password file, if any.
absl::Status LoadStorePasswordFile(GatewayConfig& config) {
  if (config.store_password_file.empty()) return absl::OkStatus();
  std::ifstream in(config.store_password_file);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--store-password-file: cannot read ", config.store_password_file));
  }
  std::stringstream text;
  text << in.rdbuf();
  // A Secret's file often ends in a newline that is not part of it.
  config.store_password =
      std::string(absl::StripTrailingAsciiWhitespace(text.str()));
  if (config.store_password.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--store-password-file: ", config.store_password_file, " is empty"));
  }
  return absl::OkStatus();
}

absl::Status CheckConsistency(const GatewayConfig& c) {
  if (!c.api_key.empty() && !absl::StartsWith(c.api_key, "th-")) {
    // Never print the key itself.
    return absl::InvalidArgumentError(
        "--api-key / TOKENHUB_API_KEY: a TokenHub key starts with 'th-'");
  }
  if (!absl::StartsWith(c.upstream, "https://") &&
      !absl::StartsWith(c.upstream, "http://")) {
    return absl::InvalidArgumentError(
        "--upstream: must be an http:// or https:// URL");
  }
  if (c.poll_initial <= absl::ZeroDuration() || c.poll_max < c.poll_initial) {
    return absl::InvalidArgumentError(
        "--poll-initial / --poll-max: need 0 < poll-initial <= poll-max");
  }
  if (c.backoff_initial <= absl::ZeroDuration() ||
      c.backoff_max < c.backoff_initial) {
    return absl::InvalidArgumentError(
        "--backoff-initial / --backoff-max: need 0 < initial <= max");
  }
  if (c.max_watch_time <= absl::ZeroDuration() ||
      c.upstream_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--max-watch-time and --upstream-timeout must be positive");
  }
  if (c.write_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--write-timeout must be positive");
  }
  if (c.track_for <= absl::ZeroDuration() ||
      c.poll_unwatched <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--track-for and --poll-unwatched must be positive");
  }
  if (c.lease_ttl < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--lease-ttl must be at least 1s");
  }
  return absl::OkStatus();
}

}  // namespace

TlsFiles TlsFilesOf(const GatewayConfig& config) {
  return TlsFiles{config.tls_cert, config.tls_key, config.tls_client_ca,
                  config.tls_refresh_interval};
}

absl::Status FinishGatewayConfig(GatewayConfig& config) {
  if (absl::Status s = LoadKeyFile(config); !s.ok()) return s;
  if (absl::Status s = LoadStorePasswordFile(config); !s.ok()) return s;
  if (absl::Status s = CheckConsistency(config); !s.ok()) return s;
  if (absl::Status s = CheckTlsFiles(TlsFilesOf(config)); !s.ok()) return s;
  if (!config.tenants_file.empty() && config.allow_caller_keys) {
    // Both read 'authorization': one header cannot be both.
    return absl::InvalidArgumentError(
        "--tenants-file and --allow-caller-keys exclude each other: with "
        "tenants, 'authorization' carries the tenant's caller key");
  }
  return absl::OkStatus();
}

}  // namespace seedance::gateway
