// A probe, not a check: what parsing a typical task reply and a typical
// error reply costs, redaction included (figures in docs/RELIABILITY.md,
// "Keys never leak"). Disabled by default; run with
//   upstream_test --gtest_also_run_disabled_tests --gtest_filter='*ParseCost*'
#include <chrono>
#include <cstdio>

#include "gtest/gtest.h"
#include "server/upstream/error_mapping.h"
#include "server/upstream/task_json.h"

namespace seedance::upstream {
namespace {

constexpr char kKey[] = "th-gateway-default-key-123456";
constexpr char kReply[] =
    R"({"id":"cgt-20261201-8f3a2b1c","object":"video.generation.task",)"
    R"("model":"doubao-seedance-2.0","status":"succeeded","created":1719900000,)"
    R"("data":[{"video_url":"https://cdn.tokenhub.test/media/cgt-20261201-8f3a2b1c/)"
    R"(video.mp4?X-Signature=4f9a0c7e1b2d3f4a5b6c7d8e9f0a1b2c",)"
    R"("cover_image_url":"https://cdn.tokenhub.test/media/cgt-20261201-8f3a2b1c/cover.jpg"}],)"
    R"("usage":{"video_duration":5.0}})";
constexpr char kError[] =
    R"({"error":{"message":"The request parameter duration is invalid: must be )"
    R"(2 to 12 seconds","type":"invalid_request_error","code":"invalid_parameter"}})";

double NanosPerCall(std::chrono::steady_clock::duration d, int n) {
  return std::chrono::duration<double, std::nano>(d).count() / n;
}

TEST(ParseCost, DISABLED_TypicalReplies) {
  constexpr int kN = 200000;
  for (int round = 0; round < 3; ++round) {
    size_t sink = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kN; ++i) {
      sink += ParseTaskJson(kReply, kKey)->id().size();
    }
    auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < kN; ++i) {
      sink += MapHttpError(400, kError, nullptr, absl::UnixEpoch(), kKey)
                  .message()
                  .size();
    }
    auto t2 = std::chrono::steady_clock::now();
    std::printf("round %d: ParseTaskJson %.0f ns, MapHttpError %.0f ns (%zu)\n",
                round, NanosPerCall(t1 - t0, kN), NanosPerCall(t2 - t1, kN),
                sink);
  }
}

}  // namespace
}  // namespace seedance::upstream
