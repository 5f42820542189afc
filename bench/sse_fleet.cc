// SseFleet; see sse_fleet.h.
#include "bench/sse_fleet.h"

#include <array>
#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/write.hpp"

namespace seedance::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class SseFleet::Impl {
 public:
  explicit Impl(int port) : port_(port), work_(asio::make_work_guard(io_)) {
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Impl() {
    asio::post(io_, [this] {
      for (auto& s : streams_) {
        boost::system::error_code ignored;
        s->socket.close(ignored);
      }
    });
    work_.reset();
    io_.stop();
    thread_.join();
  }

  void Start(const std::string& id) {
    asio::post(io_, [this, id] {
      auto stream = std::make_shared<Stream>(io_);
      streams_.push_back(stream);
      stream->request = absl::StrCat("GET /v1/videos/", id,
                                     ":watch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                     "Accept: text/event-stream\r\n\r\n");
      tcp::endpoint endpoint(asio::ip::address_v4::loopback(),
                             static_cast<uint16_t>(port_));
      stream->socket.async_connect(
          endpoint, [this, stream](boost::system::error_code ec) {
            if (ec) return Failed(ec);
            asio::async_write(
                stream->socket, asio::buffer(stream->request),
                [this, stream](boost::system::error_code ec2, std::size_t) {
                  if (ec2) return Failed(ec2);
                  Read(stream);
                });
          });
    });
  }

  int64_t reached(int64_t sequence) const {
    absl::MutexLock lock(&mu_);
    auto it = reached_.find(sequence);
    return it == reached_.end() ? 0 : it->second;
  }
  int64_t failures() const { return failures_.load(); }
  std::string first_error() const {
    absl::MutexLock lock(&mu_);
    return first_error_;
  }
  std::vector<double> delays(int64_t sequence) const {
    absl::MutexLock lock(&mu_);
    auto it = delays_.find(sequence);
    return it == delays_.end() ? std::vector<double>() : it->second;
  }

 private:
  struct Stream {
    explicit Stream(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    std::string request;
    std::array<char, 4096> buffer;
    std::string pending;
  };

  void Failed(boost::system::error_code ec) {
    failures_.fetch_add(1);
    absl::MutexLock lock(&mu_);
    if (first_error_.empty()) first_error_ = ec.message();
  }

  void Read(const std::shared_ptr<Stream>& stream) {
    stream->socket.async_read_some(
        asio::buffer(stream->buffer),
        [this, stream](boost::system::error_code ec, std::size_t n) {
          if (ec) return;  // closed: after the end, or by us
          const absl::Time now = absl::Now();
          stream->pending.append(stream->buffer.data(), n);
          Parse(*stream, now);
          Read(stream);
        });
  }

  // Takes every complete event out of `pending`.
  void Parse(Stream& stream, absl::Time now) {
    size_t end;
    while ((end = stream.pending.find("\n\n")) != std::string::npos) {
      std::string block = stream.pending.substr(0, end);
      stream.pending.erase(0, end + 2);
      int64_t sequence = -1;
      absl::Time event_time = absl::InfinitePast();
      for (absl::string_view line : absl::StrSplit(block, '\n')) {
        if (absl::ConsumePrefix(&line, "id: ")) {
          (void)absl::SimpleAtoi(line, &sequence);
        } else if (absl::ConsumePrefix(&line, "data: ")) {
          constexpr absl::string_view kKey = "\"eventTime\":\"";
          size_t at = line.find(kKey);
          if (at == absl::string_view::npos) continue;
          absl::string_view rest = line.substr(at + kKey.size());
          std::string error;
          (void)absl::ParseTime(absl::RFC3339_full,
                                std::string(rest.substr(0, rest.find('"'))),
                                &event_time, &error);
        }
      }
      if (sequence < 0) continue;
      absl::MutexLock lock(&mu_);
      ++reached_[sequence];
      if (event_time != absl::InfinitePast()) {
        delays_[sequence].push_back(
            absl::ToDoubleMicroseconds(now - event_time));
      }
    }
  }

  const int port_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  std::vector<std::shared_ptr<Stream>> streams_;  // on the io thread
  std::atomic<int64_t> failures_{0};
  mutable absl::Mutex mu_;
  std::map<int64_t, int64_t> reached_ ABSL_GUARDED_BY(mu_);
  std::map<int64_t, std::vector<double>> delays_ ABSL_GUARDED_BY(mu_);
  std::string first_error_ ABSL_GUARDED_BY(mu_);
};

SseFleet::SseFleet(int http_port) : impl_(std::make_unique<Impl>(http_port)) {}
SseFleet::~SseFleet() = default;

absl::Status SseFleet::Open(const std::vector<std::string>& ids, int streams,
                            absl::Duration timeout) {
  if (ids.empty()) return absl::InvalidArgumentError("no tasks to watch");
  const absl::Time deadline = absl::Now() + timeout;
  // In batches, so the listen backlog never overflows into SYN retries.
  constexpr int kBatch = 500;
  for (int opened = 0; opened < streams;) {
    const int batch = std::min(kBatch, streams - opened);
    for (int i = 0; i < batch; ++i) {
      impl_->Start(ids[static_cast<size_t>(opened + i) % ids.size()]);
    }
    opened += batch;
    while (impl_->reached(10) + impl_->failures() < opened) {
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            impl_->reached(10), " of ", opened, " SSE streams open"));
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    if (impl_->failures() > 0) {
      return absl::UnavailableError(absl::StrCat(
          impl_->failures(), " SSE streams failed: ", impl_->first_error()));
    }
  }
  return absl::OkStatus();
}

absl::Status SseFleet::WaitForSequence(int64_t sequence,
                                       absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const int64_t want = impl_->reached(10);
  while (impl_->reached(sequence) < want) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(impl_->reached(sequence), " of ", want,
                       " SSE streams got sequence ", sequence));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return absl::OkStatus();
}

std::vector<double> SseFleet::DelaysMicros(int64_t sequence) const {
  return impl_->delays(sequence);
}

}  // namespace seedance::bench
