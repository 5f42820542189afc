// Stats counters and their JSON rendering (see stats.h, docs/SIMULATOR.md).
#include "sim/stats.h"

#include <initializer_list>
#include <string>
#include <utility>

#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace tokenhub_sim {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(JsonWriter& w, const std::string& key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

void String(JsonWriter& w, const std::string& value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// Writes "name":n members.
void Ints(JsonWriter& w,
          std::initializer_list<std::pair<const char*, int64_t>> members) {
  for (const auto& [name, n] : members) {
    w.Key(name);
    w.Int64(n);
  }
}

void CountMap(JsonWriter& w, const char* name,
              const std::map<std::string, int64_t>& counts) {
  w.Key(name);
  w.StartObject();
  for (const auto& [key, n] : counts) {
    Key(w, key);
    w.Int64(n);
  }
  w.EndObject();
}

}  // namespace

std::string SimStats::ToJson() const {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  Ints(w, {{"requests", requests},
           {"creates", creates},
           {"create_requests", create_requests},
           {"gets", gets},
           {"media_gets", media_gets},
           {"connections_accepted", connections_accepted}});
  CountMap(w, "gets_by_task", gets_by_task);
  w.Key("requests_by_key");
  w.StartObject();
  for (const auto& [label, counts] : requests_by_key) {
    Key(w, label);
    w.StartObject();
    Ints(w, {{"creates", counts.creates},
             {"posts", counts.posts},
             {"gets", counts.gets}});
    w.EndObject();
  }
  w.EndObject();
  CountMap(w, "errors_by_kind", errors_by_kind);
  w.Key("tasks");
  w.StartObject();
  for (const auto& [id, task] : tasks) {
    Key(w, id);
    w.StartObject();
    w.Key("key");
    String(w, task.key_label);
    w.Key("status");
    String(w, task.status);
    w.Key("transitions");
    w.StartObject();
    for (const auto& [status, us] : task.transitions_us) {
      Key(w, status);
      w.Int64(us);
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

void StatsRecorder::CountRequest() {
  absl::MutexLock lock(&mu_);
  ++stats_.requests;
}

void StatsRecorder::CountPost(absl::string_view label) {
  absl::MutexLock lock(&mu_);
  ++stats_.create_requests;
  if (!label.empty()) ++stats_.requests_by_key[std::string(label)].posts;
}

void StatsRecorder::CountCreate(absl::string_view label) {
  absl::MutexLock lock(&mu_);
  ++stats_.creates;
  ++stats_.requests_by_key[std::string(label)].creates;
}

void StatsRecorder::CountGet(absl::string_view label,
                             absl::string_view task_id) {
  absl::MutexLock lock(&mu_);
  ++stats_.gets;
  if (!label.empty()) ++stats_.requests_by_key[std::string(label)].gets;
  if (!task_id.empty()) ++stats_.gets_by_task[std::string(task_id)];
}

void StatsRecorder::CountMediaGet() {
  absl::MutexLock lock(&mu_);
  ++stats_.media_gets;
}

void StatsRecorder::CountError(absl::string_view kind) {
  absl::MutexLock lock(&mu_);
  ++stats_.errors_by_kind[std::string(kind)];
}

void StatsRecorder::CountConnection() {
  absl::MutexLock lock(&mu_);
  ++stats_.connections_accepted;
}

SimStats StatsRecorder::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void StatsRecorder::Reset() {
  absl::MutexLock lock(&mu_);
  stats_ = SimStats();
}

}  // namespace tokenhub_sim
