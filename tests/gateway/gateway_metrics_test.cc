// The gateway's metrics: the Prometheus definitions (every name of the
// contract in docs/OPERATING.md, values that move, labels that stay
// bounded) and the decorators that feed them from the upstream transport,
// the retry loop, the poll timers, the recorder and the task store.
#include "server/gateway/gateway_metrics.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/gateway/lateness_scheduler.h"
#include "server/gateway/metered_task_store.h"
#include "server/gateway/metered_transport.h"
#include "server/gateway/prometheus_metrics.h"
#include "server/gateway/spend_recorder.h"
#include "server/upstream/error_mapping.h"
#include "server/upstream/tokenhub_client.h"
#include "tests/testing/fake_scheduler.h"
#include "tests/upstream/fake_http_transport.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::FakeScheduler;
using ::seedance::upstream::testing::FakeHttpTransport;
using ::seedance::upstream::testing::Reply;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// The value of the series `series` (name and labels exactly as exposed) in
// a scrape, or -1 when absent.
double Value(const std::string& scrape, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(scrape, '\n')) {
    if (absl::StartsWith(line, series + " ")) {
      double v = -1;
      if (absl::SimpleAtod(line.substr(series.size() + 1), &v)) return v;
    }
  }
  return -1;
}

PrometheusMetrics MakeMetrics() {
  PrometheusMetricsOptions options;
  options.version = "1.2.3";
  options.commit = "abc123";
  options.max_streams = 77;
  return PrometheusMetrics(upstream::PriceTable::Default(), options);
}

TEST(PrometheusMetricsTest, ExposesEveryNameOfTheContract) {
  const std::string scrape = MakeMetrics().Scrape();
  for (const char* name :
       {"seedance_build_info", "seedance_grpc_server_handled_total",
        "seedance_grpc_server_handling_seconds", "seedance_watch_streams_open",
        "seedance_watch_streams_limit", "seedance_pollers_active",
        "seedance_poll_lateness_seconds", "seedance_upstream_requests_total",
        "seedance_upstream_request_duration_seconds",
        "seedance_upstream_retries_total", "seedance_upstream_reachable",
        "seedance_creates_total", "seedance_spend_estimated_usd_micros_total",
        "seedance_spend_actual_usd_micros_total",
        "seedance_store_operation_duration_seconds",
        "seedance_store_errors_total"}) {
    EXPECT_THAT(scrape, HasSubstr(absl::StrCat("# TYPE ", name, " "))) << name;
  }
  EXPECT_EQ(
      Value(scrape, R"(seedance_build_info{commit="abc123",version="1.2.3"})"),
      1);
  EXPECT_EQ(Value(scrape, "seedance_watch_streams_limit"), 77);
  // Every label combination exists from the start, at 0, so rates and
  // alerts see a series before its first event.
  EXPECT_EQ(
      Value(
          scrape,
          R"(seedance_upstream_requests_total{operation="create",outcome="timeout"})"),
      0);
}

TEST(PrometheusMetricsTest, CallsCountByMethodAndCodeAndTime) {
  PrometheusMetrics metrics = MakeMetrics();
  metrics.RpcHandled("GetVideo", absl::StatusCode::kOk);
  metrics.RpcHandled("GetVideo", absl::StatusCode::kOk);
  metrics.RpcHandled("WatchVideo", absl::StatusCode::kResourceExhausted);
  metrics.RpcLatency("CreateVideo", absl::Milliseconds(30));
  metrics.RpcHandled("NoSuchMethod", absl::StatusCode::kOk);  // ignored
  const std::string scrape = metrics.Scrape();
  EXPECT_EQ(
      Value(
          scrape,
          R"(seedance_grpc_server_handled_total{grpc_code="OK",grpc_method="GetVideo"})"),
      2);
  EXPECT_EQ(
      Value(
          scrape,
          R"(seedance_grpc_server_handled_total{grpc_code="ResourceExhausted",grpc_method="WatchVideo"})"),
      1);
  EXPECT_EQ(
      Value(
          scrape,
          R"(seedance_grpc_server_handling_seconds_count{grpc_method="CreateVideo"})"),
      1);
  EXPECT_EQ(
      Value(
          scrape,
          R"(seedance_grpc_server_handling_seconds_bucket{grpc_method="CreateVideo",le="0.025"})"),
      0);
  EXPECT_EQ(
      Value(
          scrape,
          R"(seedance_grpc_server_handling_seconds_bucket{grpc_method="CreateVideo",le="0.05"})"),
      1);
  EXPECT_THAT(scrape, Not(HasSubstr("NoSuchMethod")));
}

