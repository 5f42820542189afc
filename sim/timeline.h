// Timeline: the scripted life of one task (queued -> running -> succeeded
// or failed, possibly with extra phases or held phases), and the parser for
// the `[sim:...]` prompt markers that choose it. docs/SIMULATOR.md.
#ifndef SEEDANCE_SIM_TIMELINE_H_
#define SEEDANCE_SIM_TIMELINE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tokenhub_sim {

inline constexpr absl::string_view kSucceeded = "succeeded";
inline constexpr absl::string_view kFailed = "failed";
inline constexpr absl::string_view kDefaultFailure =
    "video generation failed (simulated)";

struct Phase {
  std::string status;
  // How long the phase lasts; absl::InfiniteDuration() holds it until a
  // control call advances the task. Ignored for the last (terminal) phase.
  absl::Duration duration;
};

struct Timeline {
  // Non-empty; the last phase is terminal ("succeeded" or "failed").
  std::vector<Phase> phases;
  // The failure message when the terminal phase is "failed".
  std::string error_message;
};

// The default phase durations, already multiplied by the time scale.
struct TimelineDefaults {
  absl::Duration queued_for = absl::Seconds(1);
  absl::Duration running_for = absl::Seconds(4);
};

// Builds the timeline of a task from every `[sim:...]` marker in its prompt
// (none: the default queued -> running -> succeeded). Durations written in a
// marker are wall-clock time and are NOT scaled. Unknown directives are an
// error, so a typo in a test does not silently run the default.
absl::StatusOr<Timeline> TimelineFromPrompt(absl::string_view prompt,
                                            const TimelineDefaults& defaults);

}  // namespace tokenhub_sim

#endif  // SEEDANCE_SIM_TIMELINE_H_
