// REST load generators on one curl multi handle; see rest_load.h.
#include "bench/rest_load.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "bench/curl_handles.h"

namespace seedance::bench {
namespace {

// One in-flight request slot: a reused easy handle (so its connection is
// kept alive) and what it needs while a transfer runs.
struct Slot {
  CurlEasy easy;
  std::string reply;
  absl::Time started;
  absl::Time next_due;  // naive pollers: when this client polls next
  std::string url;
};

CurlMulti NewMulti(std::size_t connections) {
  CurlMulti multi(curl_multi_init());
  if (multi) {
    // One connection per slot, all kept: a closed loop, not a connection test.
    curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS,
                      static_cast<long>(connections));
  }
  return multi;
}

void PrepareSlot(Slot& slot, const std::string& url, curl_slist* headers) {
  slot.easy.reset(curl_easy_init());
  slot.url = url;
  curl_easy_setopt(slot.easy.get(), CURLOPT_URL, slot.url.c_str());
  curl_easy_setopt(slot.easy.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(slot.easy.get(), CURLOPT_WRITEFUNCTION, AppendToString);
  curl_easy_setopt(slot.easy.get(), CURLOPT_WRITEDATA, &slot.reply);
  curl_easy_setopt(slot.easy.get(), CURLOPT_PRIVATE, &slot);
  curl_easy_setopt(slot.easy.get(), CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(slot.easy.get(), CURLOPT_NOSIGNAL, 1L);
}

// Runs the multi until `on_done` has been called for every finished
// transfer and nothing is left running; `on_done` may re-add the handle.
template <typename OnDone>
absl::Status Drive(CURLM* multi, absl::Time hard_deadline, OnDone on_done,
                   int poll_ms = 100) {
  int running = 1;
  while (true) {
    CURLMcode code = curl_multi_perform(multi, &running);
    if (code != CURLM_OK) {
      return absl::InternalError(
          absl::StrCat("curl_multi_perform: ", curl_multi_strerror(code)));
    }
    int queued = 0;
    bool any_added = false;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Slot* slot = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &slot);
      long status = 0;  // NOLINT(google-runtime-int): curl's type
      curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      bool ok = msg->data.result == CURLE_OK && status == 200;
      curl_multi_remove_handle(multi, msg->easy_handle);
      any_added |= on_done(*slot, ok);
    }
    bool idle_work = on_done.Tick();
    if (running == 0 && !any_added && !idle_work && on_done.Finished()) break;
    if (absl::Now() > hard_deadline) {
      return absl::DeadlineExceededError("REST load did not finish in time");
    }
    curl_multi_poll(multi, nullptr, 0, poll_ms, nullptr);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ClosedLoopResult> RunRestCreates(const std::string& api_base,
                                                const std::string& api_key,
                                                const std::string& prompt,
                                                int concurrency,
                                                absl::Duration duration) {
  CurlMulti multi = NewMulti(static_cast<std::size_t>(concurrency));
  if (!multi) return absl::InternalError("curl_multi_init failed");
  CurlSlist headers = ApiHeaders(api_key);
  const std::string url = api_base + "/videos/generations";
  const std::string body = absl::StrCat(
      R"({"model":"doubao-seedance-2.0","prompt":")", prompt, R"("})");
  std::vector<Slot> slots(static_cast<std::size_t>(concurrency));
  ClosedLoopResult result;
  const absl::Time start = absl::Now();
  const absl::Time stop_at = start + duration;

  auto launch = [&](Slot& slot) {
    slot.reply.clear();
    slot.started = absl::Now();
    curl_easy_setopt(slot.easy.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(slot.easy.get(), CURLOPT_POSTFIELDSIZE,
                     static_cast<long>(body.size()));
    curl_multi_add_handle(multi.get(), slot.easy.get());
  };
  for (Slot& slot : slots) {
    PrepareSlot(slot, url, headers.get());
    launch(slot);
  }
  struct {
    ClosedLoopResult& result;
    absl::Time stop_at;
    decltype(launch)& relaunch;
    bool operator()(Slot& slot, bool ok) {
      absl::Time now = absl::Now();
      if (ok) {
        result.latencies_us.push_back(
            absl::ToDoubleMicroseconds(now - slot.started));
      } else {
        ++result.errors;
      }
      if (now >= stop_at) return false;
      relaunch(slot);
      return true;
    }
    bool Tick() { return false; }
    bool Finished() { return absl::Now() >= stop_at; }
  } on_done{result, stop_at, launch};
  absl::Status driven =
      Drive(multi.get(), stop_at + absl::Seconds(60), on_done, /*poll_ms=*/10);
  if (!driven.ok()) return driven;
  result.elapsed = absl::Now() - start;
  return result;
}

absl::StatusOr<NaivePollResult> RunNaivePollers(
    const std::string& api_base, const std::string& api_key,
    const std::vector<std::string>& task_ids, int clients,
    absl::Duration period, absl::Duration duration) {
  if (task_ids.empty() || clients <= 0) {
    return absl::InvalidArgumentError("naive pollers need tasks and clients");
  }
  CurlMulti multi = NewMulti(static_cast<std::size_t>(clients));
  if (!multi) return absl::InternalError("curl_multi_init failed");
  CurlSlist headers = ApiHeaders(api_key);
  std::vector<Slot> slots(static_cast<std::size_t>(clients));
  const absl::Time start = absl::Now();
  const absl::Time stop_at = start + duration;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    PrepareSlot(slots[i],
                absl::StrCat(api_base, "/videos/generations/",
                             task_ids[i % task_ids.size()]),
                headers.get());
    // Clients poll out of phase, evenly spread over one period.
    slots[i].next_due = start + period * static_cast<double>(i) /
                                    static_cast<double>(slots.size());
  }
  std::vector<Slot*> idle;
  idle.reserve(slots.size());
  for (Slot& slot : slots) idle.push_back(&slot);

  NaivePollResult result;
  struct {
    NaivePollResult& result;
    std::vector<Slot*>& idle;
    CURLM* multi;
    absl::Duration period;
    absl::Time stop_at;
    bool operator()(Slot& slot, bool ok) {
      ok ? ++result.gets : ++result.errors;
      slot.next_due += period;
      idle.push_back(&slot);
      return false;
    }
    // Starts every client whose next poll is due.
    bool Tick() {
      absl::Time now = absl::Now();
      bool started = false;
      for (std::size_t i = 0; i < idle.size();) {
        Slot* slot = idle[i];
        if (slot->next_due <= now && slot->next_due < stop_at) {
          slot->reply.clear();
          curl_multi_add_handle(multi, slot->easy.get());
          idle[i] = idle.back();
          idle.pop_back();
          started = true;
        } else {
          ++i;
        }
      }
      return started;
    }
    bool Finished() { return absl::Now() >= stop_at; }
  } on_done{result, idle, multi.get(), period, stop_at};
  absl::Status driven =
      Drive(multi.get(), stop_at + absl::Seconds(60), on_done, /*poll_ms=*/5);
  if (!driven.ok()) return driven;
  result.elapsed = absl::Now() - start;
  return result;
}

}  // namespace seedance::bench
