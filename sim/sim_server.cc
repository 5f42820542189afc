// Request routing and the TokenHub behaviour of the simulator (see
// sim_server.h, docs/SIMULATOR.md).
#include "sim/sim_server.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "rapidjson/document.h"
#include "sim/byte_range.h"
#include "sim/media_assets.h"
#include "sim/replies.h"
#include "sim/request_validator.h"
#include "sim/timeline.h"

namespace tokenhub_sim {
namespace {

constexpr absl::string_view kCreatePath = "/api/v1/videos/generations";
constexpr absl::string_view kApiPrefix = "/api/v1/";
constexpr absl::string_view kMediaPrefix = "/media/";
constexpr absl::string_view kControlPrefix = "/_sim/";

struct ErrorShape {
  absl::string_view type;
  absl::string_view code;
};

// The OpenAI-style type and code sent with each status (the contract is
// silent; docs/SIMULATOR.md records the choice).
ErrorShape ShapeFor(int status) {
  switch (status) {
    case 400:
      return {"invalid_request_error", "invalid_parameter"};
    case 401:
      return {"authentication_error", "invalid_api_key"};
    case 404:
      return {"not_found_error", "not_found"};
    case 405:
      return {"invalid_request_error", "method_not_allowed"};
    case 409:
      return {"invalid_request_error", "conflict"};
    case 413:
      return {"invalid_request_error", "request_too_large"};
    case 429:
      return {"rate_limit_error", "rate_limit_exceeded"};
    case 502:
      return {"server_error", "bad_gateway"};
    case 503:
      return {"server_error", "service_unavailable"};
    case 504:
      return {"server_error", "gateway_timeout"};
    default:
      return status >= 500 ? ErrorShape{"server_error", "internal_error"}
                           : ErrorShape{"invalid_request_error", "error"};
  }
}

void SetError(int status, absl::string_view message, HttpReply* reply) {
  ErrorShape shape = ShapeFor(status);
  reply->status = status;
  reply->body = ErrorBody(message, shape.type, shape.code);
}

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kFailedPrecondition:
      return 409;
    default:
      return 400;
  }
}

// Faults that answer instead of the service (the request is not
// processed: a POST creates nothing). Returns true if it answered.
bool ApplyPreFault(const FaultRule& fault, HttpReply* reply) {
  switch (fault.kind) {
    case FaultKind::kStatus:
    case FaultKind::kRateLimit:
      SetError(fault.status,
               fault.status == 429 ? "rate limit exceeded (simulated)"
                                   : "upstream error (simulated)",
               reply);
      if (fault.retry_after_seconds >= 0) {
        reply->headers.emplace_back(
            "Retry-After",
            fault.retry_after_date
                ? ImfFixdate(absl::Now() +
                             absl::Seconds(fault.retry_after_seconds))
                : absl::StrCat(fault.retry_after_seconds));
      }
      return true;
    case FaultKind::kStall:
      reply->delivery = HttpReply::Delivery::kStall;
      reply->stall_for = fault.duration;
      return true;
    case FaultKind::kReset:
      reply->delivery = HttpReply::Delivery::kReset;
      return true;
    case FaultKind::kLatency:
      reply->delay = fault.duration;
      return false;
    default:
      return false;
  }
}

