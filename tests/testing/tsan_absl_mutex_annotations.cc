// ThreadSanitizer builds only: teaches TSan what absl::Mutex does.
//
// Debian's Abseil is not built with TSan, so absl::Mutex (lock words and
// futexes in libabsl_synchronization.so) creates no happens-before edges
// that TSan can see, and every access guarded by one looks like a race.
// Linked into each executable of a SEEDANCE_SANITIZE=thread build, these
// definitions interpose the library's exported Mutex and CondVar entry
// points (the executable's symbols win at dynamic link time, for our code,
// gRPC's and Abseil's own callers alike), call the originals through
// dlsym(RTLD_NEXT), and add __tsan_acquire / __tsan_release on the mutex's
// address: an acquire after taking the lock, a release before giving it up,
// and both around Await and CondVar waits, which drop and retake it.
//
// absl::Notification gets the same: a release in Notify, an acquire after a
// wait that saw it given (its check of the flag is inside the library too,
// so a wait that finds the notification already given ordered nothing).
//
// absl::Status shares heap representations between copies with a refcount
// that is dropped inside libabsl_status.so; the last owner frees it. The
// same treatment orders every owner's reads before that free.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);

namespace {

// The library's own definition of the member function named `mangled`.
template <typename Fn>
Fn Original(const char* mangled) {
  void* f = dlsym(RTLD_NEXT, mangled);
  if (f == nullptr) {
    std::fprintf(stderr, "tsan annotations: %s not found\n", mangled);
    std::abort();
  }
  return reinterpret_cast<Fn>(f);
}

#define ORIGINAL(type, mangled) \
  static const auto original = Original<type>(mangled)

using Mu = absl::Mutex;
using Cond = absl::Condition;

// Abseil evaluates a waiter's condition inside the library (on the waiter's
// thread or on the thread that unlocks), with the lock held but before our
// post-hooks run: the wrapped condition acquires first.
struct AnnotatedCondition {
  const Cond* cond;
  Mu* mu;
  static bool Eval(void* arg) {
    auto* self = static_cast<AnnotatedCondition*>(arg);
    __tsan_acquire(self);
    __tsan_acquire(self->mu);
    bool met = self->cond->Eval();
    // What the condition read must be ordered before the next holder's
    // writes, as if it ran inside a lock/unlock pair.
    __tsan_release(self->mu);
    return met;
  }
};

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

void Notification::Notify() {
  ORIGINAL(void (*)(Notification*), "_ZN4absl7debian312Notification6NotifyEv");
  __tsan_release(this);
  original(this);
}

void Notification::WaitForNotification() const {
  ORIGINAL(void (*)(const Notification*),
           "_ZNK4absl7debian312Notification19WaitForNotificationEv");
  original(this);
  __tsan_acquire(const_cast<Notification*>(this));
}

bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  ORIGINAL(
      bool (*)(const Notification*, Duration),
      "_ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_"
      "8DurationE");
  bool notified = original(this, timeout);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(Time deadline) const {
  ORIGINAL(
      bool (*)(const Notification*, Time),
      "_ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_"
      "4TimeE");
  bool notified = original(this, deadline);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

void Mutex::Lock() {
  ORIGINAL(void (*)(Mu*), "_ZN4absl7debian35Mutex4LockEv");
  original(this);
  __tsan_acquire(this);
}

void Mutex::Unlock() {
  ORIGINAL(void (*)(Mu*), "_ZN4absl7debian35Mutex6UnlockEv");
  __tsan_release(this);
  original(this);
}

bool Mutex::TryLock() {
  ORIGINAL(bool (*)(Mu*), "_ZN4absl7debian35Mutex7TryLockEv");
  bool locked = original(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

void Mutex::ReaderLock() {
  ORIGINAL(void (*)(Mu*), "_ZN4absl7debian35Mutex10ReaderLockEv");
  original(this);
  __tsan_acquire(this);
}

void Mutex::ReaderUnlock() {
  ORIGINAL(void (*)(Mu*), "_ZN4absl7debian35Mutex12ReaderUnlockEv");
  __tsan_release(this);
  original(this);
}

void Mutex::LockWhen(const Condition& cond) {
  ORIGINAL(void (*)(Mu*, const Cond&),
           "_ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE");
  AnnotatedCondition wrapped{&cond, this};
  __tsan_release(&wrapped);  // other threads evaluate it
  original(this, Cond(&AnnotatedCondition::Eval, &wrapped));
  __tsan_acquire(this);
}

bool Mutex::LockWhenWithTimeout(const Condition& cond, Duration timeout) {
  ORIGINAL(bool (*)(Mu*, const Cond&, Duration),
           "_ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_"
           "8DurationE");
  AnnotatedCondition wrapped{&cond, this};
  __tsan_release(&wrapped);  // other threads evaluate it
  bool met = original(this, Cond(&AnnotatedCondition::Eval, &wrapped), timeout);
  __tsan_acquire(this);
  return met;
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, Time deadline) {
  ORIGINAL(bool (*)(Mu*, const Cond&, Time),
           "_ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_"
           "4TimeE");
  AnnotatedCondition wrapped{&cond, this};
  __tsan_release(&wrapped);  // other threads evaluate it
  bool met =
      original(this, Cond(&AnnotatedCondition::Eval, &wrapped), deadline);
  __tsan_acquire(this);
  return met;
}

void Mutex::Await(const Condition& cond) {
  ORIGINAL(void (*)(Mu*, const Cond&),
           "_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE");
  AnnotatedCondition wrapped{&cond, this};
  __tsan_release(this);
  original(this, Cond(&AnnotatedCondition::Eval, &wrapped));
  __tsan_acquire(this);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  ORIGINAL(bool (*)(Mu*, const Cond&, Duration),
           "_ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_"
           "8DurationE");
  AnnotatedCondition wrapped{&cond, this};
  __tsan_release(this);
  bool met = original(this, Cond(&AnnotatedCondition::Eval, &wrapped), timeout);
  __tsan_acquire(this);
  return met;
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  ORIGINAL(
      bool (*)(Mu*, const Cond&, Time),
      "_ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  AnnotatedCondition wrapped{&cond, this};
  __tsan_release(this);
  bool met =
      original(this, Cond(&AnnotatedCondition::Eval, &wrapped), deadline);
  __tsan_acquire(this);
  return met;
}

void CondVar::Wait(Mutex* mu) {
  ORIGINAL(void (*)(CondVar*, Mu*),
           "_ZN4absl7debian37CondVar4WaitEPNS0_5MutexE");
  __tsan_release(mu);
  original(this, mu);
  __tsan_acquire(mu);
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  ORIGINAL(
      bool (*)(CondVar*, Mu*, Duration),
      "_ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  __tsan_release(mu);
  bool timed_out = original(this, mu, timeout);
  __tsan_acquire(mu);
  return timed_out;
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  ORIGINAL(bool (*)(CondVar*, Mu*, Time),
           "_ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  __tsan_release(mu);
  bool timed_out = original(this, mu, deadline);
  __tsan_acquire(mu);
  return timed_out;
}

void Status::UnrefNonInlined(uintptr_t rep) {
  ORIGINAL(void (*)(uintptr_t), "_ZN4absl7debian36Status15UnrefNonInlinedEm");
  void* addr = reinterpret_cast<void*>(rep);
  __tsan_release(addr);  // what this owner read happens before the free...
  __tsan_acquire(addr);  // ...and, if this owner frees, after all others'
  original(rep);
}

ABSL_NAMESPACE_END
}  // namespace absl
