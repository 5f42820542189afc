#include "tests/gateway/http_test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace seedance::testing {
namespace {

int Connect(int port, int receive_buffer = 0) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (receive_buffer > 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer,
               sizeof(receive_buffer));
  }
  timeval tv{20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n =
        send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Parses a status line and headers; returns the offset of the body or
// npos when the head is incomplete.
size_t ParseHead(const std::string& raw, HttpAnswer& answer) {
  size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return std::string::npos;
  std::vector<std::string> lines = absl::StrSplit(raw.substr(0, end), "\r\n");
  std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
  if (first.size() >= 2) (void)absl::SimpleAtoi(first[1], &answer.status);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(lines[i], absl::MaxSplits(':', 1));
    answer.headers[absl::AsciiStrToLower(kv.first)] =
        std::string(absl::StripAsciiWhitespace(kv.second));
  }
  return end + 4;
}

}  // namespace

HttpAnswer FetchRaw(int port, const std::string& bytes) {
  HttpAnswer answer;
  int fd = Connect(port);
  if (fd < 0) return answer;
  if (!SendAll(fd, bytes)) {
    // The server may answer and close before taking everything (413).
  }
  std::string raw;
  char buf[8192];
  size_t body_at = std::string::npos;
  size_t length = std::string::npos;
  for (;;) {
    if (body_at == std::string::npos) {
      body_at = ParseHead(raw, answer);
      if (body_at != std::string::npos) {
        size_t n = 0;
        if (absl::SimpleAtoi(answer.header("content-length"), &n)) length = n;
      }
    }
    if (body_at != std::string::npos && length != std::string::npos &&
        raw.size() >= body_at + length) {
      break;
    }
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (body_at != std::string::npos) {
    answer.body = raw.substr(body_at, length);
  }
  return answer;
}

HttpAnswer Fetch(int port, const std::string& method, const std::string& target,
                 const std::string& body,
                 const std::vector<std::string>& headers) {
  std::string request = absl::StrCat(method, " ", target,
                                     " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                     "Connection: close\r\n");
  for (const std::string& h : headers) absl::StrAppend(&request, h, "\r\n");
  if (!body.empty() || method == "POST") {
    absl::StrAppend(&request, "Content-Length: ", body.size(), "\r\n");
  }
  absl::StrAppend(&request, "\r\n", body);
  return FetchRaw(port, request);
}

SseReader::SseReader(int port, const std::string& target,
                     const std::vector<std::string>& headers)
    : SseReader(port, target, headers, false) {}

std::unique_ptr<SseReader> SseReader::Stalled(int port,
                                              const std::string& target) {
  return std::unique_ptr<SseReader>(new SseReader(port, target, {}, true));
}

SseReader::SseReader(int port, const std::string& target,
                     const std::vector<std::string>& headers, bool stalled)
    : stalled_(stalled) {
  fd_ = Connect(port, stalled ? 1024 : 0);
  std::string request = absl::StrCat("GET ", target,
                                     " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                     "Accept: text/event-stream\r\n");
  for (const std::string& h : headers) absl::StrAppend(&request, h, "\r\n");
  absl::StrAppend(&request, "\r\n");
  if (fd_ >= 0) SendAll(fd_, request);
  if (!stalled_) thread_ = std::thread([this] { Run(); });
}

SseReader::~SseReader() {
  Cut();
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) close(fd_);
}

void SseReader::Run() {
  char buf[8192];
  for (;;) {
    ssize_t n = fd_ < 0 ? 0 : recv(fd_, buf, sizeof(buf), 0);
    absl::MutexLock lock(&mu_);
    if (n <= 0) {
      closed_ = true;
      return;
    }
    raw_.append(buf, static_cast<size_t>(n));
  }
}

void SseReader::Cut() {
  if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
}

bool SseReader::WaitForEvents(size_t n) {
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  for (;;) {
    if (events().size() >= n) return true;
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return events().size() >= n;
    }
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
}

bool SseReader::WaitClosed() {
  absl::MutexLock lock(&mu_);
  auto closed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_; };
  return mu_.AwaitWithTimeout(absl::Condition(&closed), absl::Seconds(20));
}

int SseReader::status() const {
  HttpAnswer answer;
  absl::MutexLock lock(&mu_);
  ParseHead(raw_, answer);
  return answer.status;
}

std::string SseReader::head() const {
  absl::MutexLock lock(&mu_);
  size_t end = raw_.find("\r\n\r\n");
  return end == std::string::npos ? raw_ : raw_.substr(0, end);
}

std::vector<SseEvent> SseReader::events() const {
  std::string raw;
  {
    absl::MutexLock lock(&mu_);
    raw = raw_;
  }
  std::vector<SseEvent> out;
  size_t at = raw.find("\r\n\r\n");
  if (at == std::string::npos) return out;
  absl::string_view body = absl::string_view(raw).substr(at + 4);
  // Only complete events (ended by a blank line).
  size_t last = body.rfind("\n\n");
  if (last == absl::string_view::npos) return out;
  for (absl::string_view block :
       absl::StrSplit(body.substr(0, last), "\n\n", absl::SkipEmpty())) {
    SseEvent event;
    bool has_data = false;
    for (absl::string_view line : absl::StrSplit(block, '\n')) {
      if (absl::ConsumePrefix(&line, "event: ")) {
        event.event = std::string(line);
      } else if (absl::ConsumePrefix(&line, "id: ")) {
        event.id = std::string(line);
      } else if (absl::ConsumePrefix(&line, "data: ")) {
        event.data = std::string(line);
        has_data = true;
      }
    }
    if (has_data) out.push_back(std::move(event));
  }
  return out;
}

int SseReader::comments() const {
  absl::MutexLock lock(&mu_);
  int n = 0;
  size_t pos = 0;
  while ((pos = raw_.find("\n: ", pos)) != std::string::npos) {
    ++n;
    ++pos;
  }
  return n;
}

}  // namespace seedance::testing
