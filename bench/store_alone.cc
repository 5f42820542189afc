// Store alone; see store_alone.h.
#include "bench/store_alone.h"

#include <sys/resource.h>

#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/types/variant.h"
#include "bench/request_id.h"
#include "server/store/task_store.h"

namespace seedance::bench {
namespace {

// The owner hash of the bench's writes: apart from the gateways' owners,
// so that a PostgreSQL database they share keeps their rows apart.
constexpr char kOwner[] = "seedance-bench-store-alone";
constexpr int kWarmupSteps = 20;

absl::StatusOr<absl::Duration> ProcessCpu() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) {
    return absl::InternalError("getrusage(RUSAGE_SELF) failed");
  }
  auto to = [](const timeval& t) {
    return absl::Seconds(t.tv_sec) + absl::Microseconds(t.tv_usec);
  };
  return to(usage.ru_utime) + to(usage.ru_stime);
}

store::NewCreate Create(std::mt19937_64& random) {
  store::NewCreate create;
  create.owner = kOwner;
  create.request_id = NewRequestId(random);
  create.request_hash = absl::StrCat("bench-", create.request_id);
  create.model = "doubao-seedance-2.0";
  create.price.set_estimated_micros(1'000'000);
  create.lease_holder = "seedance-bench#store-alone";
  create.lease_ttl = absl::Seconds(30);
  return create;
}

// One step: `batch` creates begun in one WriteBatch, then finished in
// another.
absl::Status Step(store::TaskStore& store, int batch, std::mt19937_64& random) {
  std::vector<store::WriteCall> begins;
  begins.reserve(batch);
  for (int i = 0; i < batch; ++i) {
    begins.emplace_back(store::BeginCreateCall{Create(random), absl::Now()});
  }
  std::vector<store::WriteResult> begun = store.WriteBatch(begins);
  std::vector<store::WriteCall> finishes;
  finishes.reserve(batch);
  for (store::WriteResult& result : begun) {
    auto* record = absl::get_if<absl::StatusOr<store::BeginResult>>(&result);
    if (record == nullptr) return absl::InternalError("BeginCreate: no result");
    if (!record->ok()) return record->status();
    v1::Video video;
    video.set_id(absl::StrCat("cgt-bench-alone-", (*record)->record.row_id));
    video.set_model("doubao-seedance-2.0");
    video.set_status(v1::VIDEO_STATUS_SUCCEEDED);
    video.set_upstream_status("succeeded");
    video.set_video_url("https://sim.invalid/videos/bench.mp4");
    finishes.emplace_back(store::FinishCreateCall{
        (*record)->record.row_id, store::CreateState::kCreated,
        std::move(video), absl::OkStatus(), absl::Now()});
  }
  for (store::WriteResult& result : store.WriteBatch(finishes)) {
    auto* status = absl::get_if<absl::Status>(&result);
    if (status == nullptr) {
      return absl::InternalError("FinishCreate: no result");
    }
    if (!status->ok()) return *status;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<StoreAloneFigures> MeasureStoreAlone(const std::string& spec,
                                                    int batch,
                                                    absl::Duration duration) {
  if (batch < 1) return absl::InvalidArgumentError("batch must be at least 1");
  absl::StatusOr<std::unique_ptr<store::TaskStore>> opened =
      store::OpenTaskStore(spec);
  if (!opened.ok()) return opened.status();
  store::TaskStore& store = **opened;
  std::mt19937_64 random(std::random_device{}());
  for (int i = 0; i < kWarmupSteps; ++i) {
    if (absl::Status s = Step(store, batch, random); !s.ok()) return s;
  }
  absl::StatusOr<absl::Duration> cpu_before = ProcessCpu();
  if (!cpu_before.ok()) return cpu_before.status();
  const absl::Time start = absl::Now();
  const absl::Time end = start + duration;
  StoreAloneFigures figures;
  figures.batch = batch;
  do {
    if (absl::Status s = Step(store, batch, random); !s.ok()) return s;
    figures.creates += batch;
  } while (absl::Now() < end);
  const absl::Duration wall = absl::Now() - start;
  absl::StatusOr<absl::Duration> cpu_after = ProcessCpu();
  if (!cpu_after.ok()) return cpu_after.status();
  const double creates = static_cast<double>(figures.creates);
  figures.cpu_us =
      absl::ToDoubleMicroseconds(*cpu_after - *cpu_before) / creates;
  figures.wall_us = absl::ToDoubleMicroseconds(wall) / creates;
  return figures;
}

}  // namespace seedance::bench
