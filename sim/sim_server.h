// SimServer: tokenhub-sim as a library. Serves TokenHub's Seedance 2.0
// video API (shared/TOKENHUB_API.md) on a loopback port with scripted task
// timelines, fault injection and accounting; tests start it in-process, the
// tokenhub-sim binary wraps it. docs/SIMULATOR.md describes the behaviour.
//
//   tokenhub_sim::SimOptions options;
//   options.keys = {{"alice", "th-alice"}, {"bob", "th-bob"}};
//   options.time_scale = 0.01;  // lifecycles take 50 ms
//   auto sim = tokenhub_sim::SimServer::Start(options);  // StatusOr
//   client.base_url = (*sim)->base_url();  // http://127.0.0.1:PORT/api/v1
//   (*sim)->AddFaults("503,method=GET,seq=2");
//   ... EXPECT_EQ((*sim)->stats().creates, 1);
#ifndef SEEDANCE_SIM_SIM_SERVER_H_
#define SEEDANCE_SIM_SIM_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sim/fault_injector.h"
#include "sim/fault_rule.h"
#include "sim/http_server.h"
#include "sim/stats.h"
#include "sim/task_store.h"

namespace tokenhub_sim {

// An accepted API key and the label stats and logs use for it (the key
// itself is never printed).
struct KeyEntry {
  std::string label;
  std::string key;
};

inline constexpr absl::string_view kDefaultKeyLabel = "demo";
inline constexpr absl::string_view kDefaultKey = "th-sim-demo-key";

struct SimOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: an ephemeral port
  std::vector<KeyEntry> keys = {
      {std::string(kDefaultKeyLabel), std::string(kDefaultKey)}};
  // Multiplies queued_for and running_for (not durations written in prompt
  // markers or fault specs): 0.01 makes the default lifecycle 50 ms.
  double time_scale = 1.0;
  absl::Duration queued_for = absl::Seconds(1);
  absl::Duration running_for = absl::Seconds(4);
  // Seeds task ids and rate-based faults.
  uint64_t seed = 1;
  int threads = 1;
  std::vector<FaultRule> faults;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  absl::Duration idle_timeout = absl::Seconds(60);
  // How long a `stall` fault holds a connection at most.
  absl::Duration stall_cap = absl::Seconds(120);
  bool verbose = false;  // one line per request on stderr
};

// Checks option values (keys, durations, scale, threads).
absl::Status ValidateSimOptions(const SimOptions& options);

class SimServer {
 public:
  static absl::StatusOr<std::unique_ptr<SimServer>> Start(SimOptions options);

  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;
  ~SimServer();  // stops

  // Closes every connection and joins the I/O threads. Idempotent.
  void Stop();

  int port() const;
  // "http://127.0.0.1:PORT/api/v1": what a TokenHub client is given.
  std::string base_url() const;
  // "http://127.0.0.1:PORT": for /_sim/ and /media/.
  std::string root_url() const;

  // Everything below is thread-safe.
  void AddFault(FaultRule rule);
  // Parses and adds rules (syntax of fault_rule.h / docs/SIMULATOR.md).
  absl::Status AddFaults(absl::string_view specs);
  void ClearFaults();

  SimStats stats() const;
  std::string StatsJson() const;
  void ResetStats();  // counters only
  void Reset();       // counters and tasks (faults stay)

  // What the server answers to one parsed request. The HTTP layer calls it
  // on its I/O threads; tests/fuzz calls it directly (with ServeBytes), so
  // request handling can be fuzzed without sockets. Never blocks.
  void Handle(const HttpRequest& request, HttpReply* reply);

  // Control of one task (as POST /_sim/tasks/{id}[/advance]).
  absl::Status AdvanceTask(absl::string_view id);
  absl::Status ForceTask(absl::string_view id, absl::string_view status,
                         absl::string_view error_message = "");
  // The task now, with the create request body as received.
  std::optional<TaskView> GetTask(absl::string_view id) const;

 private:
  explicit SimServer(SimOptions options);

  void HandleApi(const HttpRequest& request, absl::string_view path,
                 HttpReply* reply);
  void HandleCreate(const HttpRequest& request, absl::string_view label,
                    HttpReply* reply);
  void HandleGetTask(const HttpRequest& request, absl::string_view label,
                     const std::optional<TaskView>& task, HttpReply* reply);
  void HandleMedia(const HttpRequest& request, absl::string_view path,
                   HttpReply* reply);
  void HandleControl(const HttpRequest& request, absl::string_view path,
                     HttpReply* reply);
  void HandleTaskControl(const HttpRequest& request, absl::string_view rest,
                         HttpReply* reply);
  // Sets an error reply and counts it under its status code.
  void Error(int status, absl::string_view message, HttpReply* reply);
  // Sets the reply of a control call from a status.
  void ControlResult(const absl::Status& status, HttpReply* reply);
  // "http://host:port" for result URLs.
  std::string MediaBase(const HttpRequest& request) const;
  // "http://host:port" for the listening host and `port`.
  std::string RootUrl(int port) const;

  const SimOptions options_;
  // Key -> label; immutable after construction, so read without a lock.
  absl::flat_hash_map<std::string, std::string> labels_by_key_;
  TaskStore tasks_;
  FaultInjector faults_;
  StatsRecorder stats_;
  // Declared last: destroyed (and stopped) first, while the state its
  // handlers use still exists.
  std::unique_ptr<HttpServer> http_;
};

}  // namespace tokenhub_sim

#endif  // SEEDANCE_SIM_SIM_SERVER_H_
