// TenantDirectory: who a call is, under a tenants file. A call's
// `authorization: Bearer <caller key>` is hashed (SHA-256) and compared in
// constant time with every tenant's key digests; the key itself is never
// kept, logged or put in an error.
//
// FileTenantDirectory re-reads the file when it changes (checked every
// poll_interval on its scheduler: the file's device, inode, size and times,
// so a Kubernetes Secret's symlink swap counts, and the same for each
// upstream_key_file). A bad file is logged with the field at fault and the
// previous tenants stay.
//
//   auto dir = FileTenantDirectory::Open(options, scheduler);  // bad: error
//   (*dir)->Start();
//   absl::StatusOr<std::shared_ptr<const Tenant>> who =
//       (*dir)->Authenticate(info.authorization);
#ifndef SEEDANCE_SERVER_GATEWAY_TENANT_DIRECTORY_H_
#define SEEDANCE_SERVER_GATEWAY_TENANT_DIRECTORY_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "server/common/scheduler.h"
#include "server/gateway/tenant_config.h"

namespace seedance::gateway {

class TenantDirectory {
 public:
  virtual ~TenantDirectory() = default;

  // The tenant whose caller key `authorization` carries ("Bearer <key>").
  // UNAUTHENTICATED when there is none, it is malformed, or no tenant has
  // that key. Thread-safe; does not block.
  virtual absl::StatusOr<std::shared_ptr<const Tenant>> Authenticate(
      const absl::optional<std::string>& authorization) const = 0;

  // The tenants now. Thread-safe; does not block.
  virtual std::shared_ptr<const TenantConfig> Current() const = 0;
};

// The constant-time lookup shared by every directory: the tenant of `config`
// one of whose digests `authorization`'s key hashes to.
absl::StatusOr<std::shared_ptr<const Tenant>> FindTenant(
    const std::shared_ptr<const TenantConfig>& config,
    const absl::optional<std::string>& authorization);

struct TenantFileOptions {
  std::string path;
  // The gateway's own TokenHub key, for tenants without upstream_key_file.
  std::string own_key;
  absl::Duration poll_interval = absl::Seconds(2);
  KeyFileReader read_key = ReadTenantKeyFile;
  // After every (re)load that applied, on the scheduler's thread.
  std::function<void(const TenantConfig&)> on_change;
};

class FileTenantDirectory final : public TenantDirectory {
 public:
  // Reads the file once. A file that cannot be read or is invalid at start
  // is an error (INVALID_ARGUMENT naming the flag and the field).
  static absl::StatusOr<std::unique_ptr<FileTenantDirectory>> Open(
      TenantFileOptions options, Scheduler& scheduler);

  ~FileTenantDirectory() override;

  // Checks the file every poll_interval from now on.
  void Start();
  // No more checks once it returns (a check running on the scheduler's
  // thread may still finish: stop that scheduler first when destroying).
  void Stop();

  // Re-reads the file if it (or an upstream_key_file) changed since the last
  // check. Returns OK when nothing changed or the new file applied, else the
  // problem (also logged; the previous tenants stay). Blocks on file I/O:
  // run it on a scheduler of its own, not the gateway's.
  absl::Status CheckNow();

  absl::StatusOr<std::shared_ptr<const Tenant>> Authenticate(
      const absl::optional<std::string>& authorization) const override;
  std::shared_ptr<const TenantConfig> Current() const override;

 private:
  FileTenantDirectory(TenantFileOptions options, Scheduler& scheduler);
  // What identifies this version of the files (stat of each); "" when the
  // tenants file cannot be stat'ed.
  std::string Fingerprint(const TenantConfig& config) const;
  absl::Status Load();
  void Schedule();
  void ScheduleLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const TenantFileOptions options_;
  Scheduler& scheduler_;

  mutable absl::Mutex mu_;
  std::shared_ptr<const TenantConfig> config_ ABSL_GUARDED_BY(mu_);
  // Of the files as last read (whether or not they applied).
  std::string fingerprint_ ABSL_GUARDED_BY(mu_);
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  Scheduler::TimerId timer_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_TENANT_DIRECTORY_H_
