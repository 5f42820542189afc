// Executor: runs closures on its own threads, soon; the caller posts and
// returns at once.
//
// The gateway uses one to take the fan-out of a transition to its watchers
// off the upstream transport's thread (see TaskPoller), so replies to other
// tasks' polls are not kept waiting behind thousands of stream writes.
#ifndef SEEDANCE_SERVER_COMMON_EXECUTOR_H_
#define SEEDANCE_SERVER_COMMON_EXECUTOR_H_

#include "absl/functional/any_invocable.h"

namespace seedance {

class Executor {
 public:
  using Closure = absl::AnyInvocable<void() &&>;

  virtual ~Executor() = default;

  // Runs `fn` once, on some thread of the executor. Closures posted after
  // the executor stopped are destroyed without running.
  virtual void Run(Closure fn) = 0;
};

}  // namespace seedance

#endif  // SEEDANCE_SERVER_COMMON_EXECUTOR_H_