// Faults that damage a successful reply after the request was processed (a
// POST did create its task). `key` is the caller's, for echo_key. Returns
// false if the fault did not apply.
bool ApplyPostFault(const FaultRule& fault, absl::string_view key,
                    HttpReply* reply) {
  if (reply->status < 200 || reply->status > 299) return false;
  bool json = reply->content_type == "application/json";
  switch (fault.kind) {
    case FaultKind::kResetAfterCreate:
      reply->delivery = HttpReply::Delivery::kReset;
      return true;
    case FaultKind::kTruncate:
      reply->delivery = HttpReply::Delivery::kTruncate;
      return true;
    case FaultKind::kMalformed:
      if (!json) return false;
      reply->body =
          R"({"object":"video.generation.task","status":<html>502</html>)";
      return true;
    case FaultKind::kUnknownStatus:
    case FaultKind::kMissingFields:
    case FaultKind::kExtraFields:
    case FaultKind::kHuge:
    case FaultKind::kEchoKey: {
      if (!json) return false;
      rapidjson::Document doc;
      doc.Parse(reply->body.data(), reply->body.size());
      if (doc.HasParseError()) return false;
      if (fault.kind == FaultKind::kEchoKey) {
        ApplyEchoKey(fault.text, key, &doc);
        reply->headers.emplace_back("X-Echo-Key", std::string(key));
      } else {
        ApplyContentFault(fault, &doc);
      }
      reply->body = ToJson(doc);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

absl::Status ValidateSimOptions(const SimOptions& options) {
  if (options.keys.empty()) {
    return absl::InvalidArgumentError("at least one API key is required");
  }
  absl::flat_hash_set<std::string> keys, labels;
  for (const KeyEntry& entry : options.keys) {
    if (entry.key.empty() || entry.label.empty()) {
      return absl::InvalidArgumentError("keys and labels must not be empty");
    }
    if (!keys.insert(entry.key).second || !labels.insert(entry.label).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("duplicate key or label \"", entry.label, "\""));
    }
  }
  if (!(options.time_scale > 0) || options.time_scale > 1e6) {
    return absl::InvalidArgumentError("time scale must be > 0");
  }
  if (options.queued_for < absl::ZeroDuration() ||
      options.running_for < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("phase durations must be >= 0");
  }
  if (options.threads < 1 || options.threads > 64) {
    return absl::InvalidArgumentError("threads must be in 1..64");
  }
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError("port must be in 0..65535");
  }
  if (options.max_body_bytes == 0 || options.max_header_bytes < 1024) {
    return absl::InvalidArgumentError("size caps are too small");
  }
  return absl::OkStatus();
}

SimServer::SimServer(SimOptions options)
    : options_(std::move(options)),
      tasks_(options_.seed),
      faults_(options_.seed) {
  for (const KeyEntry& entry : options_.keys) {
    labels_by_key_[entry.key] = entry.label;
  }
  for (const FaultRule& rule : options_.faults) faults_.Add(rule);
}

absl::StatusOr<std::unique_ptr<SimServer>> SimServer::Start(
    SimOptions options) {
  absl::Status valid = ValidateSimOptions(options);
  if (!valid.ok()) return valid;
  std::unique_ptr<SimServer> sim(new SimServer(std::move(options)));
  HttpServerOptions http;
  http.host = sim->options_.host;
  http.port = sim->options_.port;
  http.threads = sim->options_.threads;
  http.max_body_bytes = sim->options_.max_body_bytes;
  http.max_header_bytes = sim->options_.max_header_bytes;
  http.idle_timeout = sim->options_.idle_timeout;
  http.stall_cap = sim->options_.stall_cap;
  SimServer* self = sim.get();
  http.on_connection = [self] { self->stats_.CountConnection(); };
  http.on_protocol_error = [self](absl::string_view kind) {
    self->stats_.CountError(kind);
  };
  absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(
      std::move(http), [self](const HttpRequest& request, HttpReply* reply) {
        self->Handle(request, reply);
      });
  if (!server.ok()) return server.status();
  sim->http_ = *std::move(server);
  return sim;
}

SimServer::~SimServer() { Stop(); }

void SimServer::Stop() {
  if (http_ != nullptr) http_->Stop();
}

int SimServer::port() const { return http_->port(); }

std::string SimServer::RootUrl(int port) const {
  absl::string_view host = options_.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  return absl::StrContains(host, ':')
             ? absl::StrCat("http://[", host, "]:", port)
             : absl::StrCat("http://", host, ":", port);
}

std::string SimServer::root_url() const { return RootUrl(port()); }

std::string SimServer::base_url() const {
  return absl::StrCat(root_url(), "/api/v1");
}

std::string SimServer::MediaBase(const HttpRequest& request) const {
  // Behind a wildcard address the client knows best how it reached us.
  if ((options_.host == "0.0.0.0" || options_.host == "::") &&
      !request.host.empty()) {
    return absl::StrCat("http://", request.host);
  }
  // Not port(): handlers must not read http_ (see HttpRequest::local_port).
  return RootUrl(request.local_port);
}

void SimServer::AddFault(FaultRule rule) { faults_.Add(std::move(rule)); }

absl::Status SimServer::AddFaults(absl::string_view specs) {
  absl::StatusOr<std::vector<FaultRule>> rules = ParseFaultRules(specs);
  if (!rules.ok()) return rules.status();
  for (FaultRule& rule : *rules) faults_.Add(std::move(rule));
  return absl::OkStatus();
}

void SimServer::ClearFaults() { faults_.Clear(); }

SimStats SimServer::stats() const {
  SimStats stats = stats_.Snapshot();
  tasks_.ForEach(absl::Now(), [&stats](const TaskView& view) {
    TaskStats& task = stats.tasks[view.id];
    task.key_label = view.key_label;
    task.status = view.status;
    for (const auto& [status, at] : view.transitions) {
      task.transitions_us.emplace_back(status, absl::ToUnixMicros(at));
    }
  });
  return stats;
}

std::string SimServer::StatsJson() const { return stats().ToJson(); }

void SimServer::ResetStats() { stats_.Reset(); }

void SimServer::Reset() {
  tasks_.Clear();
  stats_.Reset();
}

absl::Status SimServer::AdvanceTask(absl::string_view id) {
  return tasks_.Advance(id, absl::Now());
}

absl::Status SimServer::ForceTask(absl::string_view id,
                                  absl::string_view status,
                                  absl::string_view error_message) {
  return tasks_.Force(id, status, error_message, absl::Now());
}

std::optional<TaskView> SimServer::GetTask(absl::string_view id) const {
  TaskView view;
  if (!tasks_.Get(id, absl::Now(), &view, /*with_request_body=*/true)) {
    return std::nullopt;
  }
  return view;
}

void SimServer::Error(int status, absl::string_view message, HttpReply* reply) {
  SetError(status, message, reply);
  stats_.CountError(absl::StrCat(status));
}

void SimServer::Handle(const HttpRequest& request, HttpReply* reply) {
  absl::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  if (absl::ConsumePrefix(&path, kControlPrefix)) {
    HandleControl(request, path, reply);
  } else if (absl::StartsWith(path, kApiPrefix)) {
    HandleApi(request, path, reply);
  } else if (absl::StartsWith(path, kMediaPrefix)) {
    HandleMedia(request, path, reply);
  } else {
    stats_.CountRequest();
    Error(404, "no such endpoint", reply);
  }
  if (options_.verbose) {
    // Never the Authorization header: keys stay out of logs.
    std::fprintf(stderr, "tokenhub-sim: %s %s -> %d%s\n",
                 absl::CHexEscape(request.method).c_str(),
                 absl::CHexEscape(request.target).c_str(), reply->status,
                 reply->delivery == HttpReply::Delivery::kNormal
                     ? ""
                     : " (fault delivery)");
  }
}

void SimServer::HandleApi(const HttpRequest& request, absl::string_view path,
                          HttpReply* reply) {
  stats_.CountRequest();
  bool is_create = path == kCreatePath;
  absl::string_view id = path;
  if (!is_create && (!absl::ConsumePrefix(&id, kCreatePath) ||
                     !absl::ConsumePrefix(&id, "/") || id.empty() ||
                     absl::StrContains(id, '/'))) {
    Error(404, "no such endpoint", reply);
    return;
  }
  absl::string_view allowed = is_create ? "POST" : "GET";
  if (request.method != allowed) {
    reply->headers.emplace_back("Allow", std::string(allowed));
    Error(405, absl::StrCat("method ", request.method, " not allowed"), reply);
    return;
  }

  std::string label;
  absl::string_view auth = request.authorization;
  absl::string_view key;  // as sent, for echo_key
  if (auth.size() > 7 && absl::EqualsIgnoreCase(auth.substr(0, 7), "bearer ")) {
    key = absl::StripAsciiWhitespace(auth.substr(7));
    auto it = labels_by_key_.find(key);
    if (it != labels_by_key_.end()) label = it->second;
  }
  std::optional<TaskView> task;
  if (is_create) {
    stats_.CountPost(label);
  } else {
    TaskView view;
    if (tasks_.Get(id, absl::Now(), &view)) task = std::move(view);
    stats_.CountGet(label, task ? id : absl::string_view());
  }

  std::optional<FaultRule> fault = faults_.Evaluate(
      is_create ? FaultMethod::kPost : FaultMethod::kGet, FaultPath::kApi);
  if (fault && ApplyPreFault(*fault, reply)) {
    stats_.CountError(FaultStatsKind(*fault));
    return;
  }
  // Like an error status: answered instead of the service.
  if (fault && fault->kind == FaultKind::kEchoKey && fault->text == "error") {
    SetError(401, "", reply);
    reply->body = EchoKeyErrorBody(key);
    reply->headers.emplace_back("X-Echo-Key", std::string(key));
    stats_.CountError(FaultStatsKind(*fault));
    return;
  }
  if (label.empty()) {
    Error(401,
          auth.empty() ? "missing API key (Authorization: Bearer th-...)"
                       : "invalid API key",
          reply);
  } else if (is_create) {
    HandleCreate(request, label, reply);
  } else {
    HandleGetTask(request, label, task, reply);
  }
  if (fault && (fault->kind == FaultKind::kLatency ||
                ApplyPostFault(*fault, key, reply))) {
    stats_.CountError(FaultStatsKind(*fault));
  }
}

void SimServer::HandleCreate(const HttpRequest& request,
                             absl::string_view label, HttpReply* reply) {
  absl::StatusOr<CreateRequest> create = ValidateCreateRequest(request.body);
  if (!create.ok()) {
    Error(400, create.status().message(), reply);
    return;
  }
  TimelineDefaults defaults;
  defaults.queued_for = options_.queued_for * options_.time_scale;
  defaults.running_for = options_.running_for * options_.time_scale;
  absl::StatusOr<Timeline> timeline =
      TimelineFromPrompt(create->prompt, defaults);
  if (!timeline.ok()) {
    Error(400, timeline.status().message(), reply);
    return;
  }
  TaskSpec spec;
  spec.key_label = std::string(label);
  spec.model = create->model;
  spec.duration_seconds = create->duration_seconds;
  spec.resolution = create->resolution;
  spec.request_body = std::string(request.body);
  spec.timeline = *std::move(timeline);
  absl::Time now = absl::Now();
  std::string id = tasks_.Create(std::move(spec), now);
  stats_.CountCreate(label);
  TaskView view;
  tasks_.Get(id, now, &view);
  rapidjson::Document doc;
  BuildTaskDocument(view, MediaBase(request), &doc);
  reply->body = ToJson(doc);
}

void SimServer::HandleGetTask(const HttpRequest& request,
                              absl::string_view label,
                              const std::optional<TaskView>& task,
                              HttpReply* reply) {
  // Another key's task gets exactly the reply of an unknown id, so ids do
  // not leak across keys.
  if (!task || task->key_label != label) {
    Error(404, "task not found", reply);
    return;
  }
  rapidjson::Document doc;
  BuildTaskDocument(*task, MediaBase(request), &doc);
  reply->body = ToJson(doc);
}

void SimServer::HandleMedia(const HttpRequest& request, absl::string_view path,
                            HttpReply* reply) {
  stats_.CountRequest();
  if (request.method != "GET" && request.method != "HEAD") {
    reply->headers.emplace_back("Allow", "GET, HEAD");
    Error(405, absl::StrCat("method ", request.method, " not allowed"), reply);
    return;
  }
  stats_.CountMediaGet();
  std::optional<FaultRule> fault =
      faults_.Evaluate(FaultMethod::kGet, FaultPath::kMedia);
  if (fault && ApplyPreFault(*fault, reply)) {
    stats_.CountError(FaultStatsKind(*fault));
    return;
  }
  absl::string_view rest = path.substr(kMediaPrefix.size());
  size_t slash = rest.find('/');
  absl::string_view id = rest.substr(0, slash);
  absl::string_view file =
      slash == absl::string_view::npos ? "" : rest.substr(slash + 1);
  TaskView task;
  if ((file != "video.mp4" && file != "cover.jpg") ||
      !tasks_.Get(id, absl::Now(), &task)) {
    Error(404, "no such media", reply);
    return;
  }
  bool video = file == "video.mp4";
  absl::string_view bytes = video ? VideoMp4() : CoverJpeg();
  reply->content_type = video ? "video/mp4" : "image/jpeg";
  reply->headers.emplace_back("Accept-Ranges", "bytes");
  reply->omit_body = request.method == "HEAD";
  ByteRange range = ParseByteRange(request.range, bytes.size());
  switch (range.kind) {
    case ByteRange::Kind::kWhole:
      reply->body = std::string(bytes);
      break;
    case ByteRange::Kind::kPartial:
      reply->status = 206;
      reply->headers.emplace_back(
          "Content-Range", absl::StrCat("bytes ", range.first, "-", range.last,
                                        "/", bytes.size()));
      reply->body =
          std::string(bytes.substr(range.first, range.last - range.first + 1));
      break;
    case ByteRange::Kind::kUnsatisfiable:
      reply->content_type = "application/json";
      reply->headers.emplace_back("Content-Range",
                                  absl::StrCat("bytes */", bytes.size()));
      Error(416, "range not satisfiable", reply);
      return;
  }
  if (fault && (fault->kind == FaultKind::kLatency ||
                ApplyPostFault(*fault, {}, reply))) {
    stats_.CountError(FaultStatsKind(*fault));
  }
}

void SimServer::ControlResult(const absl::Status& status, HttpReply* reply) {
  if (status.ok()) {
    reply->body = R"({"ok":true})";
  } else {
    SetError(HttpStatusOf(status), status.message(), reply);
  }
}

void SimServer::HandleControl(const HttpRequest& request,
                              absl::string_view path, HttpReply* reply) {
  absl::string_view method = request.method;
  if (path == "health" && method == "GET") {
    reply->body = R"({"status":"ok"})";
  } else if (path == "stats" && method == "GET") {
    reply->body = StatsJson();
  } else if (path == "reset" && method == "POST") {
    Reset();
    ControlResult(absl::OkStatus(), reply);
  } else if (path == "faults" && method == "GET") {
    reply->body = faults_.ListJson();
  } else if (path == "faults" && method == "POST") {
    ControlResult(AddFaults(request.body), reply);
  } else if (path == "faults" && method == "DELETE") {
    ClearFaults();
    ControlResult(absl::OkStatus(), reply);
  } else if (absl::ConsumePrefix(&path, "tasks/")) {
    HandleTaskControl(request, path, reply);
  } else {
    SetError(404, "no such control endpoint (or wrong method)", reply);
  }
}

void SimServer::HandleTaskControl(const HttpRequest& request,
                                  absl::string_view rest, HttpReply* reply) {
  absl::string_view method = request.method;
  absl::string_view id = rest;
  if (absl::ConsumeSuffix(&id, "/advance")) {
    if (method != "POST") return SetError(405, "POST only", reply);
    return ControlResult(AdvanceTask(id), reply);
  }
  if (method == "POST") {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(request.body.data(),
                                              request.body.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("status") ||
        !doc["status"].IsString()) {
      return SetError(400, R"(body must be {"status":"...","error":"..."})",
                      reply);
    }
    std::string error;
    if (doc.HasMember("error") && doc["error"].IsString()) {
      error = doc["error"].GetString();
    }
    return ControlResult(ForceTask(id, doc["status"].GetString(), error),
                         reply);
  }
  if (method != "GET") return SetError(405, "GET or POST only", reply);
  std::optional<TaskView> task = GetTask(id);
  if (!task) return SetError(404, "task not found", reply);
  // The task object a client would see, plus what the simulator knows.
  rapidjson::Document doc;
  BuildTaskDocument(*task, MediaBase(request), &doc);
  auto& a = doc.GetAllocator();
  doc.AddMember("sim_key", rapidjson::Value(task->key_label.c_str(), a), a);
  doc.AddMember("sim_resolution", rapidjson::Value(task->resolution.c_str(), a),
                a);
  rapidjson::Value transitions(rapidjson::kObjectType);
  for (const auto& [status, at] : task->transitions) {
    rapidjson::Value us;
    us.SetInt64(absl::ToUnixMicros(at));
    transitions.AddMember(rapidjson::Value(status.c_str(), a), us, a);
  }
  doc.AddMember("sim_transitions", transitions, a);
  rapidjson::Document body(&a);
  body.Parse(task->request_body.data(), task->request_body.size());
  if (!body.HasParseError()) doc.AddMember("sim_request", body, a);
  reply->body = ToJson(doc);
}

}  // namespace tokenhub_sim
