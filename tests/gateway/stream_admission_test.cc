// Scenarios for StreamAdmission: the replica, per-peer and per-connection
// stream limits, and that every slot comes back.

#include "server/gateway/stream_admission.h"

#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::StatusIs;
using ::testing::HasSubstr;

TEST(PeerAddressTest, DropsThePortOfIpPeersOnly) {
  EXPECT_EQ(PeerAddress("ipv4:10.0.0.7:5123"), "ipv4:10.0.0.7");
  EXPECT_EQ(PeerAddress("ipv6:[::1]:5123"), "ipv6:[::1]");
  EXPECT_EQ(PeerAddress("ipv6:[::ffff:127.0.0.1]:80"),
            "ipv6:[::ffff:127.0.0.1]");
  EXPECT_EQ(PeerAddress("unix:/run/gw.sock"), "unix:/run/gw.sock");
  EXPECT_EQ(PeerAddress(""), "");
}

TEST(StreamAdmissionTest, OnePeerGetsItsShareOthersStillGetIn) {
  StreamAdmission admission({/*max_streams=*/10, /*max_per_peer=*/2,
                             /*max_per_connection=*/0});
  auto a = admission.Admit("ipv4:10.0.0.1:1000");
  auto b = admission.Admit("ipv4:10.0.0.1:1001");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_THAT(admission.Admit("ipv4:10.0.0.1:1002").status(),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("--max-streams-per-peer")));
  EXPECT_TRUE(admission.Admit("ipv4:10.0.0.2:1000").ok());  // released at once
  EXPECT_EQ(admission.open(), 2);
  EXPECT_EQ(admission.open_from("ipv4:10.0.0.1:9"), 2);
  a->Release();
  EXPECT_EQ(admission.open_from("ipv4:10.0.0.1:9"), 1);
  EXPECT_TRUE(admission.Admit("ipv4:10.0.0.1:1003").ok());
}

TEST(StreamAdmissionTest, OneConnectionGetsAtMostItsLimit) {
  StreamAdmission admission({10, 0, 2});
  auto a = admission.Admit("ipv4:10.0.0.1:1000");
  auto b = admission.Admit("ipv4:10.0.0.1:1000");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_THAT(admission.Admit("ipv4:10.0.0.1:1000").status(),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("--max-streams-per-connection")));
  EXPECT_TRUE(admission.Admit("ipv4:10.0.0.1:1001").ok());
  EXPECT_EQ(admission.open(), 2);
}

TEST(StreamAdmissionTest, TheReplicaLimitComesFirstAndRefusalsTakeNothing) {
  StreamAdmission admission({2, 2, 2});
  std::vector<StreamAdmission::Ticket> held;
  for (int i = 0; i < 2; ++i) {
    auto t = admission.Admit("ipv4:10.0.0.1:1");
    ASSERT_TRUE(t.ok());
    held.push_back(*std::move(t));
  }
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(admission.Admit("ipv4:10.0.0.9:1").status(),
                StatusIs(absl::StatusCode::kResourceExhausted,
                         HasSubstr("--max-streams)")));
  }
  EXPECT_EQ(admission.open(), 2);
  EXPECT_EQ(admission.open_from("ipv4:10.0.0.9:1"), 0);
  held.clear();  // tickets release when destroyed, moved ones once
  EXPECT_EQ(admission.open(), 0);
  EXPECT_EQ(admission.open_from("ipv4:10.0.0.1:1"), 0);
}

}  // namespace
}  // namespace seedance::gateway
