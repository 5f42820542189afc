#include "server/gateway/sse_stream.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/buffer.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/http/status.hpp"
#include "server/gateway/call_log.h"
#include "server/gateway/heartbeat_event.h"
#include "server/gateway/http_mapping.h"

namespace seedance::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

// The `data:` of the closing `event: end`.
std::string EndData(const absl::Status& status) {
  if (status.ok()) {
    return R"({"code":0,"message":"the task reached its final state"})";
  }
  return HttpErrorFor(status).body;
}

}  // namespace

std::string SseFrame(absl::string_view event, absl::optional<int64_t> id,
                     absl::string_view data) {
  std::string out;
  if (!event.empty()) absl::StrAppend(&out, "event: ", event, "\n");
  if (id.has_value()) absl::StrAppend(&out, "id: ", *id, "\n");
  // Our JSON is printed on one line; a line break would start a new field.
  absl::StrAppend(&out, "data: ", data, "\n\n");
  return out;
}

std::shared_ptr<const std::string> SseFrameCache::FrameOf(
    const WatchEvent& event) {
  absl::MutexLock lock(&mu_);
  auto it = frames_.find(event.get());
  // The address may be a new event's if the old one is gone.
  if (it != frames_.end() && it->second.event.lock() == event) {
    return it->second.frame;
  }
  auto frame = std::make_shared<const std::string>(
      SseFrame("", event->sequence(), ToJson(*event)));
  if (frames_.size() >= 4096) {
    absl::erase_if(frames_, [](const auto& entry) {
      return entry.second.event.expired();
    });
  }
  frames_[event.get()] = Entry{event, frame};
  return frame;
}

std::shared_ptr<SseStream> SseStream::Start(beast::tcp_stream stream,
                                            Executor strand, VideoCalls& calls,
                                            VideoCalls::WatchStart watch,
                                            const SseOptions& options,
                                            std::string extra_headers,
                                            std::string peer,
                                            std::function<void()> on_close) {
  std::shared_ptr<SseStream> sse(new SseStream(
      std::move(stream), std::move(strand), calls, std::move(watch), options,
      std::move(extra_headers), std::move(peer), std::move(on_close)));
  sse->Begin();
  return sse;
}

SseStream::SseStream(beast::tcp_stream stream, Executor strand,
                     VideoCalls& calls, VideoCalls::WatchStart watch,
                     const SseOptions& options, std::string extra_headers,
                     std::string peer, std::function<void()> on_close)
    : stream_(std::move(stream)),
      strand_(std::move(strand)),
      calls_(calls),
      watch_(std::move(watch)),
      options_(options),
      extra_headers_(std::move(extra_headers)),
      peer_(std::move(peer)),
      on_close_(std::move(on_close)),
      idle_timer_(strand_),
      write_timer_(strand_),
      limit_timer_(strand_),
      last_sequence_(watch_.after_sequence),
      last_traffic_(start_) {}

void SseStream::Begin() {
  // Our own timers bound writes; the stream's would also cut the read that
  // notices the client leaving.
  stream_.expires_never();
  // Announcements are posted to the strand, so none runs before this ends.
  absl::Status watching =
      calls_.registry().Watch(watch_.key, shared_from_this());
  if (!watching.ok()) {
    HandleEnd(watching);
    return;
  }
  watching_ = true;
  std::weak_ptr<SseStream> weak = weak_from_this();
  limit_timer_.expires_after(ToChrono(watch_.max_watch_time));
  limit_timer_.async_wait([weak](beast::error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    self->HandleEnd(absl::DeadlineExceededError(absl::StrCat(
        "watch open longer than the gateway's limit (",
        absl::FormatDuration(self->watch_.max_watch_time),
        "); reconnect with Last-Event-ID or after_sequence to continue")));
  });
  ArmIdleTimer();
  ReadUntilClosed();
}

void SseStream::OnVideo(const WatchEvent& event) {
  asio::post(strand_,
             [self = shared_from_this(), event] { self->HandleVideo(event); });
}

void SseStream::OnEnd(const absl::Status& status) {
  asio::post(strand_,
             [self = shared_from_this(), status] { self->HandleEnd(status); });
}

void SseStream::Close() {
  asio::post(strand_, [self = shared_from_this()] {
    self->Shutdown(absl::UnavailableError("the gateway is stopping"));
  });
}

void SseStream::HandleVideo(const WatchEvent& event) {
  if (closed_ || ending_) return;
  if (event->video().has_create_time()) create_time_ = CreateTimeOf(event);
  // Already sent, or seen by the client before it reconnected.
  if (event->sequence() <= last_sequence_) return;
  last_sequence_ = event->sequence();
  EnsureHeaders();
  if (options_.frames != nullptr) {
    Send(*options_.frames->FrameOf(event));
  } else {
    Send(SseFrame("", event->sequence(), ToJson(*event)));
  }
}

