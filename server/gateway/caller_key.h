// Which TokenHub key a call uses: the caller's own (`authorization: Bearer
// th-...` metadata, when the operator allows it) or the gateway's.
// Errors never contain the key or the metadata value.
#ifndef SEEDANCE_SERVER_GATEWAY_CALLER_KEY_H_
#define SEEDANCE_SERVER_GATEWAY_CALLER_KEY_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "grpcpp/support/string_ref.h"

namespace seedance::gateway {

using ClientMetadata = std::multimap<grpc::string_ref, grpc::string_ref>;

// The key for this call:
// - caller metadata present and allowed: that key (must look like th-...);
// - present but not allowed: PERMISSION_DENIED;
// - absent: the configured key, or UNAUTHENTICATED when there is none.
absl::StatusOr<std::string> ResolveApiKey(const ClientMetadata& metadata,
                                          const std::string& configured_key,
                                          bool allow_caller_keys);

// The same rules on the `authorization` value alone (gRPC metadata or an
// HTTP header), nullopt when the call sent none.
absl::StatusOr<std::string> ResolveApiKey(
    const absl::optional<std::string>& authorization,
    const std::string& configured_key, bool allow_caller_keys);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_CALLER_KEY_H_
