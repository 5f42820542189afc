#include "tests/soak/raw_h2_watch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/common/errno_text.h"

namespace seedance::testing {
namespace {

// RFC 9113 frame types and flags used here.
constexpr uint8_t kData = 0x0;
constexpr uint8_t kHeaders = 0x1;
constexpr uint8_t kRstStream = 0x3;
constexpr uint8_t kSettings = 0x4;
constexpr uint8_t kPing = 0x6;
constexpr uint8_t kEndStream = 0x1;
constexpr uint8_t kAck = 0x1;
constexpr uint8_t kEndHeaders = 0x4;
constexpr uint16_t kSettingsInitialWindowSize = 0x4;
constexpr size_t kFrameHeaderBytes = 9;

void AppendFrame(std::string& out, uint8_t type, uint8_t flags, uint32_t stream,
                 const std::string& payload) {
  uint32_t n = static_cast<uint32_t>(payload.size());
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  out.push_back(static_cast<char>((stream >> 24) & 0x7f));
  out.push_back(static_cast<char>((stream >> 16) & 0xff));
  out.push_back(static_cast<char>((stream >> 8) & 0xff));
  out.push_back(static_cast<char>(stream & 0xff));
  out += payload;
}

// HPACK "literal header field without indexing, new name", no Huffman:
// every name and value here is shorter than 127 bytes.
void AppendHeader(std::string& block, const std::string& name,
                  const std::string& value) {
  block.push_back('\0');
  block.push_back(static_cast<char>(name.size()));
  block += name;
  block.push_back(static_cast<char>(value.size()));
  block += value;
}

bool SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n =
        ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RawH2Watch>> RawH2Watch::Start(
    int port, const v1::WatchVideoRequest& request, Mode mode) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("socket: ", ErrnoText(errno)));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    ::close(fd);
    return absl::UnavailableError(absl::StrCat("connect: ", ErrnoText(err)));
  }
  int one = 1;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
    int err = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat("TCP_NODELAY: ", ErrnoText(err)));
  }

  std::string out = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  std::string settings;
  if (mode == Mode::kNeverRead) {
    settings.push_back(static_cast<char>(kSettingsInitialWindowSize >> 8));
    settings.push_back(static_cast<char>(kSettingsInitialWindowSize & 0xff));
    settings.append(4, '\0');  // window 0
  }
  AppendFrame(out, kSettings, 0, 0, settings);

  std::string block;
  AppendHeader(block, ":method", "POST");
  AppendHeader(block, ":scheme", "http");
  AppendHeader(block, ":path", "/seedance.v1.VideoService/WatchVideo");
  AppendHeader(block, ":authority", absl::StrCat("127.0.0.1:", port));
  AppendHeader(block, "content-type", "application/grpc");
  AppendHeader(block, "te", "trailers");
  AppendFrame(out, kHeaders, kEndHeaders, 1, block);

  std::string message = request.SerializeAsString();
  std::string body(5, '\0');  // uncompressed flag + 4-byte big-endian length
  uint32_t n = static_cast<uint32_t>(message.size());
  body[1] = static_cast<char>((n >> 24) & 0xff);
  body[2] = static_cast<char>((n >> 16) & 0xff);
  body[3] = static_cast<char>((n >> 8) & 0xff);
  body[4] = static_cast<char>(n & 0xff);
  body += message;
  AppendFrame(out, kData, kEndStream, 1, body);

  if (!SendAll(fd, out)) {
    int err = errno;
    ::close(fd);
    return absl::UnavailableError(absl::StrCat("send: ", ErrnoText(err)));
  }
  return std::unique_ptr<RawH2Watch>(new RawH2Watch(fd, mode));
}

RawH2Watch::~RawH2Watch() { Close(); }

int RawH2Watch::fd() const {
  absl::MutexLock lock(&mu_);
  return fd_;
}

bool RawH2Watch::ended() const {
  absl::MutexLock lock(&mu_);
  return ended_;
}

bool RawH2Watch::got_data() const {
  absl::MutexLock lock(&mu_);
  return got_data_;
}

bool RawH2Watch::WaitEnded(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&ended_), timeout);
}

void RawH2Watch::Close() {
  absl::MutexLock lock(&mu_);
  CloseLocked(/*reset=*/false);
}

void RawH2Watch::CloseLocked(bool reset) {
  if (fd_ < 0) return;
  if (reset) {
    linger hard{};
    hard.l_onoff = 1;
    hard.l_linger = 0;
    // Best effort: without it the close is a FIN, which is a vanish too.
    (void)::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
  }
  ::close(fd_);
  fd_ = -1;
  ended_ = true;
}

void RawH2Watch::OnReadable() {
  absl::MutexLock lock(&mu_);
  if (fd_ < 0) return;
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    // EOF or a reset: the server closed the connection.
    CloseLocked(/*reset=*/false);
    return;
  }
  if (!HandleFrames()) CloseLocked(/*reset=*/mode_ == Mode::kVanish);
}

bool RawH2Watch::HandleFrames() {
  size_t pos = 0;
  std::string replies;
  while (in_.size() - pos >= kFrameHeaderBytes) {
    const auto* h = reinterpret_cast<const unsigned char*>(in_.data() + pos);
    size_t length = (size_t{h[0]} << 16) | (size_t{h[1]} << 8) | h[2];
    uint8_t type = h[3];
    uint8_t flags = h[4];
    uint32_t stream = ((uint32_t{h[5]} & 0x7f) << 24) | (uint32_t{h[6]} << 16) |
                      (uint32_t{h[7]} << 8) | h[8];
    if (in_.size() - pos < kFrameHeaderBytes + length) break;
    std::string payload = in_.substr(pos + kFrameHeaderBytes, length);
    pos += kFrameHeaderBytes + length;

    if (type == kSettings && !(flags & kAck)) {
      AppendFrame(replies, kSettings, kAck, 0, "");
    } else if (type == kPing && !(flags & kAck)) {
      AppendFrame(replies, kPing, kAck, 0, payload);
    } else if (stream == 1 && (type == kRstStream ||
                               (type == kHeaders && (flags & kEndStream)))) {
      ended_ = true;  // reset, or trailers (or trailers-only): the call is over
    } else if (stream == 1 && type == kData) {
      got_data_ = true;
      if (flags & kEndStream) ended_ = true;
    }
  }
  in_.erase(0, pos);
  if (!replies.empty() && !SendAll(fd_, replies)) return false;
  if (mode_ == Mode::kVanish && got_data_) return false;
  return true;
}

RawH2Pump::RawH2Pump() : thread_([this] { Loop(); }) {}

RawH2Pump::~RawH2Pump() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void RawH2Pump::Add(RawH2Watch* watch) {
  absl::MutexLock lock(&mu_);
  watches_.push_back(watch);
}

void RawH2Pump::Loop() {
  std::vector<pollfd> fds;
  std::vector<RawH2Watch*> owners;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      fds.clear();
      owners.clear();
      for (RawH2Watch* w : watches_) {
        int fd = w->fd();
        if (fd < 0) continue;
        fds.push_back(pollfd{fd, POLLIN, 0});
        owners.push_back(w);
      }
    }
    // A short timeout picks up added watches and the stop request; a closed
    // (even reused) descriptor only costs a spurious wake-up, since each
    // watch reads its socket under its own lock.
    int ready = ::poll(fds.data(), fds.size(), 10);
    if (ready <= 0) continue;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents != 0) owners[i]->OnReadable();
    }
  }
}

}  // namespace seedance::testing