TEST(PrometheusMetricsTest, ReachableFollowsTheLastUpstreamOutcome) {
  PrometheusMetrics metrics = MakeMetrics();
  EXPECT_EQ(Value(metrics.Scrape(), "seedance_upstream_reachable"), 1);
  metrics.UpstreamRequest(UpstreamOperation::kGet, UpstreamOutcome::kTimeout,
                          absl::Seconds(30));
  EXPECT_EQ(Value(metrics.Scrape(), "seedance_upstream_reachable"), 0);
  metrics.UpstreamRequest(UpstreamOperation::kGet, UpstreamOutcome::kHttp4xx,
                          absl::Milliseconds(3));
  const std::string scrape = metrics.Scrape();
  EXPECT_EQ(Value(scrape, "seedance_upstream_reachable"), 1);
  EXPECT_EQ(
      Value(
          scrape,
          R"(seedance_upstream_requests_total{operation="get",outcome="timeout"})"),
      1);
  EXPECT_EQ(
      Value(
          scrape,
          R"(seedance_upstream_request_duration_seconds_count{operation="get"})"),
      2);
}

TEST(PrometheusMetricsTest, SpendByModelAndResolution) {
  PrometheusMetrics metrics = MakeMetrics();
  metrics.TaskCreated("doubao-seedance-2.0", v1::RESOLUTION_UNSPECIFIED,
                      1'000'000);  // the upstream default: 720p
  metrics.TaskCreated("doubao-seedance-2.0", v1::RESOLUTION_480P, 600'000);
  // A Video carries its rate, not its resolution: $0.12/s is 480p.
  metrics.ActualSpend("doubao-seedance-2.0", 120'000, 480'000);
  metrics.TaskCreated("not-a-model", v1::RESOLUTION_480P, 5);  // no series
  const std::string scrape = metrics.Scrape();
  EXPECT_EQ(
      Value(
          scrape,
          R"(seedance_creates_total{model="doubao-seedance-2.0",resolution="720p"})"),
      1);
  EXPECT_EQ(
      Value(
          scrape,
          R"(seedance_spend_estimated_usd_micros_total{model="doubao-seedance-2.0",resolution="720p"})"),
      1'000'000);
  EXPECT_EQ(
      Value(
          scrape,
          R"(seedance_spend_estimated_usd_micros_total{model="doubao-seedance-2.0",resolution="480p"})"),
      600'000);
  EXPECT_EQ(
      Value(
          scrape,
          R"(seedance_spend_actual_usd_micros_total{model="doubao-seedance-2.0",resolution="480p"})"),
      480'000);
  EXPECT_THAT(scrape, Not(HasSubstr("not-a-model")));
}

TEST(PrometheusMetricsTest, AnUnknownRateCountsAsUnknownResolution) {
  PrometheusMetrics metrics = MakeMetrics();
  metrics.ActualSpend("doubao-seedance-2.0", 999, 10);
  EXPECT_EQ(
      Value(
          metrics.Scrape(),
          R"(seedance_spend_actual_usd_micros_total{model="doubao-seedance-2.0",resolution="unknown"})"),
      10);
}

TEST(PrometheusMetricsTest, LiveGaugesAreReadAtEachScrape) {
  PrometheusMetrics metrics = MakeMetrics();
  int64_t streams = 3;
  metrics.SetLiveSources({[&] { return streams; }, [] { return int64_t{5}; }});
  EXPECT_EQ(Value(metrics.Scrape(), "seedance_watch_streams_open"), 3);
  streams = 4;
  const std::string scrape = metrics.Scrape();
  EXPECT_EQ(Value(scrape, "seedance_watch_streams_open"), 4);
  EXPECT_EQ(Value(scrape, "seedance_pollers_active"), 5);
  metrics.SetLiveSources({});
  EXPECT_EQ(Value(metrics.Scrape(), "seedance_watch_streams_open"), 0);
}

TEST(PrometheusMetricsTest, StoreCallsTimeEveryOperationAndCountFailures) {
  PrometheusMetrics metrics = MakeMetrics();
  metrics.StoreCall(StoreOperation::kBeginCreate, absl::Milliseconds(2), true);
  metrics.StoreCall(StoreOperation::kBeginCreate, absl::Seconds(3), false);
  const std::string scrape = metrics.Scrape();
  EXPECT_EQ(
      Value(
          scrape,
          R"(seedance_store_operation_duration_seconds_count{operation="begin_create"})"),
      2);
  EXPECT_EQ(
      Value(scrape, R"(seedance_store_errors_total{operation="begin_create"})"),
      1);
  EXPECT_EQ(
      Value(scrape, R"(seedance_store_errors_total{operation="owner_key"})"),
      0);
}

// Records what the decorators report.
class RecordingMetrics final : public GatewayMetrics {
 public:
  void RpcHandled(absl::string_view, absl::StatusCode) override {}
  void RpcLatency(absl::string_view, absl::Duration) override {}
  void PollLateness(absl::Duration lateness) override {
    lateness_.push_back(lateness);
  }
  void UpstreamRequest(UpstreamOperation operation, UpstreamOutcome outcome,
                       absl::Duration) override {
    requests_.push_back(absl::StrCat(UpstreamOperationName(operation), "/",
                                     UpstreamOutcomeName(outcome)));
  }
  void UpstreamRetry(UpstreamOperation operation) override {
    retries_.emplace_back(UpstreamOperationName(operation));
  }
  void TaskCreated(absl::string_view, v1::Resolution, int64_t) override {}
  void ActualSpend(absl::string_view model, int64_t rate,
                   int64_t actual) override {
    spend_.push_back(absl::StrCat(model, "@", rate, "=", actual));
  }
  void StoreCall(StoreOperation operation, absl::Duration, bool ok) override {
    store_.push_back(
        absl::StrCat(StoreOperationName(operation), ok ? "/ok" : "/failed"));
  }

  std::vector<absl::Duration> lateness_;
  std::vector<std::string> requests_;
  std::vector<std::string> retries_;
  std::vector<std::string> spend_;
  std::vector<std::string> store_;
};

TEST(MeteredTransportTest, EachRequestIsCountedByOperationAndOutcome) {
  FakeHttpTransport inner;
  RecordingMetrics metrics;
  MeteredTransport transport(inner, metrics);
  inner.Push(Reply(200, "{}"));
  inner.Push(Reply(404, "{}"));
  inner.Push(Reply(503, "{}"));
  inner.Push(absl::DeadlineExceededError("took too long"));
  inner.Push(absl::UnavailableError("connection refused"));
  for (const char* method : {"POST", "GET", "GET", "GET", "POST"}) {
    upstream::HttpRequest request;
    request.method = method;
    transport.Send(std::move(request), [](auto) {});
  }
  EXPECT_THAT(metrics.requests_,
              ElementsAre("create/ok", "get/http_4xx", "get/http_5xx",
                          "get/timeout", "create/transport_error"));
}

TEST(UpstreamRetryHookTest, EachRetryOfAGetIsReported) {
  FakeScheduler scheduler;
  FakeHttpTransport transport;
  RecordingMetrics metrics;
  upstream::TokenHubClientOptions options;
  options.base_url = "https://tokenhub.test/api/v1";
  options.api_key = "th-test";
  options.on_retry = [&](absl::string_view method) {
    metrics.UpstreamRetry(method == "POST" ? UpstreamOperation::kCreate
                                           : UpstreamOperation::kGet);
  };
  auto client = upstream::MakeTokenHubClient(
      options, transport, scheduler,
      std::make_unique<upstream::ExponentialBackoffPolicy>(
          absl::Seconds(1), absl::Seconds(1), 2.0, 1));
  transport.Push(Reply(503, "{}"));
  transport.Push(Reply(503, "{}"));
  transport.Push(Reply(
      200,
      R"({"id":"task-1","model":"m","status":"queued","created":1719900000})"));
  bool done = false;
  client->GetVideo("task-1", {}, [&](auto) { done = true; });
  scheduler.AdvanceTime(absl::Seconds(5));
  EXPECT_TRUE(done);
  EXPECT_THAT(metrics.retries_, ElementsAre("get", "get"));
}

TEST(LatenessSchedulerTest, ReportsHowLateEachTimerRan) {
  FakeScheduler inner;
  RecordingMetrics metrics;
  LatenessScheduler scheduler(inner, metrics);
  bool ran = false;
  // Due 2 s ago: the scheduler runs it now, 2 s late.
  scheduler.RunAt(inner.Now() - absl::Seconds(2), [&] { ran = true; });
  inner.RunDue();
  EXPECT_TRUE(ran);
  ASSERT_EQ(metrics.lateness_.size(), 1u);
  EXPECT_EQ(metrics.lateness_[0], absl::Seconds(2));
  // A cancelled timer reports nothing.
  Scheduler::TimerId id = scheduler.RunAfter(absl::Seconds(1), [] {});
  EXPECT_TRUE(scheduler.Cancel(id));
  inner.AdvanceTime(absl::Seconds(2));
  EXPECT_EQ(metrics.lateness_.size(), 1u);
}

class CountingRecorder final : public TaskRecorder {
 public:
  void Record(const std::string&, const std::string&,
              const store::Observation&) override {
    ++records;
  }
  int records = 0;
};

TEST(SpendRecorderTest, CountsTheActualCostOfAFinishedTaskOnly) {
  CountingRecorder next;
  RecordingMetrics metrics;
  SpendRecorder recorder(&next, metrics);
  store::Observation running;
  running.video.set_model("doubao-seedance-2.0");
  running.video.set_status(v1::VIDEO_STATUS_RUNNING);
  running.video.mutable_price()->set_rate_micros_per_second(200'000);
  recorder.Record("owner", "cgt-1", running);
  store::Observation done = running;
  done.video.set_status(v1::VIDEO_STATUS_SUCCEEDED);
  done.video.mutable_price()->set_actual_micros(1'000'000);
  recorder.Record("owner", "cgt-1", done);
  EXPECT_THAT(metrics.spend_,
              ElementsAre("doubao-seedance-2.0@200000=1000000"));
  EXPECT_EQ(next.records, 2);  // every observation is still recorded
}

// A store that answers every call with one status.
class AnsweringStore final : public store::TaskStore {
 public:
  explicit AnsweringStore(absl::Status answer) : answer_(std::move(answer)) {}
  absl::StatusOr<store::BeginResult> BeginCreate(const store::NewCreate&,
                                                 absl::Time) override {
    return answer_;
  }
  absl::Status FinishCreate(int64_t, store::CreateState, const v1::Video&,
                            const absl::Status&, absl::Time) override {
    return answer_;
  }
  absl::StatusOr<store::TaskRecord> RecordObservation(
      const std::string&, const std::string&,
      const store::Observation&) override {
    return answer_;
  }
  absl::StatusOr<store::TaskRecord> GetTask(const std::string&,
                                            const std::string&) override {
    return answer_;
  }
  absl::StatusOr<store::TaskRecord> GetByRequestId(
      const std::string&, const std::string&) override {
    return answer_;
  }
  absl::StatusOr<std::vector<store::TransitionRecord>> Transitions(
      const std::string&, const std::string&) override {
    return answer_;
  }
  absl::StatusOr<store::ListPage> ListTasks(const store::ListQuery&) override {
    return answer_;
  }
  absl::StatusOr<std::vector<store::TaskRecord>> ListUnfinished(int64_t,
                                                                int) override {
    return answer_;
  }
  absl::StatusOr<int64_t> ExpireBefore(absl::Time) override { return answer_; }
  absl::StatusOr<std::string> OwnerKey() override { return answer_; }
  absl::StatusOr<std::vector<store::TaskRecord>> ClaimLeases(
      const std::string&, absl::Span<const std::string>, absl::Time,
      absl::Duration, int) override {
    return answer_;
  }
  absl::StatusOr<std::vector<store::HeldLease>> RenewLeases(
      const std::string&, absl::Time, absl::Duration) override {
    return answer_;
  }
  absl::StatusOr<int64_t> ReleaseLeases(const std::string&) override {
    return answer_;
  }
  absl::Status RecordContacts(const std::string&,
                              absl::Span<const store::TaskContact>) override {
    return answer_;
  }
  absl::StatusOr<store::LeaseShare> ShareLeases(const std::string&,
                                                absl::Span<const std::string>,
                                                absl::Time,
                                                absl::Duration) override {
    return answer_;
  }
  absl::StatusOr<std::vector<store::HeldLease>> ShedLeases(const std::string&,
                                                           int) override {
    return answer_;
  }

 private:
  const absl::Status answer_;
};

TEST(MeteredTaskStoreTest, AFailingStoreCountsErrorsButNotFoundIsAnAnswer) {
  RecordingMetrics metrics;
  MeteredTaskStore down(
      std::make_unique<AnsweringStore>(absl::UnavailableError("down")),
      metrics);
  EXPECT_FALSE(down.GetTask("o", "t").ok());
  EXPECT_FALSE(down.FinishCreate(1, store::CreateState::kCreated, v1::Video(),
                                 absl::OkStatus(), absl::Now())
                   .ok());
  MeteredTaskStore empty(
      std::make_unique<AnsweringStore>(absl::NotFoundError("no such task")),
      metrics);
  EXPECT_FALSE(empty.GetTask("o", "t").ok());
  EXPECT_THAT(
      metrics.store_,
      ElementsAre("get_task/failed", "finish_create/failed", "get_task/ok"));
}

}  // namespace
}  // namespace seedance::gateway
