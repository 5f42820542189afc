// ExpiringCache: a map whose entries live for a fixed time and whose size is
// capped, so state kept per finished task can never grow without bound.
//
//   ExpiringCache<TaskKey, v1::Video> finals(absl::Minutes(10), 100000);
//   finals.Put(key, video, now);
//   if (const v1::Video* v = finals.Get(key, now)) ...
//
// Entries expire in insertion order (the TTL is the same for all), so a
// FIFO of insertion times finds expired ones in O(1) each. Not thread-safe:
// the owner locks.
#ifndef SEEDANCE_SERVER_GATEWAY_EXPIRING_CACHE_H_
#define SEEDANCE_SERVER_GATEWAY_EXPIRING_CACHE_H_

#include <cstddef>
#include <deque>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace seedance::gateway {

template <typename Key, typename Value>
class ExpiringCache {
 public:
  ExpiringCache(absl::Duration ttl, std::size_t max_entries)
      : ttl_(ttl), max_entries_(max_entries) {}

  // Inserts or replaces; the entry lives for the TTL from `now`.
  void Put(const Key& key, Value value, absl::Time now) {
    Expire(now);
    ++generation_;
    entries_[key] = Entry{std::move(value), now + ttl_, generation_};
    order_.push_back({key, generation_});
    while (entries_.size() > max_entries_) EvictOldest();
  }

  // The live entry for `key`, or nullptr. The pointer is valid until the
  // next call that modifies the cache.
  const Value* Get(const Key& key, absl::Time now) {
    Expire(now);
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second.value;
  }

  void Erase(const Key& key) { entries_.erase(key); }

  // Drops every entry whose time is up.
  void Expire(absl::Time now) {
    while (!order_.empty()) {
      auto it = entries_.find(order_.front().first);
      if (it != entries_.end() &&
          it->second.generation == order_.front().second) {
        if (it->second.expiry > now) break;
        entries_.erase(it);
      }
      order_.pop_front();  // expired, or a stale record of a replaced entry
    }
  }

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Value value;
    absl::Time expiry;
    std::size_t generation;  // tells a live record in order_ from a stale one
  };

  void EvictOldest() {
    while (!order_.empty()) {
      auto [key, generation] = order_.front();
      order_.pop_front();
      auto it = entries_.find(key);
      if (it != entries_.end() && it->second.generation == generation) {
        entries_.erase(it);
        return;
      }
    }
  }

  const absl::Duration ttl_;
  const std::size_t max_entries_;
  std::size_t generation_ = 0;
  absl::flat_hash_map<Key, Entry> entries_;
  std::deque<std::pair<Key, std::size_t>> order_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_EXPIRING_CACHE_H_
