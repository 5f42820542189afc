// Prompt marker parsing (see timeline.h).
#include "sim/timeline.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace tokenhub_sim {
namespace {

constexpr absl::string_view kMarkerOpen = "[sim:";

struct Script {
  absl::Duration queued_for;
  absl::Duration running_for;
  std::string extra_status;  // an unknown status between queued and running
  std::string hold;          // the phase held until advanced
  bool fail = false;
  std::string error_message = std::string(kDefaultFailure);
};

absl::Status BadMarker(absl::string_view directive, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("prompt marker [sim:", directive, "]: ", why));
}

absl::Status ApplyDirective(absl::string_view directive, Script* script) {
  std::pair<absl::string_view, absl::string_view> kv =
      absl::StrSplit(directive, absl::MaxSplits('=', 1));
  absl::string_view key = absl::StripAsciiWhitespace(kv.first);
  absl::string_view value = absl::StripAsciiWhitespace(kv.second);
  if (key == "queued" || key == "running") {
    absl::Duration d;
    if (!absl::ParseDuration(value, &d) || d < absl::ZeroDuration()) {
      return BadMarker(directive, "expects a duration such as 200ms");
    }
    (key == "queued" ? script->queued_for : script->running_for) = d;
  } else if (key == "status") {
    if (value.empty()) return BadMarker(directive, "status=STRING");
    script->extra_status = std::string(value);
  } else if (key == "hold") {
    script->hold = value.empty() ? "queued" : std::string(value);
  } else if (key == "fail") {
    script->fail = true;
    if (!value.empty()) script->error_message = std::string(value);
  } else if (key == "succeed") {
    script->fail = false;
  } else {
    return BadMarker(directive, "unknown directive");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Timeline> TimelineFromPrompt(absl::string_view prompt,
                                            const TimelineDefaults& defaults) {
  Script script;
  script.queued_for = defaults.queued_for;
  script.running_for = defaults.running_for;
  for (size_t pos = prompt.find(kMarkerOpen); pos != absl::string_view::npos;
       pos = prompt.find(kMarkerOpen, pos)) {
    size_t begin = pos + kMarkerOpen.size();
    size_t end = prompt.find(']', begin);
    if (end == absl::string_view::npos) {
      return absl::InvalidArgumentError("prompt marker [sim: is not closed");
    }
    absl::string_view body = prompt.substr(begin, end - begin);
    while (!body.empty()) {
      // `fail=` takes the rest of the marker, so messages may hold commas.
      absl::string_view directive = absl::StripLeadingAsciiWhitespace(body);
      size_t comma = directive.find(',');
      if (absl::StartsWith(directive, "fail=") ||
          comma == absl::string_view::npos) {
        comma = directive.size();
      }
      absl::Status s = ApplyDirective(directive.substr(0, comma), &script);
      if (!s.ok()) return s;
      body = directive.substr(std::min(comma + 1, directive.size()));
    }
    pos = end + 1;
  }

  Timeline timeline;
  timeline.phases.push_back({"queued", script.queued_for});
  if (!script.extra_status.empty()) {
    timeline.phases.push_back({script.extra_status, script.queued_for});
  }
  timeline.phases.push_back({"running", script.running_for});
  bool held = script.hold.empty();
  for (Phase& phase : timeline.phases) {
    if (phase.status == script.hold) {
      phase.duration = absl::InfiniteDuration();
      held = true;
    }
  }
  if (!held) {
    return absl::InvalidArgumentError(
        absl::StrCat("prompt marker hold=", script.hold,
                     ": no such phase (queued, running or the status= one)"));
  }
  timeline.phases.push_back(
      {std::string(script.fail ? kFailed : kSucceeded), absl::ZeroDuration()});
  if (script.fail) timeline.error_message = script.error_message;
  return timeline;
}

}  // namespace tokenhub_sim
