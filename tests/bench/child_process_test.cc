// ChildProcess (bench/child_process.h): how seedance-bench starts and stops
// the servers — the "listening" line, a child dying early, and SIGKILL for
// a child that ignores SIGTERM.
#include "bench/child_process.h"

#include <signal.h>

#include "gtest/gtest.h"

namespace seedance::bench {
namespace {

absl::StatusOr<std::unique_ptr<ChildProcess>> Shell(const std::string& script) {
  return ChildProcess::Start({"/bin/sh", "-c", script}, {"BENCH_TEST_VAR=seen"},
                             "/dev/null");
}

TEST(ChildProcessTest, ReadsTheListeningLineAndStopsCleanly) {
  auto child = Shell(
      "trap 'exit 0' TERM; echo starting; echo \"listening on "
      "$BENCH_TEST_VAR\"; "
      "while :; do sleep 0.05; done");
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<std::string> rest =
      (*child)->WaitForLine("listening on ", absl::Seconds(20));
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(*rest, "seen");
  EXPECT_TRUE((*child)->Stop().ok());
  EXPECT_TRUE((*child)->Stop().ok());  // idempotent
}

TEST(ChildProcessTest, ExitBeforeTheLineIsAnError) {
  auto child = Shell("echo something else; exit 3");
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<std::string> rest =
      (*child)->WaitForLine("listening on ", absl::Seconds(20));
  EXPECT_EQ(rest.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE((*child)->Stop().ok());  // exit status 3 is reported
}

TEST(ChildProcessTest, IgnoringSigtermEndsWithSigkill) {
  auto child = Shell("trap '' TERM; echo ready; while :; do sleep 0.05; done");
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE((*child)->WaitForLine("ready", absl::Seconds(20)).ok());
  absl::Status stopped = (*child)->Stop(absl::Milliseconds(200));
  EXPECT_EQ(stopped.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(kill((*child)->pid(), 0), 0);  // reaped: the pid is gone
}

TEST(ChildProcessTest, MissingBinaryIsNotFound) {
  auto child =
      ChildProcess::Start({"/nonexistent/tokenhub-sim"}, {}, "/dev/null");
  EXPECT_EQ(child.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace seedance::bench
