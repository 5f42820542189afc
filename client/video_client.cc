// VideoClient: calls, deadlines, cancellation and the resuming watch loop.
#include "client/video_client.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/transition_filter.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "server/common/status_details.h"

namespace seedance::client {
namespace {

std::chrono::system_clock::time_point DeadlineAfter(absl::Duration timeout) {
  return absl::ToChronoTime(absl::Now() + timeout);
}

// Full-jitter exponential backoff: each wait is drawn from [window/2,
// window], the window doubling up to `maximum`, so clients cut off by the
// same replica do not all reconnect in the same instant.
class ReconnectBackoff {
 public:
  ReconnectBackoff(absl::Duration initial, absl::Duration maximum)
      : initial_(initial),
        maximum_(std::max(initial, maximum)),
        window_(initial),
        random_(std::random_device{}()) {}

  absl::Duration Next() {
    double low = absl::ToDoubleSeconds(window_) / 2;
    double high = absl::ToDoubleSeconds(window_);
    std::uniform_real_distribution<double> draw(low, high);
    window_ = std::min(window_ * 2, maximum_);
    return absl::Seconds(draw(random_));
  }
  void Reset() { window_ = initial_; }

 private:
  absl::Duration initial_;
  absl::Duration maximum_;
  absl::Duration window_;
  std::mt19937_64 random_;
};

// A PEM file's text; the error names what it was for (never its content).
absl::StatusOr<std::string> ReadPem(const std::string& path,
                                    absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", what, " ", path));
  }
  std::ostringstream pem;
  pem << in.rdbuf();
  return pem.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ClientOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_file.empty()) {
      absl::StatusOr<std::string> pem = ReadPem(options.ca_file, "CA file");
      if (!pem.ok()) return pem.status();
      ssl.pem_root_certs = *std::move(pem);
    }
    if (options.cert_file.empty() != options.key_file.empty()) {
      return absl::InvalidArgumentError(
          "--tls-cert and --tls-key go together: give both or neither");
    }
    if (!options.cert_file.empty()) {
      absl::StatusOr<std::string> cert =
          ReadPem(options.cert_file, "certificate file");
      if (!cert.ok()) return cert.status();
      absl::StatusOr<std::string> key = ReadPem(options.key_file, "key file");
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *std::move(cert);
      ssl.pem_private_key = *std::move(key);
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  // Our own loop paces reconnects; the channel should dial again promptly.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  if (options.tls && !options.server_name.empty()) {
    args.SetSslTargetNameOverride(options.server_name);
  }
  return grpc::CreateCustomChannel(options.target, credentials, args);
}

absl::StatusOr<std::unique_ptr<VideoClient>> VideoClient::Create(
    ClientOptions options) {
  auto channel = MakeChannel(options);
  if (!channel.ok()) return channel.status();
  return std::make_unique<VideoClient>(*std::move(channel), std::move(options));
}

VideoClient::VideoClient(std::shared_ptr<grpc::Channel> channel,
                         ClientOptions options)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      stub_(v1::VideoService::NewStub(channel_)) {}

void VideoClient::PrepareUnary(grpc::ClientContext& context) const {
  context.set_deadline(DeadlineAfter(options_.timeout));
  if (!options_.api_key.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.api_key);
  }
}

bool VideoClient::Register(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return false;
  in_flight_.insert(context);
  return true;
}

void VideoClient::Unregister(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  in_flight_.erase(context);
}

void VideoClient::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  for (grpc::ClientContext* context : in_flight_) context->TryCancel();
}

bool VideoClient::WaitUnlessCancelled(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&cancelled_), delay);
  return !cancelled_;
}

grpc::Status VideoClient::CreateOnce(const v1::CreateVideoRequest& request,
                                     v1::CreateVideoResponse& response) {
  grpc::ClientContext context;
  PrepareUnary(context);
  if (!Register(&context)) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
  }
  grpc::Status status = stub_->CreateVideo(&context, request, &response);
  Unregister(&context);
  return status;
}

