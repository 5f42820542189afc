#include "server/gateway/tenant_config.h"

#include <openssl/sha.h>

#include <fstream>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace seedance::gateway {
namespace {

using rapidjson::Value;

absl::Status FieldError(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

bool ValidName(absl::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = absl::ascii_islower(static_cast<unsigned char>(c)) ||
                       absl::ascii_isdigit(static_cast<unsigned char>(c));
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

absl::StatusOr<KeyDigest> ParseDigest(absl::string_view field,
                                      const Value& value) {
  if (!value.IsString() || value.GetStringLength() != 64) {
    return FieldError(field,
                      "must be the SHA-256 of a caller key as 64 hex digits "
                      "(printf %s \"$KEY\" | sha256sum)");
  }
  KeyDigest digest{};
  const char* hex = value.GetString();
  for (size_t i = 0; i < 64; ++i) {
    const char c = absl::ascii_tolower(static_cast<unsigned char>(hex[i]));
    int nibble;
    if (c >= '0' && c <= '9') {
      nibble = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      nibble = c - 'a' + 10;
    } else {
      return FieldError(field, "must hold only hex digits");
    }
    digest[i / 2] = static_cast<unsigned char>((digest[i / 2] << 4) | nibble);
  }
  return digest;
}

absl::StatusOr<int64_t> ParseLimit(absl::string_view field,
                                   const Value& value) {
  if (!value.IsInt64()) {
    return FieldError(field, "must be a whole number");
  }
  if (value.GetInt64() < 0) return FieldError(field, "must not be negative");
  return value.GetInt64();
}

absl::StatusOr<Tenant> ParseTenant(const std::string& at, const Value& value,
                                   const KeyFileReader& read_key,
                                   const std::string& own_key) {
  if (!value.IsObject()) return FieldError(at, "must be an object");
  Tenant tenant;
  bool has_name = false;
  bool has_keys = false;
  std::set<std::string> seen;
  for (const auto& member : value.GetObject()) {
    const std::string name(member.name.GetString(),
                           member.name.GetStringLength());
    const std::string field = absl::StrCat(at, ".", name);
    if (!seen.insert(name).second) return FieldError(field, "appears twice");
    const Value& v = member.value;
    if (name == "name") {
      if (!v.IsString() || !ValidName(v.GetString())) {
        return FieldError(field,
                          "must be 1 to 63 characters of a-z, 0-9, '.', '_' "
                          "and '-', starting with a letter or digit");
      }
      tenant.name = v.GetString();
      has_name = true;
    } else if (name == "key_sha256") {
      if (!v.IsArray() || v.Empty()) {
        return FieldError(field, "must be a non-empty array of hex digests");
      }
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        absl::StatusOr<KeyDigest> digest =
            ParseDigest(absl::StrCat(field, "[", i, "]"), v[i]);
        if (!digest.ok()) return digest.status();
        tenant.key_sha256.push_back(*digest);
      }
      has_keys = true;
    } else if (name == "creates_per_minute" || name == "max_unfinished" ||
               name == "daily_budget_micros") {
      absl::StatusOr<int64_t> limit = ParseLimit(field, v);
      if (!limit.ok()) return limit.status();
      (name == "creates_per_minute" ? tenant.creates_per_minute
       : name == "max_unfinished"   ? tenant.max_unfinished
                                    : tenant.daily_budget_micros) = *limit;
    } else if (name == "upstream_key_file") {
      if (!v.IsString() || v.GetStringLength() == 0) {
        return FieldError(field, "must be a file path");
      }
      tenant.upstream_key_file = v.GetString();
    } else {
      return FieldError(
          field,
          "unknown field (known: name, key_sha256, creates_per_minute, "
          "max_unfinished, daily_budget_micros, upstream_key_file)");
    }
  }
  if (!has_name) return FieldError(absl::StrCat(at, ".name"), "is required");
  if (!has_keys) {
    return FieldError(absl::StrCat(at, ".key_sha256"), "is required");
  }
  if (tenant.upstream_key_file.empty()) {
    if (own_key.empty()) {
      return FieldError(absl::StrCat(at, ".upstream_key_file"),
                        "is required: the gateway has no TokenHub key of its "
                        "own (TOKENHUB_API_KEY) for this tenant to use");
    }
    tenant.upstream_key = own_key;
  } else {
    absl::StatusOr<std::string> key = read_key(tenant.upstream_key_file);
    if (!key.ok()) {
      return FieldError(absl::StrCat(at, ".upstream_key_file"),
                        key.status().message());
    }
    tenant.upstream_key = *std::move(key);
  }
  return tenant;
}

}  // namespace

absl::StatusOr<std::string> ReadTenantKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::string text(4097, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is larger than a TokenHub key"));
  }
  absl::string_view key = text;
  if (size_t eol = key.find('\n'); eol != absl::string_view::npos) {
    key = key.substr(0, eol);
  }
  key = absl::StripAsciiWhitespace(key);
  if (!absl::StartsWith(key, "th-") || key.size() < 4) {
    // Never echo the content: it may be a key of another kind.
    return absl::InvalidArgumentError(
        absl::StrCat(path, " does not hold a TokenHub key (th-...)"));
  }
  return std::string(key);
}

absl::StatusOr<TenantConfig> ParseTenantConfig(absl::string_view json,
                                               const KeyFileReader& read_key,
                                               const std::string& own_key) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not JSON at byte ", doc.GetErrorOffset(), ": ",
                     rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) {
    return absl::InvalidArgumentError(
        "must be a JSON object {\"tenants\": [...]}");
  }
  const Value* list = nullptr;
  for (const auto& member : doc.GetObject()) {
    const absl::string_view name(member.name.GetString(),
                                 member.name.GetStringLength());
    if (name != "tenants") {
      return FieldError(name, "unknown field (known: tenants)");
    }
    if (list != nullptr) return FieldError("tenants", "appears twice");
    list = &member.value;
  }
  if (list == nullptr) return FieldError("tenants", "is required");
  if (!list->IsArray()) return FieldError("tenants", "must be an array");
  TenantConfig config;
  std::set<std::string> names;
  std::set<KeyDigest> digests;
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const std::string at = absl::StrCat("tenants[", i, "]");
    absl::StatusOr<Tenant> tenant =
        ParseTenant(at, (*list)[i], read_key, own_key);
    if (!tenant.ok()) return tenant.status();
    if (!names.insert(tenant->name).second) {
      return FieldError(absl::StrCat(at, ".name"),
                        absl::StrCat("'", tenant->name, "' appears twice"));
    }
    for (size_t k = 0; k < tenant->key_sha256.size(); ++k) {
      if (!digests.insert(tenant->key_sha256[k]).second) {
        return FieldError(absl::StrCat(at, ".key_sha256[", k, "]"),
                          "is listed twice (one key, one tenant)");
      }
    }
    config.tenants.push_back(*std::move(tenant));
  }
  return config;
}

absl::StatusOr<KeyDigest> CallerKeyDigest(absl::string_view caller_key) {
  KeyDigest digest{};
  if (SHA256(reinterpret_cast<const unsigned char*>(caller_key.data()),
             caller_key.size(), digest.data()) == nullptr) {
    return absl::InternalError("SHA-256 failed");
  }
  return digest;
}

}  // namespace seedance::gateway
