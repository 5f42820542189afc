// SimTest: a gtest fixture that starts an in-process SimServer on an
// ephemeral loopback port with two keys and a fast clock, and helpers to
// create and poll tasks through the real HTTP API.
#ifndef SEEDANCE_TESTS_SIM_SIM_FIXTURE_H_
#define SEEDANCE_TESTS_SIM_SIM_FIXTURE_H_

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "sim/sim_server.h"
#include "tests/sim/http_client.h"

namespace tokenhub_sim::testing {

inline constexpr char kAliceKey[] = "th-alice-key";
inline constexpr char kBobKey[] = "th-bob-key";

class SimTest : public ::testing::Test {
 protected:
  // Tests may change options_ and call Restart() before using the server.
  void SetUp() override {
    options_.keys = {{"alice", kAliceKey}, {"bob", kBobKey}};
    options_.time_scale = 0.001;  // queued 1 ms, running 4 ms
    options_.seed = 42;
    Restart();
  }

  void Restart() {
    sim_.reset();
    auto sim = SimServer::Start(options_);
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
  }

  std::string Url(const std::string& path) const {
    return sim_->root_url() + path;
  }

  HttpResult Create(const std::string& body,
                    const std::string& key = kAliceKey) {
    return Fetch({"POST", sim_->base_url() + "/videos/generations", body, key});
  }

  HttpResult Get(const std::string& id, const std::string& key = kAliceKey) {
    return Fetch(
        {"GET", sim_->base_url() + "/videos/generations/" + id, "", key});
  }

  static std::string Body(const std::string& prompt,
                          const std::string& extra = "") {
    return absl::StrCat(R"({"model":"doubao-seedance-2.0","prompt":")", prompt,
                        "\"", extra, "}");
  }

  // Creates a task and returns its id (fails the test if it cannot).
  std::string CreateId(const std::string& prompt = "a cat",
                       const std::string& key = kAliceKey) {
    HttpResult r = Create(Body(prompt), key);
    EXPECT_EQ(r.status, 200) << r.body;
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    if (doc.HasParseError() || !doc.HasMember("id")) return "";
    return doc["id"].GetString();
  }

  // Polls the task until its status is `status` (5 s deadline).
  bool WaitForStatus(const std::string& id, const std::string& status,
                     rapidjson::Document* last = nullptr) {
    rapidjson::Document doc;
    bool ok = WaitFor([&] {
      HttpResult r = Get(id);
      doc.Parse(r.body.c_str());
      return !doc.HasParseError() && doc.IsObject() &&
             doc.HasMember("status") && doc["status"].IsString() &&
             doc["status"].GetString() == status;
    });
    if (last != nullptr) last->Swap(doc);
    return ok;
  }

  static rapidjson::Document Json(const std::string& text) {
    rapidjson::Document doc;
    doc.Parse(text.c_str());
    return doc;
  }

  SimOptions options_;
  std::unique_ptr<SimServer> sim_;
};

}  // namespace tokenhub_sim::testing

#endif  // SEEDANCE_TESTS_SIM_SIM_FIXTURE_H_
