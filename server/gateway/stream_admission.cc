#include "server/gateway/stream_admission.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace seedance::gateway {
namespace {

// Takes one slot of `key` in `counts`; false (nothing taken) at `limit`.
bool TakeSlot(absl::flat_hash_map<std::string, int>& counts,
              const std::string& key, int limit) {
  if (limit <= 0) return true;
  int& n = counts[key];
  if (n >= limit) {
    if (n == 0) counts.erase(key);
    return false;
  }
  ++n;
  return true;
}

void GiveSlot(absl::flat_hash_map<std::string, int>& counts,
              const std::string& key, int limit) {
  if (limit <= 0) return;
  auto it = counts.find(key);
  if (it == counts.end()) return;
  if (--it->second <= 0) counts.erase(it);
}

}  // namespace

std::string PeerAddress(absl::string_view peer) {
  if (!absl::StartsWith(peer, "ipv4:") && !absl::StartsWith(peer, "ipv6:")) {
    return std::string(peer);
  }
  const std::size_t colon = peer.rfind(':');
  // "ipv4:" alone, or no port after the address: keep what there is.
  if (colon <= 4) return std::string(peer);
  return std::string(peer.substr(0, colon));
}

StreamAdmission::Ticket& StreamAdmission::Ticket::operator=(
    Ticket&& other) noexcept {
  if (this != &other) {
    Release();
    owner_ = std::exchange(other.owner_, nullptr);
    address_ = std::move(other.address_);
    connection_ = std::move(other.connection_);
  }
  return *this;
}

void StreamAdmission::Ticket::Release() {
  if (owner_ == nullptr) return;
  std::exchange(owner_, nullptr)->Release(*this);
}

absl::StatusOr<StreamAdmission::Ticket> StreamAdmission::Admit(
    absl::string_view peer) {
  Ticket ticket;
  ticket.address_ = PeerAddress(peer);
  ticket.connection_ = std::string(peer);
  absl::MutexLock lock(&mu_);
  if (open_ >= limits_.max_streams) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "this gateway replica already serves ", limits_.max_streams,
        " watch streams (--max-streams); retry later or on another replica"));
  }
  if (!TakeSlot(per_address_, ticket.address_, limits_.max_per_peer)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "this client address already holds ", limits_.max_per_peer,
        " watch streams (--max-streams-per-peer); close some or retry later"));
  }
  if (!TakeSlot(per_connection_, ticket.connection_,
                limits_.max_per_connection)) {
    GiveSlot(per_address_, ticket.address_, limits_.max_per_peer);
    return absl::ResourceExhaustedError(absl::StrCat(
        "this connection already carries ", limits_.max_per_connection,
        " watch streams (--max-streams-per-connection); open another "
        "connection or retry later"));
  }
  ++open_;
  ticket.owner_ = this;
  return ticket;
}

void StreamAdmission::Release(const Ticket& ticket) {
  absl::MutexLock lock(&mu_);
  --open_;
  GiveSlot(per_address_, ticket.address_, limits_.max_per_peer);
  GiveSlot(per_connection_, ticket.connection_, limits_.max_per_connection);
}

int StreamAdmission::open() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

int StreamAdmission::open_from(absl::string_view peer) const {
  absl::MutexLock lock(&mu_);
  auto it = per_address_.find(PeerAddress(peer));
  return it == per_address_.end() ? 0 : it->second;
}

}  // namespace seedance::gateway
