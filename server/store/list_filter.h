// ParseListFilter: the `filter` of ListVideos, a small subset of AIP-160
// (google.aip.dev/160), turned into a ListQuery's conditions.
//
//   status = SUCCEEDED
//   status = QUEUED OR status = RUNNING
//   status != FAILED AND create_time >= "2026-11-01T00:00:00Z"
//   create_time > "2026-11-30T12:00:00+01:00" AND create_time <
//   "2026-12-01T00:00:00Z"
//
// Grammar: comparisons joined by AND; a comparison is `status = S`,
// `status != S`, or `create_time OP "RFC 3339 timestamp"` with OP one of
// = < <= > >=; `status` comparisons may be joined by OR (which, as in
// AIP-160, binds tighter than AND) and parenthesised. S is a VideoStatus
// name with or without its `VIDEO_STATUS_` prefix. Keywords are upper case.
// Anything else is INVALID_ARGUMENT naming what was wrong and where.
#ifndef SEEDANCE_SERVER_STORE_LIST_FILTER_H_
#define SEEDANCE_SERVER_STORE_LIST_FILTER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/store/task_store.h"

namespace seedance::store {

// Adds the conditions of `filter` to `query` (its status_in and
// create_time). An empty filter adds none; a filter no task can match
// (`status = QUEUED AND status = RUNNING`) is valid and matches nothing.
// On error `query` is left part-filled: discard it.
absl::Status ParseListFilter(absl::string_view filter, ListQuery& query);

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_LIST_FILTER_H_
