// The NDJSON renderer: one JSON object per line on stdout, flushed at once
// so a script reading the pipe sees each event as it happens. The full
// Video travels as protobuf's canonical JSON under "video"; the fields
// scripts branch on most (id, status, price) are repeated at the top.
#include <string>

#include "client/event_renderer.h"
#include "client/status_text.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "server/common/status_details.h"

namespace seedance::client {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using google::protobuf::util::TimeUtil;

void Key(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

void VideoFields(Writer& w, const v1::Video& video) {
  Key(w, "id", video.id());
  Key(w, "status", StatusName(video.status()));
  if (video.has_price()) {
    w.Key("estimated_micros");
    w.Int64(video.price().estimated_micros());
    if (video.price().has_actual_micros()) {
      w.Key("actual_micros");
      w.Int64(video.price().actual_micros());
    }
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (google::protobuf::util::MessageToJsonString(video, &json, options).ok()) {
    w.Key("video");
    w.RawValue(json.c_str(), json.size(), rapidjson::kObjectType);
  }
}

class JsonRenderer final : public EventRenderer {
 public:
  JsonRenderer(std::FILE* out, std::FILE* err) : out_(out), err_(err) {}

  void Created(const v1::Video& video, bool dry_run) override {
    Emit("created", [&](Writer& w) {
      w.Key("dry_run");
      w.Bool(dry_run);
      VideoFields(w, video);
    });
  }

  void Snapshot(const v1::Video& video) override {
    Emit("video", [&](Writer& w) { VideoFields(w, video); });
  }

  void Watched(const v1::WatchVideoResponse& message) override {
    Emit(message.has_video() ? "video" : "heartbeat", [&](Writer& w) {
      w.Key("sequence");
      w.Int64(message.sequence());
      Key(w, "event_time", TimeUtil::ToString(message.event_time()));
      if (message.has_video()) {
        VideoFields(w, message.video());
        return;
      }
      const v1::Heartbeat& beat = message.heartbeat();
      w.Key("elapsed_seconds");
      w.Double(static_cast<double>(
                   TimeUtil::DurationToMilliseconds(beat.elapsed())) /
               1000.0);
      w.Key("upstream_reachable");
      w.Bool(beat.upstream_reachable());
      if (!beat.upstream_error().empty()) {
        Key(w, "upstream_error", beat.upstream_error());
      }
    });
  }

  void DownloadProgress(int64_t, int64_t) override {}  // decorative only

  void Downloaded(const std::string& path, int64_t bytes) override {
    Emit("download", [&](Writer& w) {
      Key(w, "path", path);
      w.Key("bytes");
      w.Int64(bytes);
    });
  }

  void Failed(const absl::Status& status) override {
    Emit("error", [&](Writer& w) {
      Key(w, "code", absl::StatusCodeToString(status.code()));
      Key(w, "message", std::string(status.message()));
      if (auto bad = GetDetail<google::rpc::BadRequest>(status)) {
        w.Key("violations");
        w.StartArray();
        for (const auto& violation : bad->field_violations()) {
          w.StartObject();
          Key(w, "field", violation.field());
          Key(w, "description", violation.description());
          w.EndObject();
        }
        w.EndArray();
      }
    });
    std::fputs(("seedance: " + DescribeStatus(status)).c_str(), err_);
  }

 private:
  template <typename Body>
  void Emit(const char* event, const Body& body) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    Key(w, "event", event);
    body(w);
    w.EndObject();
    std::fputs(buffer.GetString(), out_);
    std::fputc('\n', out_);
    std::fflush(out_);
  }

  std::FILE* out_;
  std::FILE* err_;
};

}  // namespace

std::unique_ptr<EventRenderer> MakeJsonRenderer(std::FILE* out,
                                                std::FILE* err) {
  return std::make_unique<JsonRenderer>(out, err);
}

}  // namespace seedance::client
