// SimControl: see sim_control.h.
#include "bench/sim_control.h"

#include "absl/strings/str_cat.h"
#include "bench/curl_handles.h"
#include "rapidjson/document.h"

namespace seedance::bench {

absl::StatusOr<SimSnapshot> ParseSimStats(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return absl::DataLossError("/_sim/stats is not a JSON object");
  }
  SimSnapshot snapshot;
  if (doc.HasMember("gets") && doc["gets"].IsInt64()) {
    snapshot.gets = doc["gets"].GetInt64();
  }
  if (doc.HasMember("create_requests") && doc["create_requests"].IsInt64()) {
    snapshot.create_requests = doc["create_requests"].GetInt64();
  }
  if (doc.HasMember("gets_by_task") && doc["gets_by_task"].IsObject()) {
    for (const auto& member : doc["gets_by_task"].GetObject()) {
      if (member.value.IsInt64()) {
        snapshot.gets_by_task[member.name.GetString()] =
            member.value.GetInt64();
      }
    }
  }
  if (doc.HasMember("tasks") && doc["tasks"].IsObject()) {
    for (const auto& task : doc["tasks"].GetObject()) {
      if (!task.value.IsObject() || !task.value.HasMember("transitions") ||
          !task.value["transitions"].IsObject()) {
        continue;
      }
      auto& out = snapshot.transitions[task.name.GetString()];
      for (const auto& step : task.value["transitions"].GetObject()) {
        if (step.value.IsInt64()) {
          out[step.name.GetString()] = step.value.GetInt64();
        }
      }
    }
  }
  return snapshot;
}

absl::StatusOr<SimSnapshot> SimControl::Stats() const {
  absl::StatusOr<HttpReply> reply = HttpCall("GET", root_ + "/_sim/stats");
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) {
    return absl::UnavailableError(
        absl::StrCat("/_sim/stats: HTTP ", reply->status));
  }
  return ParseSimStats(reply->body);
}

absl::Status SimControl::Advance(const std::vector<std::string>& ids) const {
  for (const std::string& id : ids) {
    absl::StatusOr<HttpReply> reply =
        HttpCall("POST", absl::StrCat(root_, "/_sim/tasks/", id, "/advance"));
    if (!reply.ok()) return reply.status();
    if (reply->status != 200) {
      return absl::InternalError(absl::StrCat("advance ", id, ": HTTP ",
                                              reply->status, " ", reply->body));
    }
  }
  return absl::OkStatus();
}

}  // namespace seedance::bench
