// A small blocking HTTP client (libcurl easy API) and raw-socket helpers for
// the simulator's tests, plus WaitFor: poll a condition until a deadline
// instead of sleeping fixed amounts.
#ifndef SEEDANCE_TESTS_SIM_HTTP_CLIENT_H_
#define SEEDANCE_TESTS_SIM_HTTP_CLIENT_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace tokenhub_sim::testing {

struct HttpResult {
  int curl_code = 0;  // CURLcode; 0 when a full reply arrived
  long status = 0;    // NOLINT(google-runtime-int): curl_easy_getinfo's type
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  absl::Duration elapsed;
};

struct HttpCall {
  HttpCall(std::string method_in, std::string url_in, std::string body_in = "",
           std::string api_key_in = "",
           absl::Duration timeout_in = absl::Seconds(5))
      : method(std::move(method_in)),
        url(std::move(url_in)),
        body(std::move(body_in)),
        api_key(std::move(api_key_in)),
        timeout(timeout_in) {}

  std::string method;
  std::string url;
  std::string body;
  std::string api_key;  // sent as Authorization: Bearer ... when non-empty
  absl::Duration timeout;
  std::string range;  // CURLOPT_RANGE, e.g. "0-99"
};

HttpResult Fetch(const HttpCall& call);

// Sends raw bytes on a fresh connection to 127.0.0.1:port and returns what
// came back until the server closed or `timeout` passed.
std::string RawExchange(int port, const std::string& bytes,
                        absl::Duration timeout = absl::Seconds(2));

// Polls `done` every millisecond until it holds or `deadline` passes.
bool WaitFor(const std::function<bool()>& done,
             absl::Duration deadline = absl::Seconds(5));

}  // namespace tokenhub_sim::testing

#endif  // SEEDANCE_TESTS_SIM_HTTP_CLIENT_H_
