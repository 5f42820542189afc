// Transport robustness: malformed HTTP, size caps, random bytes, many
// concurrent keep-alive connections, Connection: close, prompt Stop().
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/read_until.hpp"
#include "boost/asio/streambuf.hpp"
#include "boost/asio/write.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/sim/sim_fixture.h"

namespace tokenhub_sim::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST_F(SimTest, MalformedHttpGets400AndServerLives) {
  std::string reply = RawExchange(sim_->port(), "NOT HTTP AT ALL\r\n\r\n");
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 400"));
  EXPECT_EQ(sim_->stats().errors_by_kind["bad_http"], 1);
  EXPECT_EQ(Fetch({"GET", Url("/_sim/health")}).status, 200);
}

TEST_F(SimTest, HugeHeadersGet431) {
  std::string request = absl::StrCat("GET /_sim/health HTTP/1.1\r\nX-Big: ",
                                     std::string(64 << 10, 'a'), "\r\n\r\n");
  EXPECT_THAT(RawExchange(sim_->port(), request), StartsWith("HTTP/1.1 431"));
}

TEST_F(SimTest, OversizedBodyGets413) {
  std::string body = Body(std::string(2 << 20, 'a'));
  HttpResult r = Create(body);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(sim_->stats().creates, 0);
}

TEST_F(SimTest, ExpectContinueIsAnsweredPromptly) {
  // libcurl sends Expect: 100-continue with large bodies and would wait a
  // second for the go-ahead.
  HttpResult r = Create(Body(std::string(200000, 'a')));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_LT(r.elapsed, absl::Milliseconds(900));  // curl waits 1 s
  std::string reply =
      RawExchange(sim_->port(),
                  absl::StrCat("POST /api/v1/videos/generations HTTP/1.1\r\n",
                               "Content-Length: 2\r\nExpect: 100-continue\r\n",
                               "Connection: close\r\n\r\n{}"));
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401"));
}

TEST_F(SimTest, RandomBytesNeverCrashIt) {
  options_.idle_timeout = absl::Milliseconds(20);  // drops half requests
  Restart();
  std::mt19937 rng(1);
  for (int i = 0; i < 200; ++i) {
    std::string junk(rng() % 300, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (i % 2 == 0) {
      junk.insert(0, "POST /api/v1/videos/generations HTTP/1.1\r\n");
    }
    RawExchange(sim_->port(), junk, absl::Milliseconds(100));
  }
  EXPECT_EQ(Fetch({"GET", Url("/_sim/health")}).status, 200);
}

TEST_F(SimTest, ConnectionCloseIsHonoured) {
  std::string reply = RawExchange(
      sim_->port(),
      "GET /_sim/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(reply, HasSubstr("Connection: close"));
  EXPECT_TRUE(absl::EndsWith(reply, R"({"status":"ok"})"));
  reply = RawExchange(sim_->port(), "GET /_sim/health HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(absl::EndsWith(reply, R"({"status":"ok"})"));
}

TEST_F(SimTest, ServesThreeHundredConcurrentKeepAliveConnections) {
  namespace asio = boost::asio;
  options_.threads = 2;  // and the shared state holds up across threads
  Restart();
  std::string id = CreateId();
  asio::io_context ioc;
  constexpr int kConnections = 300;
  std::vector<asio::ip::tcp::socket> sockets;
  for (int i = 0; i < kConnections; ++i) {
    sockets.emplace_back(ioc);
    sockets.back().connect({asio::ip::make_address("127.0.0.1"),
                            static_cast<uint16_t>(sim_->port())});
  }
  std::string request = absl::StrCat(
      "GET /api/v1/videos/generations/", id, " HTTP/1.1\r\nHost: x\r\n",
      "Authorization: Bearer ", kAliceKey, "\r\n\r\n");
  // Two rounds on the same connections, all open at once: keep-alive.
  for (int round = 0; round < 2; ++round) {
    for (auto& socket : sockets) asio::write(socket, asio::buffer(request));
    for (auto& socket : sockets) {
      asio::streambuf buf;
      asio::read_until(socket, buf, "}");
      std::string head(asio::buffers_begin(buf.data()),
                       asio::buffers_end(buf.data()));
      ASSERT_THAT(head, StartsWith("HTTP/1.1 200"));
      // The body may be longer than the first "}" (nested objects): read
      // the rest so the next round starts at a response boundary.
      size_t length_at = head.find("Content-Length: ") + 16;
      size_t length = std::stoul(head.substr(length_at));
      size_t body_at = head.find("\r\n\r\n") + 4;
      size_t have = head.size() - body_at;
      if (have < length) {
        std::string rest(length - have, '\0');
        asio::read(socket, asio::buffer(rest));
      }
    }
  }
  SimStats stats = sim_->stats();
  EXPECT_EQ(stats.gets_by_task[id], 2 * kConnections);
  EXPECT_EQ(stats.connections_accepted, kConnections + 1);
}

TEST_F(SimTest, StopIsPromptWithStalledConnectionsAndIdempotent) {
  ASSERT_TRUE(sim_->AddFaults("stall").ok());
  std::thread client([port = sim_->port()] {
    RawExchange(port, "GET /api/v1/videos/generations/x HTTP/1.1\r\n\r\n",
                absl::Seconds(10));
  });
  ASSERT_TRUE(WaitFor(
      [&] { return sim_->stats().errors_by_kind["fault_stall"] == 1; }));
  absl::Time start = absl::Now();
  sim_->Stop();
  sim_->Stop();
  client.join();  // the stalled connection was closed by Stop
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST(SimOptionsTest, RejectsBadOptions) {
  SimOptions options;
  options.time_scale = 0;
  EXPECT_FALSE(SimServer::Start(options).ok());
  options = SimOptions();
  options.keys = {{"a", "th-1"}, {"b", "th-1"}};
  EXPECT_FALSE(SimServer::Start(options).ok());
  options = SimOptions();
  options.host = "not an address";
  EXPECT_FALSE(SimServer::Start(options).ok());
}

}  // namespace
}  // namespace tokenhub_sim::testing