absl::StatusOr<v1::Video> VideoClient::Create(
    const v1::CreateVideoRequest& request) {
  const absl::Time give_up = absl::Now() + options_.create_retry_for;
  std::mt19937_64 random{std::random_device{}()};
  absl::Duration window = absl::Milliseconds(100);
  for (;;) {
    v1::CreateVideoResponse response;
    grpc::Status status = CreateOnce(request, response);
    if (status.ok()) return std::move(*response.mutable_video());
    // Only a create with a request_id is safe to send again: the gateway
    // then answers the first one's task.
    const bool retryable =
        !request.request_id().empty() &&
        (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
         status.error_code() == grpc::StatusCode::ABORTED);
    const absl::Duration wait =
        absl::Nanoseconds(std::uniform_int_distribution<int64_t>(
            0, absl::ToInt64Nanoseconds(window))(random));
    if (!retryable || absl::Now() + wait >= give_up) {
      return FromGrpcStatus(status);
    }
    window = std::min(window * 2, absl::Seconds(5));
    absl::MutexLock lock(&mu_);
    // Cancel() ends the wait at once.
    if (mu_.AwaitWithTimeout(absl::Condition(&cancelled_), wait)) {
      return absl::CancelledError("client cancelled");
    }
  }
}

absl::StatusOr<v1::Video> VideoClient::Get(absl::string_view id) {
  grpc::ClientContext context;
  PrepareUnary(context);
  if (!Register(&context)) return absl::CancelledError("client cancelled");
  v1::GetVideoRequest request;
  request.set_id(std::string(id));
  v1::GetVideoResponse response;
  grpc::Status status = stub_->GetVideo(&context, request, &response);
  Unregister(&context);
  if (!status.ok()) return FromGrpcStatus(status);
  return std::move(*response.mutable_video());
}

absl::Status VideoClient::WatchOnce(absl::string_view id,
                                    const WatchOptions& options,
                                    TransitionFilter& filter, bool& received,
                                    const WatchCallback& on_message) {
  grpc::ClientContext context;
  if (!options_.api_key.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.api_key);
  }
  v1::WatchVideoRequest request;
  request.set_id(std::string(id));
  request.set_after_sequence(filter.resume_point());
  if (options.heartbeat_interval > absl::ZeroDuration()) {
    absl::Duration interval = options.heartbeat_interval;
    int64_t seconds = absl::IDivDuration(interval, absl::Seconds(1), &interval);
    request.mutable_heartbeat_interval()->set_seconds(seconds);
    request.mutable_heartbeat_interval()->set_nanos(
        static_cast<int32_t>(absl::ToInt64Nanoseconds(interval)));
  }
  if (!Register(&context)) return absl::CancelledError("client cancelled");
  auto reader = stub_->WatchVideo(&context, request);
  v1::WatchVideoResponse message;
  while (reader->Read(&message)) {
    received = true;
    if (filter.Accept(message)) on_message(message);
  }
  grpc::Status status = reader->Finish();
  Unregister(&context);
  return FromGrpcStatus(status);
}

absl::Status VideoClient::Watch(absl::string_view id,
                                const WatchOptions& options,
                                const WatchCallback& on_message) {
  TransitionFilter filter(options.after_sequence);
  ReconnectBackoff backoff(options.backoff_initial, options.backoff_max);
  absl::Time outage_start = absl::InfiniteFuture();
  while (true) {
    bool received = false;
    absl::Status status = WatchOnce(id, options, filter, received, on_message);
    if (status.ok() || filter.saw_final()) return absl::OkStatus();
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) return absl::CancelledError("watch cancelled");
    }
    // A replica that exits right after draining may reset the stream before
    // its UNAVAILABLE trailers arrive: we see CANCELLED that we did not ask
    // for. Both mean "this replica is gone", so both resume.
    if (status.code() != absl::StatusCode::kUnavailable &&
        status.code() != absl::StatusCode::kCancelled) {
      return status;
    }
    absl::Time now = absl::Now();
    if (received) {
      // The stream worked before it broke: a new outage starts now.
      outage_start = now;
      backoff.Reset();
    } else if (outage_start == absl::InfiniteFuture()) {
      outage_start = now;
    }
    absl::Duration left = outage_start + options.max_reconnect_time - now;
    if (left <= absl::ZeroDuration()) {
      return absl::UnavailableError(
          absl::StrCat("gateway unreachable for ",
                       absl::FormatDuration(options.max_reconnect_time), ": ",
                       status.message()));
    }
    if (!WaitUnlessCancelled(std::min(backoff.Next(), left))) {
      return absl::CancelledError("watch cancelled");
    }
  }
}

}  // namespace seedance::client
