// Store variants; see store_variants.h.
#include "bench/store_variants.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace seedance::bench {
namespace {

// RFC 3986 percent-encoding of everything but the unreserved characters,
// which libpq decodes in every URI component.
std::string PercentEncode(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::string Lookup(const EnvLookup& env, const char* name) {
  const char* value = env(name);
  return value == nullptr ? "" : value;
}

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const char* name) -> const char* {
    // Nothing in the bench sets environment variables (children get theirs
    // through posix_spawn), so reading it from any thread is safe.
    return std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  };
}

absl::StatusOr<std::string> PostgresUriFromEnv(const EnvLookup& env) {
  const std::string host = Lookup(env, "PGHOST");
  if (host.empty()) {
    return absl::NotFoundError(
        "PGHOST is not set (run under pg_virtualenv, as ./dev bench does)");
  }
  const std::string port = Lookup(env, "PGPORT");
  const std::string user = Lookup(env, "PGUSER");
  const std::string database = Lookup(env, "PGDATABASE");
  std::string uri = "postgresql://";
  if (!user.empty()) absl::StrAppend(&uri, PercentEncode(user), "@");
  // An IPv6 literal goes in brackets, as is; anything else (a name, an
  // IPv4 address, a socket directory) percent-encoded.
  if (host.find(':') != std::string::npos && host.front() != '/') {
    absl::StrAppend(&uri, "[", host, "]");
  } else {
    absl::StrAppend(&uri, PercentEncode(host));
  }
  if (!port.empty()) absl::StrAppend(&uri, ":", PercentEncode(port));
  if (!database.empty()) absl::StrAppend(&uri, "/", PercentEncode(database));
  return uri;
}

std::vector<StoreVariant> StoreVariants(const std::string& sqlite_dir,
                                        const EnvLookup& env) {
  std::vector<StoreVariant> variants;
  variants.push_back({"none", "none", ""});
  variants.push_back(
      {"sqlite", absl::StrCat("sqlite:", sqlite_dir, "/tasks.db"), ""});
  absl::StatusOr<std::string> postgres = PostgresUriFromEnv(env);
  if (postgres.ok()) {
    variants.push_back({"postgresql", *postgres, ""});
  } else {
    variants.push_back(
        {"postgresql", "", std::string(postgres.status().message())});
  }
  return variants;
}

}  // namespace seedance::bench
