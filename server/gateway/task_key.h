// TaskKey: whose task a poller follows. The API key is part of the identity
// so that a task is never shared across keys (TokenHub shows a task only to
// the key that created it). The key lives only in memory and is never
// printed: use TaskKey::task_id in logs.
#ifndef SEEDANCE_SERVER_GATEWAY_TASK_KEY_H_
#define SEEDANCE_SERVER_GATEWAY_TASK_KEY_H_

#include <string>
#include <utility>

namespace seedance::gateway {

struct TaskKey {
  std::string api_key;
  std::string task_id;
  // Tenants (tenant_directory.h): who owns the task when that is not the
  // API key itself ("tenant:<name>"; tenants may share an upstream key).
  // Such a key sees only tasks the store records for its principal.
  std::string principal;

  friend bool operator==(const TaskKey& a, const TaskKey& b) {
    return a.task_id == b.task_id && a.api_key == b.api_key &&
           a.principal == b.principal;
  }
  template <typename H>
  friend H AbslHashValue(H h, const TaskKey& k) {
    return H::combine(std::move(h), k.api_key, k.task_id, k.principal);
  }
};

// The task `task_id` of `api_key` itself (no tenant principal).
inline TaskKey KeyTask(std::string api_key, std::string task_id) {
  TaskKey key;
  key.api_key = std::move(api_key);
  key.task_id = std::move(task_id);
  return key;
}

// What the store's owner hash is made of: the principal, else the key.
inline const std::string& OwnerIdentity(const TaskKey& key) {
  return key.principal.empty() ? key.api_key : key.principal;
}

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_TASK_KEY_H_
