// Report formatting; see report.h.
#include "bench/report.h"

#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/fleet_report.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace seedance::bench {
namespace {

const char* Verdict(bool met) { return met ? "MET" : "MISSED"; }

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

void Row(std::string& out, absl::string_view what, const std::string& value,
         const std::string& target = "") {
  absl::StrAppendFormat(&out, "  %-44s %-34s %s\n", what, value, target);
}

void WriteSummary(rapidjson::Writer<rapidjson::StringBuffer>& json,
                  const Summary& summary) {
  json.StartObject();
  json.Key("count");
  json.Int64(summary.count);
  json.Key("p50");
  json.Double(summary.p50);
  json.Key("p99");
  json.Double(summary.p99);
  json.Key("max");
  json.Double(summary.max);
  json.Key("mean");
  json.Double(summary.mean);
  json.EndObject();
}

void WritePath(rapidjson::Writer<rapidjson::StringBuffer>& json,
               const CreatePathFigures& path) {
  json.StartObject();
  json.Key("requests");
  json.Int64(path.requests);
  json.Key("errors");
  json.Int64(path.errors);
  json.Key("per_second");
  json.Double(path.per_second);
  json.Key("latency_ms");
  WriteSummary(json, path.latency_ms);
  json.Key("bench_cpu_us");
  json.Double(path.bench_cpu_us);
  json.Key("gateway_cpu_us");
  json.Double(path.gateway_cpu_us);
  json.Key("sim_cpu_us");
  json.Double(path.sim_cpu_us);
  json.EndObject();
}

// The targets of docs/PERFORMANCE.md, one place for the table and JSON.
bool FanoutMet(const FanoutResult& fanout) {
  // "Does not grow": the W/T point within 10 % (plus counting granularity)
  // of the 1-per-task point.
  const double low = fanout.gateway.front().gets_per_task_per_period;
  const double high = fanout.gateway.back().gets_per_task_per_period;
  return high <= low * 1.1 + 0.05;
}
bool DelayMet(const DelayResult& delay) {
  return delay.delay_ms.p99 <= Ms(delay.target);
}

std::string DelayRunName(const DelayResult& delay) {
  if (delay.spread == absl::ZeroDuration()) {
    return "every task changing at once";
  }
  return absl::StrCat("changes spread over ",
                      absl::FormatDuration(delay.spread));
}
bool CapacityMet(const CapacityResult& capacity) {
  return capacity.streams >= 10000 && capacity.bytes_per_stream <= 32 * 1024;
}
bool CreateMet(const CreateResult& create) {
  return create.throughput_ratio >= 0.8;
}

bool StoreP50Met(const StoreCreateFigures& store) {
  return store.p50_added_ms <= kStoreMaxAddedP50Ms;
}
bool StoreThroughputMet(const StoreCreateFigures& store) {
  return store.throughput_ratio >= kStoreMinThroughputRatio;
}
// What a store may add per create and keep kStoreMinThroughputRatio of
// `none`'s throughput, if throughput follows the CPU of all three processes.
double StoreCpuBudgetUs(const StoreCreateFigures& none) {
  return (none.bench_cpu_us + none.gateway_cpu_us + none.sim_cpu_us) *
         (1 / kStoreMinThroughputRatio - 1);
}

double Mib(int64_t bytes) { return static_cast<double>(bytes) / 1048576.0; }

void StoreCreateTable(std::string& out, const StoreCreateResult& result) {
  absl::StrAppendFormat(
      &out,
      "\ncreate path by store (closed loop, %d in flight; medians of %d "
      "alternating rounds of %s per store)\n",
      result.concurrency, result.rounds, absl::FormatDuration(result.round));
  for (const StoreCreateFigures& store : result.stores) {
    if (!store.skipped.empty()) {
      absl::StrAppendFormat(&out, "  --store=%s: skipped: %s\n", store.name,
                            store.skipped);
      continue;
    }
    absl::StrAppendFormat(&out, "  --store=%s\n", store.spec);
    Row(out, "  creates",
        absl::StrFormat("%.0f req/s, p50 %.2f ms, p99 %.2f ms",
                        store.per_second, store.p50_ms, store.p99_ms),
        absl::StrFormat("%d ok, %d errors", store.requests, store.errors));
    if (store.errors > 0) {
      Row(out, "  first error", store.first_error);
    }
    Row(out, "  CPU per create",
        absl::StrFormat("bench %.0f + gateway %.0f + sim %.0f us",
                        store.bench_cpu_us, store.gateway_cpu_us,
                        store.sim_cpu_us));
    if (store.name == "none") {
      // If throughput follows CPU (the processes share the machine's
      // cores), keeping 80 % of it leaves a store a quarter of this.
      Row(out, "  CPU per create 80 % leaves a store",
          absl::StrFormat("%.0f us", StoreCpuBudgetUs(store)),
          "(bench + gateway + sim) x 0.25");
      continue;
    }
    Row(out, "  throughput / none",
        absl::StrFormat("%.0f %%", 100 * store.throughput_ratio),
        absl::StrFormat(">= %.0f %%: %s", 100 * kStoreMinThroughputRatio,
                        Verdict(StoreThroughputMet(store))));
    Row(out, "  p50 / p99 added to none",
        absl::StrFormat("%+.2f / %+.2f ms", store.p50_added_ms,
                        store.p99_added_ms),
        absl::StrFormat("p50 <= +%.0f ms: %s", kStoreMaxAddedP50Ms,
                        Verdict(StoreP50Met(store))));
    Row(out, "  gateway CPU per create / none",
        absl::StrFormat("%.2fx", store.gateway_cpu_ratio));
    for (const StoreAloneFigures& alone : store.alone) {
      Row(out, absl::StrFormat("  store alone, %d per batch", alone.batch),
          absl::StrFormat("%.0f us CPU, %.0f us wall per create", alone.cpu_us,
                          alone.wall_us),
          absl::StrFormat("%d creates, no gateway", alone.creates));
    }
    if (!store.alone_error.empty()) {
      Row(out, "  store alone", absl::StrCat("failed: ", store.alone_error));
    }
  }
}

void CreateRssTable(std::string& out, const CreateRssResult& result) {
  absl::StrAppendFormat(
      &out,
      "\ngateway RSS after %d creates (tasks final at once, followers "
      "ended)\n",
      result.creates);
  for (const CreateRssFigures& store : result.stores) {
    absl::StrAppendFormat(&out, "  --store=%s\n", store.spec);
    Row(out, "  RSS start / after / peak (VmHWM)",
        absl::StrFormat("%.1f / %.1f / %.1f MiB", Mib(store.rss_start),
                        Mib(store.rss_after), Mib(store.rss_peak)),
        absl::StrFormat("%+.0f bytes per create", store.bytes_per_create));
    Row(out, "  creates",
        absl::StrFormat("%d ok, %d errors in %.1f s", store.creates,
                        store.errors, absl::ToDoubleSeconds(store.create_time)),
        absl::StrFormat("quiet %.1f s later",
                        absl::ToDoubleSeconds(store.settle_time)));
    if (store.errors > 0) Row(out, "  first error", store.first_error);
  }
}

void StoreCreateJson(rapidjson::Writer<rapidjson::StringBuffer>& json,
                     const StoreCreateResult& result) {
  json.StartObject();
  json.Key("concurrency");
  json.Int(result.concurrency);
  json.Key("rounds");
  json.Int(result.rounds);
  json.Key("round_ms");
  json.Double(Ms(result.round));
  json.Key("max_added_p50_ms");
  json.Double(kStoreMaxAddedP50Ms);
  json.Key("min_throughput_ratio");
  json.Double(kStoreMinThroughputRatio);
  json.Key("stores");
  json.StartArray();
  for (const StoreCreateFigures& store : result.stores) {
    json.StartObject();
    json.Key("name");
    json.String(store.name.c_str());
    if (!store.skipped.empty()) {
      json.Key("skipped");
      json.String(store.skipped.c_str());
      json.EndObject();
      continue;
    }
    json.Key("spec");
    json.String(store.spec.c_str());
    json.Key("requests");
    json.Int64(store.requests);
    json.Key("errors");
    json.Int64(store.errors);
    json.Key("per_second");
    json.Double(store.per_second);
    json.Key("p50_ms");
    json.Double(store.p50_ms);
    json.Key("p99_ms");
    json.Double(store.p99_ms);
    json.Key("bench_cpu_us");
    json.Double(store.bench_cpu_us);
    json.Key("gateway_cpu_us");
    json.Double(store.gateway_cpu_us);
    json.Key("sim_cpu_us");
    json.Double(store.sim_cpu_us);
    if (store.name != "none") {
      json.Key("throughput_ratio");
      json.Double(store.throughput_ratio);
      json.Key("p50_added_ms");
      json.Double(store.p50_added_ms);
      json.Key("p99_added_ms");
      json.Double(store.p99_added_ms);
      json.Key("gateway_cpu_ratio");
      json.Double(store.gateway_cpu_ratio);
      json.Key("target_met");
      json.Bool(StoreP50Met(store) && StoreThroughputMet(store));
      json.Key("alone");
      json.StartArray();
      for (const StoreAloneFigures& alone : store.alone) {
        json.StartObject();
        json.Key("batch");
        json.Int(alone.batch);
        json.Key("creates");
        json.Int64(alone.creates);
        json.Key("cpu_us");
        json.Double(alone.cpu_us);
        json.Key("wall_us");
        json.Double(alone.wall_us);
        json.EndObject();
      }
      json.EndArray();
      if (!store.alone_error.empty()) {
        json.Key("alone_error");
        json.String(store.alone_error.c_str());
      }
    } else {
      json.Key("store_cpu_budget_us");
      json.Double(StoreCpuBudgetUs(store));
    }
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
}

void CreateRssJson(rapidjson::Writer<rapidjson::StringBuffer>& json,
                   const CreateRssResult& result) {
  json.StartObject();
  json.Key("creates");
  json.Int64(result.creates);
  json.Key("stores");
  json.StartArray();
  for (const CreateRssFigures& store : result.stores) {
    json.StartObject();
    json.Key("name");
    json.String(store.name.c_str());
    json.Key("spec");
    json.String(store.spec.c_str());
    json.Key("creates");
    json.Int64(store.creates);
    json.Key("errors");
    json.Int64(store.errors);
    json.Key("create_seconds");
    json.Double(absl::ToDoubleSeconds(store.create_time));
    json.Key("settle_seconds");
    json.Double(absl::ToDoubleSeconds(store.settle_time));
    json.Key("rss_start_bytes");
    json.Int64(store.rss_start);
    json.Key("rss_after_bytes");
    json.Int64(store.rss_after);
    json.Key("rss_peak_bytes");
    json.Int64(store.rss_peak);
    json.Key("bytes_per_create");
    json.Double(store.bytes_per_create);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
}

// Naive GETs per task per (5 s) period over the gateway's per its period.
double RatioPerPeriod(const FanoutResult& fanout) {
  const double gateway = fanout.gateway.back().gets_per_task_per_period;
  return gateway > 0 ? fanout.naive_full_per_period / gateway : 0;
}

}  // namespace

std::string DescribeMachine() {
  std::ifstream loadavg("/proc/loadavg");
  std::string one, five, fifteen;
  loadavg >> one >> five >> fifteen;
  return absl::StrCat(std::thread::hardware_concurrency(),
                      " cores, load average ", one, " ", five, " ", fifteen,
                      " at start");
}

std::string FormatTable(const Report& report) {
  std::string out =
      absl::StrCat("seedance-bench", report.quick ? " --quick" : "", " (",
                   report.machine, ")\n");
  if (report.fanout) {
    const FanoutResult& f = *report.fanout;
    absl::StrAppendFormat(&out, "\nfan-out (gateway polling period %s)\n",
                          absl::FormatDuration(f.gateway_period));
    for (const FanoutPoint& point : f.gateway) {
      Row(out,
          absl::StrFormat("gateway, %d watchers / %d tasks", point.watchers,
                          point.tasks),
          absl::StrFormat("%.2f GETs/task/period (%.2f /s)",
                          point.gets_per_task_per_period,
                          point.gets_per_task_per_second));
    }
    Row(out, "upstream GETs/task do not grow with watchers", "",
        Verdict(FanoutMet(f)));
    Row(out,
        absl::StrFormat("naive measured: %d clients / %d tasks",
                        f.naive_clients, f.naive_tasks),
        absl::StrFormat("%.2f GETs/task/%s (predicted %.2f)",
                        f.naive_measured_per_period,
                        absl::FormatDuration(f.naive_period),
                        f.naive_predicted_per_period));
    Row(out,
        absl::StrFormat("naive at %d watchers / %d tasks (5 s)",
                        f.gateway.back().watchers, f.gateway.back().tasks),
        absl::StrFormat("%.2f GETs/task/period (%.2f /s)",
                        f.naive_full_per_period, f.naive_full_per_second));
    Row(out, "naive / gateway, GETs per task per period",
        absl::StrFormat("%.0fx", RatioPerPeriod(f)));
    Row(out, "naive / gateway, GETs per task per second",
        absl::StrFormat("%.1fx", f.ratio_per_second),
        absl::StrFormat("(gateway polling every %s)",
                        absl::FormatDuration(f.gateway_period)));
  }
  for (const auto* delay : {&report.delay, &report.delay_spread}) {
    if (!delay->has_value()) continue;
    const DelayResult& d = **delay;
    absl::StrAppendFormat(&out, "\nevent delay, %s (%d transitions, %d gaps)\n",
                          DelayRunName(d), d.transitions, d.gaps);
    Row(out, "p50 / p99 / max",
        absl::StrFormat("%.1f / %.1f / %.1f ms", d.delay_ms.p50, d.delay_ms.p99,
                        d.delay_ms.max),
        absl::StrFormat("p99 <= %.0f ms: %s", Ms(d.target),
                        Verdict(DelayMet(d))));
    auto part = [&](absl::string_view name, const Summary& summary) {
      Row(out, name,
          absl::StrFormat("%.1f / %.1f / %.1f ms", summary.p50, summary.p99,
                          summary.max));
    };
    part("  detection (sim -> gateway event_time)", d.detection_ms);
    part("  delivery (gateway event_time -> watcher)", d.delivery_ms);
  }
  if (report.capacity) {
    const CapacityResult& c = *report.capacity;
    absl::StrAppendFormat(&out,
                          "\nstream capacity (%d idle streams on %d tasks)\n",
                          c.streams, c.tasks);
    Row(out, "opened in",
        absl::StrFormat("%.2f s", absl::ToDoubleSeconds(c.open_time)),
        absl::StrFormat(">= 10000 streams: %s", Verdict(c.streams >= 10000)));
    Row(out, "gateway RSS before / with streams",
        absl::StrFormat("%.1f / %.1f MiB",
                        static_cast<double>(c.rss_before) / 1048576.0,
                        static_cast<double>(c.rss_with) / 1048576.0));
    Row(out, "RSS per stream",
        absl::StrFormat("%.1f KiB", c.bytes_per_stream / 1024.0),
        absl::StrFormat("<= 32 KiB: %s",
                        Verdict(c.bytes_per_stream <= 32 * 1024)));
    Row(out,
        absl::StrFormat("gateway CPU while idle (%s)",
                        absl::FormatDuration(c.idle)),
        absl::StrFormat("%.1f %% of one core", 100 * c.idle_cpu_share));
  }
  if (report.sse) {
    const SseResult& e = *report.sse;
    absl::StrAppendFormat(&out,
                          "\nSSE streams, web face (%d streams on %d tasks)\n",
                          e.streams, e.tasks);
    Row(out, "opened in",
        absl::StrFormat("%.2f s", absl::ToDoubleSeconds(e.open_time)));
    Row(out, "gateway RSS before / with streams",
        absl::StrFormat("%.1f / %.1f MiB",
                        static_cast<double>(e.rss_before) / 1048576.0,
                        static_cast<double>(e.rss_with) / 1048576.0));
    Row(out, "RSS per stream",
        absl::StrFormat("%.1f KiB", e.bytes_per_stream / 1024.0),
        absl::StrFormat("<= 16 KiB: %s",
                        Verdict(e.bytes_per_stream <= 16 * 1024)));
    Row(out, "delivery (gateway event_time -> SSE client)",
        absl::StrFormat("p50 %.1f / p99 %.1f / max %.1f ms", e.delivery_ms.p50,
                        e.delivery_ms.p99, e.delivery_ms.max));
  }
  if (report.create) {
    const CreateResult& c = *report.create;
    absl::StrAppendFormat(&out, "\ncreate path (closed loop, %d in flight)\n",
                          c.concurrency);
    auto path = [&](absl::string_view name, const CreatePathFigures& p) {
      Row(out, name,
          absl::StrFormat("%.0f req/s, p50 %.2f ms, p99 %.2f ms", p.per_second,
                          p.latency_ms.p50, p.latency_ms.p99),
          absl::StrFormat("%d ok, %d errors", p.requests, p.errors));
    };
    path("via gateway (gRPC)", c.gateway);
    path("direct REST to tokenhub-sim", c.direct);
    auto cpu = [&](absl::string_view name, const CreatePathFigures& p) {
      Row(out, name,
          absl::StrFormat("bench %.0f + gateway %.0f + sim %.0f us",
                          p.bench_cpu_us, p.gateway_cpu_us, p.sim_cpu_us));
    };
    cpu("CPU per create via gateway", c.gateway);
    cpu("CPU per create direct", c.direct);
    Row(out, "gateway / direct throughput",
        absl::StrFormat("%.0f %%", 100 * c.throughput_ratio),
        absl::StrFormat(">= 80 %%: %s", Verdict(CreateMet(c))));
  }
  if (report.store_create) StoreCreateTable(out, *report.store_create);
  if (report.create_rss) CreateRssTable(out, *report.create_rss);
  if (report.fleet) FleetTable(out, *report.fleet);
  return out;
}

std::string FormatJson(const Report& report) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartObject();
  json.Key("machine");
  json.String(report.machine.c_str());
  json.Key("quick");
  json.Bool(report.quick);
  if (report.fanout) {
    const FanoutResult& f = *report.fanout;
    json.Key("fanout");
    json.StartObject();
    json.Key("gateway_period_ms");
    json.Double(Ms(f.gateway_period));
    json.Key("gateway");
    json.StartArray();
    for (const FanoutPoint& point : f.gateway) {
      json.StartObject();
      json.Key("watchers");
      json.Int(point.watchers);
      json.Key("tasks");
      json.Int(point.tasks);
      json.Key("gets_per_task_per_period");
      json.Double(point.gets_per_task_per_period);
      json.Key("gets_per_task_per_second");
      json.Double(point.gets_per_task_per_second);
      json.EndObject();
    }
    json.EndArray();
    json.Key("naive_clients");
    json.Int(f.naive_clients);
    json.Key("naive_tasks");
    json.Int(f.naive_tasks);
    json.Key("naive_period_ms");
    json.Double(Ms(f.naive_period));
    json.Key("naive_measured_per_period");
    json.Double(f.naive_measured_per_period);
    json.Key("naive_predicted_per_period");
    json.Double(f.naive_predicted_per_period);
    json.Key("naive_full_per_period");
    json.Double(f.naive_full_per_period);
    json.Key("naive_full_per_second");
    json.Double(f.naive_full_per_second);
    json.Key("ratio_per_period");
    json.Double(RatioPerPeriod(f));
    json.Key("ratio_per_second");
    json.Double(f.ratio_per_second);
    json.Key("target_met");
    json.Bool(FanoutMet(f));
    json.EndObject();
  }
  for (const auto* delay : {&report.delay, &report.delay_spread}) {
    if (!delay->has_value()) continue;
    const DelayResult& d = **delay;
    json.Key(delay == &report.delay ? "delay" : "delay_spread");
    json.StartObject();
    json.Key("period_ms");
    json.Double(Ms(d.period));
    json.Key("target_ms");
    json.Double(Ms(d.target));
    json.Key("spread_ms");
    json.Double(Ms(d.spread));
    json.Key("transitions");
    json.Int64(d.transitions);
    json.Key("gaps");
    json.Int64(d.gaps);
    json.Key("delay_ms");
    WriteSummary(json, d.delay_ms);
    json.Key("detection_ms");
    WriteSummary(json, d.detection_ms);
    json.Key("delivery_ms");
    WriteSummary(json, d.delivery_ms);
    json.Key("target_met");
    json.Bool(DelayMet(d));
    json.EndObject();
  }
  if (report.capacity) {
    const CapacityResult& c = *report.capacity;
    json.Key("capacity");
    json.StartObject();
    json.Key("streams");
    json.Int(c.streams);
    json.Key("tasks");
    json.Int(c.tasks);
    json.Key("open_seconds");
    json.Double(absl::ToDoubleSeconds(c.open_time));
    json.Key("rss_before_bytes");
    json.Int64(c.rss_before);
    json.Key("rss_with_bytes");
    json.Int64(c.rss_with);
    json.Key("bytes_per_stream");
    json.Double(c.bytes_per_stream);
    json.Key("idle_cpu_share");
    json.Double(c.idle_cpu_share);
    json.Key("target_met");
    json.Bool(CapacityMet(c));
    json.EndObject();
  }
  if (report.create) {
    const CreateResult& c = *report.create;
    json.Key("create");
    json.StartObject();
    json.Key("concurrency");
    json.Int(c.concurrency);
    json.Key("gateway");
    WritePath(json, c.gateway);
    json.Key("direct");
    WritePath(json, c.direct);
    json.Key("throughput_ratio");
    json.Double(c.throughput_ratio);
    json.Key("target_met");
    json.Bool(CreateMet(c));
    json.EndObject();
  }
  if (report.store_create) {
    json.Key("create_store");
    StoreCreateJson(json, *report.store_create);
  }
  if (report.create_rss) {
    json.Key("create_rss");
    CreateRssJson(json, *report.create_rss);
  }
  if (report.fleet) {
    json.Key("fleet");
    FleetJson(json, *report.fleet);
  }
  json.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace seedance::bench
