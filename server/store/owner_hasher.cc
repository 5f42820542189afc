#include "server/store/owner_hasher.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "absl/strings/escaping.h"

namespace seedance::store {

absl::StatusOr<std::string> OwnerHasher::Owner(
    absl::string_view api_key) const {
  return Digest(api_key);
}

absl::StatusOr<std::string> OwnerHasher::Digest(absl::string_view data) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           digest, &size) == nullptr ||
      size != 32) {
    return absl::InternalError("HMAC-SHA256 failed");
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), size));
}

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                 static_cast<int>(n)) != 1) {
    return absl::UnavailableError("no random bytes from the system");
  }
  return out;
}

}  // namespace seedance::store
