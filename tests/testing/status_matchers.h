// StatusIs: gMock matchers for absl::Status, absl::StatusOr<T> and
// grpc::Status (Abseil 20220623 ships none).
//
//   EXPECT_THAT(client.Get(id), StatusIs(absl::StatusCode::kNotFound,
//                                        HasSubstr("task")));
//   EXPECT_THAT(grpc_status, GrpcStatusIs(grpc::StatusCode::UNAVAILABLE));
//   ASSERT_OK(status);  ASSERT_OK_AND_ASSIGN(auto v, statusor);
#ifndef SEEDANCE_TESTS_TESTING_STATUS_MATCHERS_H_
#define SEEDANCE_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "grpcpp/support/status.h"

namespace seedance::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + absl::StatusCodeToString(code) + " and message " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const absl::Status& s = ::seedance::testing::GetStatus(arg);
  *result_listener << "whose status is " << s;
  return s.code() == code &&
         ::testing::Matches(message_matcher)(std::string(s.message()));
}

MATCHER_P(StatusCodeIs, code, "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& s = ::seedance::testing::GetStatus(arg);
  *result_listener << "whose status is " << s;
  return s.code() == code;
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = ::seedance::testing::GetStatus(arg);
  *result_listener << "whose status is " << s;
  return s.ok();
}

MATCHER_P2(GrpcStatusIs, code, message_matcher,
           "has gRPC code " + ::testing::PrintToString(static_cast<int>(code)) +
               " and message " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  *result_listener << "whose gRPC status is " << arg.error_code() << ": "
                   << arg.error_message();
  return arg.error_code() == code &&
         ::testing::Matches(message_matcher)(arg.error_message());
}

}  // namespace seedance::testing

#define SEEDANCE_CONCAT_INNER_(a, b) a##b
#define SEEDANCE_CONCAT_(a, b) SEEDANCE_CONCAT_INNER_(a, b)
#define ASSERT_OK(expr) ASSERT_THAT(expr, ::seedance::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT(expr, ::seedance::testing::IsOk())
// `lhs` may be a declaration (`auto x`), which parentheses would break.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr)                \
  auto SEEDANCE_CONCAT_(statusor_, __LINE__) = (rexpr); \
  ASSERT_OK(SEEDANCE_CONCAT_(statusor_, __LINE__));     \
  lhs = std::move(SEEDANCE_CONCAT_(statusor_, __LINE__)).value()
// NOLINTEND(bugprone-macro-parentheses)

#endif  // SEEDANCE_TESTS_TESTING_STATUS_MATCHERS_H_