void SseStream::HandleEnd(const absl::Status& status) {
  if (closed_ || ending_) return;
  ending_ = true;
  result_ = status;
  if (!headers_sent_) {
    // Nothing streamed yet (an unknown task, a key the upstream refuses):
    // an ordinary error answer, which also stops EventSource reconnecting.
    HttpError error = HttpErrorFor(status);
    std::string head = absl::StrCat(
        "HTTP/1.1 ", error.status, " ",
        std::string(beast::http::obsolete_reason(
            static_cast<beast::http::status>(error.status))),
        "\r\nContent-Type: application/json\r\nContent-Length: ",
        error.body.size(), "\r\nConnection: close\r\n", extra_headers_);
    if (error.retry_after_seconds > 0) {
      absl::StrAppend(&head, "Retry-After: ", error.retry_after_seconds,
                      "\r\n");
    }
    headers_sent_ = true;
    Send(absl::StrCat(head, "\r\n", error.body));
    return;
  }
  Send(SseFrame("end", absl::nullopt, EndData(status)));
  if (!writing_ && out_.empty()) Shutdown(result_);
}

void SseStream::EnsureHeaders() {
  if (headers_sent_) return;
  headers_sent_ = true;
  // `retry:` shortens EventSource's reconnect delay (3 s in browsers) after
  // a drain or a cut connection.
  Send(
      absl::StrCat("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                   "Cache-Control: no-cache\r\nConnection: close\r\n"
                   "X-Accel-Buffering: no\r\n",
                   extra_headers_, "\r\nretry: 1000\n\n"));
}

void SseStream::Send(std::string bytes) {
  if (closed_) return;
  buffered_ += bytes.size();
  if (buffered_ > options_.max_buffered_bytes) {
    Shutdown(absl::ResourceExhaustedError(
        absl::StrCat("the client left more than ", options_.max_buffered_bytes,
                     " bytes unread; stream closed")));
    return;
  }
  out_.push_back(std::move(bytes));
  WriteNext();
}

void SseStream::WriteNext() {
  if (writing_ || closed_ || out_.empty()) return;
  writing_ = true;
  last_traffic_ = absl::Now();
  const absl::Duration limit =
      ending_ ? std::min(watch_.write_timeout, options_.end_grace)
              : watch_.write_timeout;
  write_timer_.expires_after(ToChrono(limit));
  std::weak_ptr<SseStream> weak = weak_from_this();
  write_timer_.async_wait([weak, limit](beast::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || !self->writing_) return;
    self->Shutdown(absl::DeadlineExceededError(absl::StrCat(
        "the client read nothing for ", absl::FormatDuration(limit),
        " (--write-timeout); stream closed")));
  });
  asio::async_write(
      stream_, asio::buffer(out_.front()),
      [self = shared_from_this()](beast::error_code ec, std::size_t) {
        self->OnWritten(ec);
      });
}

void SseStream::OnWritten(beast::error_code ec) {
  writing_ = false;
  write_timer_.cancel();
  if (closed_) return;
  if (ec) {
    Shutdown(absl::UnavailableError("write to the client failed"));
    return;
  }
  buffered_ -= out_.front().size();
  out_.pop_front();
  if (ending_ && out_.empty()) {
    Shutdown(result_);
    return;
  }
  WriteNext();
}

void SseStream::ArmIdleTimer() {
  const absl::Duration interval =
      watch_.heartbeat_interval > absl::ZeroDuration()
          ? watch_.heartbeat_interval
          : options_.comment_interval;
  absl::Duration wait = last_traffic_ + interval - absl::Now();
  if (wait <= absl::ZeroDuration()) wait = interval;
  idle_timer_.expires_after(ToChrono(wait));
  std::weak_ptr<SseStream> weak = weak_from_this();
  idle_timer_.async_wait([weak](beast::error_code ec) {
    auto self = weak.lock();
    if (!ec && self) self->OnIdleTimer();
  });
}

void SseStream::OnIdleTimer() {
  if (closed_ || ending_) return;
  const bool beats = watch_.heartbeat_interval > absl::ZeroDuration();
  const absl::Duration interval =
      beats ? watch_.heartbeat_interval : options_.comment_interval;
  const absl::Time now = absl::Now();
  if (!writing_ && out_.empty() && now >= last_traffic_ + interval) {
    EnsureHeaders();
    if (beats) {
      WatchEvent beat =
          MakeHeartbeatEvent(last_sequence_, now, create_time_,
                             calls_.registry().Snapshot(watch_.key));
      Send(SseFrame("heartbeat", absl::nullopt, ToJson(*beat)));
    } else {
      Send(": keep-alive\n\n");
    }
  }
  if (!closed_) ArmIdleTimer();
}

void SseStream::ReadUntilClosed() {
  // A stream's client sends nothing; a read ending means it left.
  stream_.async_read_some(asio::buffer(read_byte_), [self = shared_from_this()](
                                                        beast::error_code ec,
                                                        std::size_t) {
    if (self->closed_) return;
    if (ec) {
      self->Shutdown(absl::CancelledError("the client closed the connection"));
      return;
    }
    self->ReadUntilClosed();
  });
}

void SseStream::Shutdown(const absl::Status& why) {
  if (closed_) return;
  closed_ = true;
  if (!ending_ || (result_.ok() && !why.ok())) result_ = why;
  idle_timer_.cancel();
  write_timer_.cancel();
  limit_timer_.cancel();
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
  out_.clear();
  buffered_ = 0;
  // The registry is never called from inside its own callbacks: this runs
  // on the strand.
  if (watching_) calls_.registry().Unwatch(watch_.key, this);
  watching_ = false;
  watch_.ticket.Release();
  LogCall("WatchVideo/sse", watch_.key.task_id, result_, absl::Now() - start_,
          peer_);
  if (on_close_) std::exchange(on_close_, nullptr)();
}

}  // namespace seedance::gateway
