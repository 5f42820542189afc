// RAII curl handles and the blocking control-call helper; see curl_handles.h.
#include "bench/curl_handles.h"

#include "absl/strings/str_cat.h"

namespace seedance::bench {

size_t AppendToString(char* data, size_t size, size_t count, void* userdata) {
  static_cast<std::string*>(userdata)->append(data, size * count);
  return size * count;
}

CurlSlist ApiHeaders(absl::string_view api_key) {
  curl_slist* list =
      curl_slist_append(nullptr, "Content-Type: application/json");
  list = curl_slist_append(
      list, absl::StrCat("Authorization: Bearer ", api_key).c_str());
  // No "Expect: 100-continue" round trip on POSTs.
  list = curl_slist_append(list, "Expect:");
  return CurlSlist(list);
}

absl::StatusOr<HttpReply> HttpCall(absl::string_view method,
                                   const std::string& url,
                                   absl::string_view body) {
  CurlEasy easy(curl_easy_init());
  if (!easy) return absl::InternalError("curl_easy_init failed");
  HttpReply reply;
  std::string method_copy(method);
  std::string body_copy(body);
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_CUSTOMREQUEST, method_copy.c_str());
  if (method != "GET") {
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, body_copy.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDSIZE,
                     static_cast<long>(body_copy.size()));
  }
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, AppendToString);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
  CURLcode code = curl_easy_perform(easy.get());
  if (code != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat(method, " ", url, ": ", curl_easy_strerror(code)));
  }
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace seedance::bench
