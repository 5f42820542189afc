// RAII owners for libcurl handles used by seedance-bench (easy, multi,
// header lists) and one blocking request helper for the simulator's control
// endpoints. The load generators in rest_load.* build on these.
#ifndef SEEDANCE_BENCH_CURL_HANDLES_H_
#define SEEDANCE_BENCH_CURL_HANDLES_H_

#include <curl/curl.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace seedance::bench {

struct CurlEasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct CurlMultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

// curl write callback appending to the std::string passed as userdata.
size_t AppendToString(char* data, size_t size, size_t count, void* userdata);

// Headers for the simulator's API: JSON body and `Authorization: Bearer`.
CurlSlist ApiHeaders(absl::string_view api_key);

struct HttpReply {
  long status = 0;  // NOLINT(google-runtime-int): curl_easy_getinfo's type
  std::string body;
};

// One blocking request (GET when `body` is empty and method is "GET").
// For control calls only: the load paths use curl multi.
absl::StatusOr<HttpReply> HttpCall(absl::string_view method,
                                   const std::string& url,
                                   absl::string_view body = "");

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_CURL_HANDLES_H_
