#include "server/store/task_rows.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/time_util.h"
#include "server/upstream/pricing.h"

namespace seedance::store {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kTokenPrefix[] = "t1:";
constexpr int kMaxPageSize = 500;

}  // namespace

int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }

absl::Time FromMicros(int64_t micros) { return absl::FromUnixMicros(micros); }

absl::string_view CreateStateName(CreateState state) {
  switch (state) {
    case CreateState::kPending:
      return "PENDING";
    case CreateState::kCreated:
      return "CREATED";
    case CreateState::kUnknown:
      return "UNKNOWN";
    case CreateState::kRejected:
      return "REJECTED";
    case CreateState::kSeen:
      return "SEEN";
  }
  return "INVALID";
}

std::string EncodePageToken(const PageCursor& cursor) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kTokenPrefix, cursor.create_micros, ":", cursor.row_id));
}

absl::StatusOr<PageCursor> DecodePageToken(const std::string& token) {
  auto invalid = [] {
    return absl::InvalidArgumentError(
        "page_token: not a token from a previous ListVideos response");
  };
  std::string text;
  if (!absl::WebSafeBase64Unescape(token, &text)) return invalid();
  absl::string_view rest(text);
  if (!absl::ConsumePrefix(&rest, kTokenPrefix)) return invalid();
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(rest, absl::MaxSplits(':', 1));
  PageCursor cursor;
  if (!absl::SimpleAtoi(parts.first, &cursor.create_micros) ||
      !absl::SimpleAtoi(parts.second, &cursor.row_id) || cursor.row_id <= 0) {
    return invalid();
  }
  return cursor;
}

absl::StatusOr<TaskRecord> RecordFromColumns(const TaskColumns& c) {
  TaskRecord r;
  r.row_id = c.row_id;
  r.owner = c.owner;
  r.task_id = c.task_id;
  r.request_id = c.request_id;
  r.request_hash = c.request_hash;
  if (c.create_state < static_cast<int>(CreateState::kPending) ||
      c.create_state > static_cast<int>(CreateState::kSeen)) {
    return absl::DataLossError(absl::StrCat(
        "task row ", c.row_id, ": unknown create state ", c.create_state));
  }
  r.create_state = static_cast<CreateState>(c.create_state);
  if (c.create_error_code != 0) {
    r.create_error =
        absl::Status(static_cast<absl::StatusCode>(c.create_error_code),
                     c.create_error_message);
  }
  if (!r.video.ParseFromString(c.video)) {
    return absl::DataLossError(
        absl::StrCat("task row ", c.row_id, ": unreadable video state"));
  }
  if (!c.task_id.empty()) r.video.set_id(c.task_id);
  if (c.price) {
    v1::Price price;
    if (!price.ParseFromString(*c.price)) {
      return absl::DataLossError(
          absl::StrCat("task row ", c.row_id, ": unreadable price"));
    }
    if (r.video.has_usage()) upstream::ApplyUsage(r.video.usage(), &price);
    *r.video.mutable_price() = std::move(price);
  }
  r.sequence = c.sequence;
  r.create_time = FromMicros(c.create_micros);
  r.update_time = FromMicros(c.update_micros);
  *r.video.mutable_update_time() =
      TimeUtil::MicrosecondsToTimestamp(c.update_micros);
  r.final = c.final;
  r.expired = c.expired;
  r.lease.holder = c.lease_holder;
  r.lease.epoch = c.lease_epoch;
  r.lease.expires = FromMicros(c.lease_expires_micros);
  if (c.last_contact_micros > 0) {
    r.last_contact = FromMicros(c.last_contact_micros);
  }
  return r;
}

std::string StoredVideo(const v1::Video& video) {
  v1::Video copy = video;
  copy.clear_price();
  copy.clear_update_time();
  return copy.SerializeAsString();
}

absl::Status ValidateListQuery(const ListQuery& query) {
  if (query.owner.empty()) {
    return absl::InvalidArgumentError("owner: required");
  }
  if (query.page_size < 1 || query.page_size > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must be from 1 to ", kMaxPageSize));
  }
  return absl::OkStatus();
}

absl::StatusOr<ListStatement> BuildListStatement(const ListQuery& query) {
  if (absl::Status s = ValidateListQuery(query); !s.ok()) return s;
  ListStatement st;
  // Appends a parameter; returns its placeholder.
  auto param = [&st](SqlValue value) {
    st.params.push_back(std::move(value));
    return absl::StrCat("$", st.params.size());
  };
  // Only tasks with an id: created here, or seen here.
  st.sql = absl::StrCat(
      "SELECT ", kTaskColumnList,
      " FROM tasks WHERE owner = ", param(SqlValue::Text(query.owner)),
      " AND create_state IN (2, 5)");
  if (query.status_in.has_value()) {
    std::string list;
    for (v1::VideoStatus status : *query.status_in) {
      absl::StrAppend(&list, list.empty() ? "" : ", ",
                      param(SqlValue::Int(status)));
    }
    absl::StrAppend(&st.sql, list.empty()
                                 ? " AND 1 = 0"
                                 : absl::StrCat(" AND status IN (", list, ")"));
  }
  for (const TimeCondition& c : query.create_time) {
    const char* op = ">";
    switch (c.op) {
      case TimeCondition::Op::kLess:
        op = "<";
        break;
      case TimeCondition::Op::kLessOrEqual:
        op = "<=";
        break;
      case TimeCondition::Op::kGreater:
        op = ">";
        break;
      case TimeCondition::Op::kGreaterOrEqual:
        op = ">=";
        break;
    }
    absl::StrAppend(&st.sql, " AND create_time ", op, " ",
                    param(SqlValue::Int(ToMicros(c.time))));
  }
  if (!query.page_token.empty()) {
    absl::StatusOr<PageCursor> cursor = DecodePageToken(query.page_token);
    if (!cursor.ok()) return cursor.status();
    // Newest first, so the next page is what sorts after the cursor; tasks
    // created since sort before it and never shift a page.
    const std::string t = param(SqlValue::Int(cursor->create_micros));
    absl::StrAppend(&st.sql, " AND (create_time < ", t,
                    " OR (create_time = ", t, " AND row_id < ",
                    param(SqlValue::Int(cursor->row_id)), "))");
  }
  absl::StrAppend(&st.sql, " ORDER BY create_time DESC, row_id DESC LIMIT ",
                  param(SqlValue::Int(query.page_size + 1)));
  return st;
}

}  // namespace seedance::store
