// TenantConfig: the tenants file (`--tenants-file`) parsed and checked.
// Each tenant is a team with caller keys of the gateway's own (stored as
// SHA-256 digests, never the keys), optional limits, and the TokenHub key
// its calls use upstream (its own file, or the gateway's key).
//
//   {"tenants": [{"name": "team-a",
//                 "key_sha256": ["<64 hex digits>", ...],
//                 "creates_per_minute": 60, "max_unfinished": 20,
//                 "daily_budget_micros": 50000000,
//                 "upstream_key_file": "/secrets/team-a/key"}]}
//
//   absl::StatusOr<TenantConfig> config =
//       ParseTenantConfig(json, ReadTenantKeyFile, gateway_has_key);
//
// Every error names the field (`tenants[1].key_sha256[0]: ...`); unknown
// fields are refused, so a misspelt limit never silently means "no limit".
#ifndef SEEDANCE_SERVER_GATEWAY_TENANT_CONFIG_H_
#define SEEDANCE_SERVER_GATEWAY_TENANT_CONFIG_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace seedance::gateway {

using KeyDigest = std::array<unsigned char, 32>;

struct Tenant {
  // [a-z0-9][a-z0-9._-]{0,62}: also a metrics label value.
  std::string name;
  // SHA-256 digests of the tenant's caller keys (several while rotating).
  std::vector<KeyDigest> key_sha256;
  // Limits; nullopt: none.
  absl::optional<int64_t> creates_per_minute;
  absl::optional<int64_t> max_unfinished;
  absl::optional<int64_t> daily_budget_micros;
  // Where the tenant's TokenHub key came from ("": the gateway's own).
  std::string upstream_key_file;
  // The TokenHub key its calls use upstream: the file's content, or the
  // gateway's key. Never logged.
  std::string upstream_key;
};

struct TenantConfig {
  std::vector<Tenant> tenants;
};

// Who owns a tenant's tasks in the store and in TaskKey::principal:
// "tenant:<name>" (tenants may share an upstream key).
inline std::string TenantPrincipal(absl::string_view name) {
  return absl::StrCat("tenant:", name);
}

// Reads a tenant's upstream_key_file: its content (trimmed), or why not.
using KeyFileReader =
    std::function<absl::StatusOr<std::string>(const std::string& path)>;

// The production KeyFileReader: the file's first line, at most 4 KiB,
// which must look like a TokenHub key (th-...).
absl::StatusOr<std::string> ReadTenantKeyFile(const std::string& path);

// Parses and checks `json`. INVALID_ARGUMENT naming the field for any
// problem: not JSON, a wrong type, an unknown field, a duplicate name or
// key digest, a negative limit, an upstream_key_file that cannot be read,
// or no upstream_key_file while the gateway has no key of its own
// (`own_key` empty). A tenant without upstream_key_file gets `own_key`.
absl::StatusOr<TenantConfig> ParseTenantConfig(absl::string_view json,
                                               const KeyFileReader& read_key,
                                               const std::string& own_key);

// SHA-256 of `caller_key`, as the tenants file lists it (in hex).
// INTERNAL only if OpenSSL fails.
absl::StatusOr<KeyDigest> CallerKeyDigest(absl::string_view caller_key);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_TENANT_CONFIG_H_
