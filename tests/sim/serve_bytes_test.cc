// ServeBytes: a connection's input served in memory, with the parser,
// limits and protocol-error replies a socket connection has (the seam the
// sim_http fuzz target drives).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/http_server.h"

namespace tokenhub_sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Answers 200 on /ok, 404 elsewhere, and records what it was given.
struct RecordingHandler {
  std::vector<std::string> seen;
  HttpHandler Handler() {
    return [this](const HttpRequest& request, HttpReply* reply) {
      seen.push_back(
          absl::StrCat(request.method, " ", request.target, " ", request.body));
      reply->status = request.target == "/ok" ? 200 : 404;
    };
  }
};

std::vector<int> Statuses(const std::vector<HttpReply>& replies) {
  std::vector<int> out;
  out.reserve(replies.size());
  for (const HttpReply& reply : replies) out.push_back(reply.status);
  return out;
}

TEST(ServeBytesTest, PipelinedRequestsAreAnsweredInOrderUntilConnectionClose) {
  RecordingHandler handler;
  std::vector<HttpReply> replies = ServeBytes(
      "GET /ok HTTP/1.1\r\n\r\n"
      "POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
      "GET /ok HTTP/1.1\r\nConnection: close\r\n\r\n"
      "GET /never HTTP/1.1\r\n\r\n",
      HttpServerOptions(), handler.Handler(), 10);
  EXPECT_THAT(Statuses(replies), ElementsAre(200, 404, 200));
  EXPECT_THAT(handler.seen, ElementsAre("GET /ok ", "POST /x {}", "GET /ok "));
}

TEST(ServeBytesTest, RequestCutOffMidwayGetsNoReply) {
  RecordingHandler handler;
  EXPECT_TRUE(ServeBytes("POST /ok HTTP/1.1\r\nContent-Length: 10\r\n\r\n{}",
                         HttpServerOptions(), handler.Handler(), 10)
                  .empty());
  EXPECT_TRUE(handler.seen.empty());
}

TEST(ServeBytesTest, MalformedBytesGet400AndEndTheConnection) {
  RecordingHandler handler;
  std::vector<std::string> kinds;
  HttpServerOptions options;
  options.on_protocol_error = [&kinds](absl::string_view kind) {
    kinds.emplace_back(kind);
  };
  std::vector<HttpReply> replies =
      ServeBytes("GET /ok HTTP/1.1\r\n\r\nNOT HTTP AT ALL\r\n\r\n", options,
                 handler.Handler(), 10);
  ASSERT_THAT(Statuses(replies), ElementsAre(200, 400));
  EXPECT_TRUE(replies[1].close);
  EXPECT_THAT(replies[1].body, HasSubstr("malformed HTTP request"));
  EXPECT_THAT(kinds, ElementsAre("bad_http"));
}

TEST(ServeBytesTest, LimitsAreTheServers) {
  RecordingHandler handler;
  HttpServerOptions options;
  options.max_body_bytes = 4;
  options.max_header_bytes = 64;
  EXPECT_THAT(
      Statuses(ServeBytes("POST /ok HTTP/1.1\r\nContent-Length: 5\r\n\r\n12345",
                          options, handler.Handler(), 10)),
      ElementsAre(413));
  EXPECT_THAT(Statuses(ServeBytes(
                  absl::StrCat("GET /ok HTTP/1.1\r\nX: ", std::string(100, 'a'),
                               "\r\n\r\n"),
                  options, handler.Handler(), 10)),
              ElementsAre(431));
  EXPECT_TRUE(handler.seen.empty());
}

TEST(ServeBytesTest, StopsAfterMaxRequests) {
  RecordingHandler handler;
  EXPECT_EQ(ServeBytes("GET /ok HTTP/1.1\r\n\r\nGET /ok HTTP/1.1\r\n\r\n",
                       HttpServerOptions(), handler.Handler(), 1)
                .size(),
            1u);
}

}  // namespace
}  // namespace tokenhub_sim
