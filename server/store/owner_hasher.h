// OwnerHasher: who owns a task, as the store records it. An owner is the
// keyed hash (HMAC-SHA256) of the caller's TokenHub key under the store's
// own secret (TaskStore::OwnerKey), so the ledger never holds a key, and a
// key cannot be tested against a leaked ledger without that secret too.
//
//   OwnerHasher hasher(*store->OwnerKey());
//   absl::StatusOr<std::string> owner = hasher.Owner(api_key);  // 64 hex
#ifndef SEEDANCE_SERVER_STORE_OWNER_HASHER_H_
#define SEEDANCE_SERVER_STORE_OWNER_HASHER_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace seedance::store {

class OwnerHasher {
 public:
  explicit OwnerHasher(std::string secret) : secret_(std::move(secret)) {}

  // Hex HMAC-SHA256 of `api_key`: the same key always gives the same owner.
  // INTERNAL only if OpenSSL itself fails (never an empty owner, which
  // would merge every caller's tasks).
  absl::StatusOr<std::string> Owner(absl::string_view api_key) const;

  // The same keyed hash of any bytes (a request's fingerprint): equal data
  // give equal digests, and nothing about the data shows.
  absl::StatusOr<std::string> Digest(absl::string_view data) const;

 private:
  std::string secret_;
};

// `n` bytes from the operating system's random source (OpenSSL RAND_bytes).
absl::StatusOr<std::string> RandomBytes(size_t n);

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_OWNER_HASHER_H_
