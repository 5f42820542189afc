// What every TaskStore implementation shares between a task's columns and a
// TaskRecord: times as Unix microseconds, the opaque page token, and the
// rule that the recorded price (with the upstream's usage applied) is the
// one a record shows. Keeping this in one place is what makes the SQLite
// and PostgreSQL stores answer alike.
#ifndef SEEDANCE_SERVER_STORE_TASK_ROWS_H_
#define SEEDANCE_SERVER_STORE_TASK_ROWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "server/store/sql_connection.h"
#include "server/store/task_store.h"

namespace seedance::store {

// Times are stored as whole microseconds since the Unix epoch: exact,
// comparable in SQL, and the same in both engines.
int64_t ToMicros(absl::Time t);
absl::Time FromMicros(int64_t micros);

// Position after a row in a newest-first listing.
struct PageCursor {
  int64_t create_micros = 0;
  int64_t row_id = 0;
};
std::string EncodePageToken(const PageCursor& cursor);
// INVALID_ARGUMENT (naming page_token) for anything EncodePageToken did not
// make.
absl::StatusOr<PageCursor> DecodePageToken(const std::string& token);

// The columns of one task row, as read from either engine.
struct TaskColumns {
  int64_t row_id = 0;
  std::string owner;
  std::string task_id;
  std::string request_id;
  std::string request_hash;
  int create_state = 0;
  int create_error_code = 0;
  std::string create_error_message;
  int64_t sequence = 0;
  std::string video;                  // serialized v1::Video
  absl::optional<std::string> price;  // serialized v1::Price
  int64_t create_micros = 0;
  int64_t update_micros = 0;
  bool final = false;
  bool expired = false;
  std::string lease_holder;  // "" (NULL): none
  int64_t lease_epoch = 0;
  int64_t lease_expires_micros = 0;
  int64_t last_contact_micros = 0;  // 0: never
};

// The record a row stands for: the video with its id, update_time and the
// recorded price (actual cost filled in from the video's usage).
absl::StatusOr<TaskRecord> RecordFromColumns(const TaskColumns& columns);

// Serialized `video` without the fields the store keeps itself (price,
// update_time), so a stored state never carries a stale copy of them.
std::string StoredVideo(const v1::Video& video);

// Checks a ListQuery: owner set, page_size in 1..500.
absl::Status ValidateListQuery(const ListQuery& query);

// One ListTasks statement and its parameters, in `$N` placeholders (see
// sql_connection.h). It selects kTaskColumnList, newest first, one row more
// than the page size (so the caller knows whether another page follows).
struct ListStatement {
  std::string sql;
  std::vector<SqlValue> params;
};
absl::StatusOr<ListStatement> BuildListStatement(const ListQuery& query);

// The task columns every SELECT reads, in TaskColumns order.
inline constexpr char kTaskColumnList[] =
    "row_id, owner, task_id, request_id, request_hash, create_state, "
    "create_error_code, create_error_message, sequence, video, price, "
    "create_time, update_time, final, expired, lease_holder, lease_epoch, "
    "lease_expires, last_contact";

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_TASK_ROWS_H_
