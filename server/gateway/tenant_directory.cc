#include "server/gateway/tenant_directory.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/common/errno_text.h"
#include "server/gateway/call_log.h"

namespace seedance::gateway {
namespace {

// A tenants file larger than this is refused (thousands of tenants fit).
constexpr std::streamsize kMaxFileBytes = 1 << 20;
constexpr size_t kMaxCallerKeyBytes = 512;

absl::Status NeedsKey() {
  return absl::UnauthenticatedError(
      "this gateway needs a caller key: send 'authorization: Bearer <caller "
      "key>' (docs/TENANTS.md)");
}

std::string StatText(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return absl::StrCat(path, ":-;");
  return absl::StrCat(path, ":", st.st_dev, ",", st.st_ino, ",", st.st_size,
                      ",", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, ",",
                      st.st_ctim.tv_sec, ".", st.st_ctim.tv_nsec, ";");
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", path, ": ", ErrnoText(errno)));
  }
  std::string text(static_cast<size_t>(kMaxFileBytes) + 1, '\0');
  in.read(text.data(), kMaxFileBytes + 1);
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > static_cast<size_t>(kMaxFileBytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is larger than ", kMaxFileBytes, " bytes"));
  }
  return text;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Tenant>> FindTenant(
    const std::shared_ptr<const TenantConfig>& config,
    const absl::optional<std::string>& authorization) {
  if (!authorization.has_value()) return NeedsKey();
  absl::string_view key = *authorization;
  if (!absl::ConsumePrefix(&key, "Bearer ") &&
      !absl::ConsumePrefix(&key, "bearer ")) {
    return absl::UnauthenticatedError(
        "'authorization' must be 'Bearer <caller key>'");
  }
  key = absl::StripAsciiWhitespace(key);
  if (key.empty() || key.size() > kMaxCallerKeyBytes) {
    return absl::UnauthenticatedError(
        "'authorization' must carry a caller key of 1 to 512 characters");
  }
  absl::StatusOr<KeyDigest> digest = CallerKeyDigest(key);
  if (!digest.ok()) return digest.status();
  // Every digest is compared, whatever matched, so the time taken says
  // nothing about how close a guess came.
  const Tenant* found = nullptr;
  for (const Tenant& tenant : config->tenants) {
    for (const KeyDigest& known : tenant.key_sha256) {
      const bool same =
          CRYPTO_memcmp(known.data(), digest->data(), known.size()) == 0;
      if (same) found = &tenant;
    }
  }
  if (found == nullptr) {
    return absl::UnauthenticatedError(
        "unknown caller key (not in the gateway's tenants file)");
  }
  // Shares the config's lifetime: a reload never frees a tenant in use.
  return std::shared_ptr<const Tenant>(config, found);
}

FileTenantDirectory::FileTenantDirectory(TenantFileOptions options,
                                         Scheduler& scheduler)
    : options_(std::move(options)), scheduler_(scheduler) {}

FileTenantDirectory::~FileTenantDirectory() { Stop(); }

absl::StatusOr<std::unique_ptr<FileTenantDirectory>> FileTenantDirectory::Open(
    TenantFileOptions options, Scheduler& scheduler) {
  std::unique_ptr<FileTenantDirectory> dir(
      new FileTenantDirectory(std::move(options), scheduler));
  if (absl::Status s = dir->Load(); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tenants-file ", dir->options_.path, ": ", s.message()));
  }
  return dir;
}

absl::Status FileTenantDirectory::Load() {
  const std::string file_stat = StatText(options_.path);
  absl::StatusOr<std::string> text = ReadFile(options_.path);
  absl::StatusOr<TenantConfig> parsed =
      text.ok() ? ParseTenantConfig(*text, options_.read_key, options_.own_key)
                : absl::StatusOr<TenantConfig>(text.status());
  if (!parsed.ok()) {
    absl::MutexLock lock(&mu_);
    // Not retried until the files change again: one log line per bad
    // version, not one per poll.
    fingerprint_ = file_stat + (config_ ? Fingerprint(*config_) : "");
    return parsed.status();
  }
  auto config = std::make_shared<const TenantConfig>(*std::move(parsed));
  {
    absl::MutexLock lock(&mu_);
    fingerprint_ = file_stat + Fingerprint(*config);
    config_ = config;
  }
  if (options_.on_change) options_.on_change(*config);
  return absl::OkStatus();
}

std::string FileTenantDirectory::Fingerprint(const TenantConfig& config) const {
  std::string out;
  for (const Tenant& tenant : config.tenants) {
    if (!tenant.upstream_key_file.empty()) {
      absl::StrAppend(&out, StatText(tenant.upstream_key_file));
    }
  }
  return out;
}

absl::Status FileTenantDirectory::CheckNow() {
  std::string now;
  {
    absl::MutexLock lock(&mu_);
    now = StatText(options_.path) + (config_ ? Fingerprint(*config_) : "");
    if (now == fingerprint_) return absl::OkStatus();
  }
  absl::Status loaded = Load();
  std::shared_ptr<const TenantConfig> config = Current();
  if (!loaded.ok()) {
    LogError(absl::StrCat(
        "tenants file ", options_.path, " refused, keeping the previous ",
        config->tenants.size(), " tenant(s): ", loaded.message()));
    return loaded;
  }
  LogNotice(absl::StrCat("tenants file ", options_.path,
                         " reloaded: ", config->tenants.size(), " tenant(s)"));
  return absl::OkStatus();
}

void FileTenantDirectory::Start() {
  absl::MutexLock lock(&mu_);
  if (running_) return;
  running_ = true;
  ScheduleLocked();
}

void FileTenantDirectory::Schedule() {
  absl::MutexLock lock(&mu_);
  if (running_) ScheduleLocked();
}

void FileTenantDirectory::ScheduleLocked() {
  timer_ = scheduler_.RunAfter(options_.poll_interval, [this] {
    CheckNow().IgnoreError();  // logged by CheckNow
    Schedule();
  });
}

void FileTenantDirectory::Stop() {
  Scheduler::TimerId timer;
  {
    absl::MutexLock lock(&mu_);
    running_ = false;
    timer = timer_;
    timer_ = 0;
  }
  if (timer != 0) scheduler_.Cancel(timer);
}

absl::StatusOr<std::shared_ptr<const Tenant>> FileTenantDirectory::Authenticate(
    const absl::optional<std::string>& authorization) const {
  return FindTenant(Current(), authorization);
}

std::shared_ptr<const TenantConfig> FileTenantDirectory::Current() const {
  absl::MutexLock lock(&mu_);
  return config_;
}

}  // namespace seedance::gateway
