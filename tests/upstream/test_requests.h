// Request builders shared by the upstream tests.
#ifndef SEEDANCE_TESTS_UPSTREAM_TEST_REQUESTS_H_
#define SEEDANCE_TESTS_UPSTREAM_TEST_REQUESTS_H_

#include <cstdint>
#include <string>

#include "google/protobuf/duration.pb.h"
#include "seedance/v1/video_service.pb.h"

namespace seedance::upstream::testing {

// A minimal valid request: flagship model and a prompt.
inline seedance::v1::CreateVideoRequest MinimalRequest() {
  seedance::v1::CreateVideoRequest r;
  r.set_model("doubao-seedance-2.0");
  r.set_prompt("Close-up of hands pouring latte art, warm cafe ambiance");
  return r;
}

inline void SetMillis(int64_t ms, google::protobuf::Duration* d) {
  d->set_seconds(ms / 1000);
  d->set_nanos(static_cast<int32_t>(ms % 1000) * 1000000);
}

inline google::protobuf::Duration Millis(int64_t ms) {
  google::protobuf::Duration d;
  SetMillis(ms, &d);
  return d;
}

inline seedance::v1::ContentItem* AddContent(
    seedance::v1::CreateVideoRequest& r, seedance::v1::MediaType type,
    const std::string& url, seedance::v1::ContentRole role) {
  auto* item = r.add_content();
  item->set_type(type);
  item->set_url(url);
  item->set_role(role);
  return item;
}

}  // namespace seedance::upstream::testing

#endif  // SEEDANCE_TESTS_UPSTREAM_TEST_REQUESTS_H_
