#include "server/gateway/list_request.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "server/common/status_details.h"
#include "server/gateway/task_records.h"
#include "server/store/list_filter.h"

namespace seedance::gateway {
namespace {

// INVALID_ARGUMENT with a BadRequest naming `field`.
absl::Status BadField(absl::string_view field, absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(
      absl::StartsWith(message, absl::StrCat(field, ":"))
          ? std::string(message)
          : absl::StrCat(field, ": ", message));
  google::rpc::BadRequest bad;
  auto* v = bad.add_field_violations();
  v->set_field(std::string(field));
  v->set_description(std::string(message));
  AddDetail(status, bad);
  return status;
}

}  // namespace

absl::StatusOr<store::ListQuery> ListQueryFor(
    const v1::ListVideosRequest& request, std::string owner) {
  if (request.page_size() < 0) {
    return BadField("page_size", absl::StrCat("must not be negative, got ",
                                              request.page_size()));
  }
  store::ListQuery query;
  query.owner = std::move(owner);
  query.page_size = request.page_size() == 0             ? kDefaultPageSize
                    : request.page_size() > kMaxPageSize ? kMaxPageSize
                                                         : request.page_size();
  query.page_token = request.page_token();
  if (absl::Status s = store::ParseListFilter(request.filter(), query);
      !s.ok()) {
    return BadField("filter", s.message());
  }
  return query;
}

v1::ListVideosResponse ListResponseFor(const store::ListPage& page) {
  v1::ListVideosResponse out;
  out.mutable_videos()->Reserve(static_cast<int>(page.tasks.size()));
  for (const store::TaskRecord& record : page.tasks) {
    *out.add_videos() = RecordVideo(record);
  }
  out.set_next_page_token(page.next_page_token);
  return out;
}

}  // namespace seedance::gateway
