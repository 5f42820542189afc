// A small blocking HTTP/1.1 client for the web face's tests: one request
// per connection (or raw bytes), and an SSE reader on a thread of its own.
// Every socket has a 20 s receive timeout, so a broken server fails a test
// instead of hanging it.
#ifndef SEEDANCE_TESTS_GATEWAY_HTTP_TEST_CLIENT_H_
#define SEEDANCE_TESTS_GATEWAY_HTTP_TEST_CLIENT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace seedance::testing {

struct HttpAnswer {
  int status = 0;  // 0: no answer (connection closed)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// Sends `method target` with `headers` ("Name: value" lines) and `body` to
// 127.0.0.1:`port`; Content-Length is added when there is a body.
HttpAnswer Fetch(int port, const std::string& method, const std::string& target,
                 const std::string& body = "",
                 const std::vector<std::string>& headers = {});

// Sends `bytes` as they are and parses the first answer.
HttpAnswer FetchRaw(int port, const std::string& bytes);

// One parsed SSE event.
struct SseEvent {
  std::string event;  // empty: "message"
  std::string id;
  std::string data;
};

// Opens GET `target` and reads the event stream until the server closes it
// or Cut() is called.
class SseReader {
 public:
  SseReader(int port, const std::string& target,
            const std::vector<std::string>& headers = {});
  // A reader that never reads, with a tiny receive buffer: a client that
  // stalls.
  static std::unique_ptr<SseReader> Stalled(int port,
                                            const std::string& target);
  ~SseReader();

  // Waits (up to 20 s) for at least `n` events (comments excluded).
  bool WaitForEvents(size_t n);
  // Waits (up to 20 s) for the server to close the connection.
  bool WaitClosed();
  // Closes our end now (a dropped connection).
  void Cut();

  int status() const;
  std::string head() const;  // the status line and headers
  std::vector<SseEvent> events() const;
  int comments() const;  // comment lines (": ...") seen

 private:
  SseReader(int port, const std::string& target,
            const std::vector<std::string>& headers, bool stalled);
  void Run();
  const bool stalled_ = false;
  int fd_ = -1;
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::string raw_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_GATEWAY_HTTP_TEST_CLIENT_H_
