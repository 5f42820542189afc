// The JSON bodies the simulator sends: TokenHub task objects, OpenAI-style
// error bodies, and the content faults that damage a body on purpose.
#ifndef SEEDANCE_SIM_REPLIES_H_
#define SEEDANCE_SIM_REPLIES_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "rapidjson/document.h"
#include "sim/fault_rule.h"
#include "sim/task_store.h"

namespace tokenhub_sim {

// {"error":{"message":...,"type":...,"code":...}}
std::string ErrorBody(absl::string_view message, absl::string_view type,
                      absl::string_view code);

// The documented task object. `media_base` is "http://host:port"; result
// URLs point at the simulator's own /media/{id}/... files.
void BuildTaskDocument(const TaskView& task, absl::string_view media_base,
                       rapidjson::Document* doc);

// Applies kUnknownStatus, kMissingFields, kExtraFields or kHuge to a task
// object; other kinds leave it alone.
void ApplyContentFault(const FaultRule& rule, rapidjson::Document* doc);

// The `echo_key=error` body: `key` in error.message (after a space and after
// `Bearer `), error.code (after a letter) and error.type (after a digit).
std::string EchoKeyErrorBody(absl::string_view key);

// `echo_key=task|status|id` on a task object: `task` puts `key` into
// error.message/code/type, `model` (at the end) and the result URLs;
// `status` appends it to `status`; `id` appends it to `id`.
void ApplyEchoKey(absl::string_view where, absl::string_view key,
                  rapidjson::Document* doc);

std::string ToJson(const rapidjson::Value& value);

// RFC 9110 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string ImfFixdate(absl::Time t);

}  // namespace tokenhub_sim

#endif  // SEEDANCE_SIM_REPLIES_H_
