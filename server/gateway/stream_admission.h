// StreamAdmission: decides whether one more WatchVideo stream may open, and
// counts the open ones per gateway, per peer address and per connection.
//
// A watch stream holds a slot for as long as it is open, so one client must
// not be able to take them all: besides the replica's limit, a peer (client
// IP address) gets at most `max_per_peer` and one HTTP/2 connection at most
// `max_per_connection` (the transport advertises the same figure as
// SETTINGS_MAX_CONCURRENT_STREAMS; this count catches clients that open
// streams before they acknowledge it, or ignore it).
//
//   absl::StatusOr<StreamAdmission::Ticket> ticket = admission.Admit(peer);
//   if (!ticket.ok()) return Reject(ticket.status());  // RESOURCE_EXHAUSTED
//   ... the stream owns *ticket; its slots are released when it is destroyed.
//
// Counts are exact (a mutex-guarded map; entries vanish at zero) and cheap
// next to the cost of a gRPC stream.
#ifndef SEEDANCE_SERVER_GATEWAY_STREAM_ADMISSION_H_
#define SEEDANCE_SERVER_GATEWAY_STREAM_ADMISSION_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace seedance::gateway {

struct AdmissionLimits {
  int max_streams = 20000;
  int max_per_peer = 0;        // 0: no per-peer limit
  int max_per_connection = 0;  // 0: no per-connection limit
};

// The client's address without its port, from a gRPC peer string:
// "ipv4:10.0.0.7:5123" -> "ipv4:10.0.0.7", "ipv6:[::1]:5123" -> "ipv6:[::1]".
// Other forms (e.g. "unix:/run/gw.sock") are returned whole.
std::string PeerAddress(absl::string_view peer);

class StreamAdmission {
 public:
  // Holds one stream's slots; releases them when destroyed or Released.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept { *this = std::move(other); }
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket() { Release(); }

    void Release();

   private:
    friend class StreamAdmission;
    StreamAdmission* owner_ = nullptr;
    std::string address_;
    std::string connection_;
  };

  explicit StreamAdmission(const AdmissionLimits& limits) : limits_(limits) {}

  // A ticket for one more stream from `peer` (context->peer()), or
  // RESOURCE_EXHAUSTED naming the limit that is reached.
  absl::StatusOr<Ticket> Admit(absl::string_view peer);

  // Streams holding a ticket now.
  int open() const;
  // Streams holding a ticket from `peer`'s address now.
  int open_from(absl::string_view peer) const;

 private:
  void Release(const Ticket& ticket);

  const AdmissionLimits limits_;
  mutable absl::Mutex mu_;
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, int> per_address_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> per_connection_ ABSL_GUARDED_BY(mu_);
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_STREAM_ADMISSION_H_
