// LogThrottle: keeps a library's repeated log line from flooding stderr.
//
// libprotobuf prints one ERROR line for every request with invalid UTF-8,
// and gRPC core one for every call it refuses (e.g. a compressed request):
// a hostile client could fill the disk or drown the call log. Each call site
// (file:line) may print at most one line per interval; the next line printed
// from that site says how many were suppressed in between. FATAL lines,
// gRPC assertion failures and gRPC lines below ERROR (printed only when an
// operator raises GRPC_VERBOSITY) always print.
//
//   InstallLibraryLogThrottle(absl::Seconds(10));  // once, at start-up
#ifndef SEEDANCE_SERVER_GATEWAY_LOG_THROTTLE_H_
#define SEEDANCE_SERVER_GATEWAY_LOG_THROTTLE_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace seedance::gateway {

class LogThrottle {
 public:
  explicit LogThrottle(absl::Duration interval) : interval_(interval) {}

  // Whether a line from `site` may print at `now`. If so, `*suppressed` is
  // the number of lines from `site` dropped since its last printed one.
  bool Admit(absl::string_view site, absl::Time now, int64_t* suppressed);

 private:
  struct Site {
    absl::Time last_printed = absl::InfinitePast();
    int64_t suppressed = 0;
  };
  const absl::Duration interval_;
  absl::Mutex mu_;
  // Keyed by file:line, a set fixed by the code, so it stays small.
  absl::flat_hash_map<std::string, Site> sites_ ABSL_GUARDED_BY(mu_);
};

// Routes libprotobuf's and gRPC core's log lines through one LogThrottle
// (per call site, one line per `interval`) to stderr. Idempotent: the
// first call's interval holds.
void InstallLibraryLogThrottle(absl::Duration interval);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_LOG_THROTTLE_H_
