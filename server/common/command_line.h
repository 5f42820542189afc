// Command lines over Abseil flags: each program defines its settings with
// ABSL_FLAG (typed values, defaults, help text, parsing by the value's
// AbslParseFlag) and lists them in a table of FlagDoc rows that adds what
// Abseil lacks: an environment variable per flag, `--kebab-case` names,
// `--no-x` for booleans, repeatable flags, errors as values that name the
// flag (or variable) as the user wrote it, and the row order for --help.
//
//   ABSL_FLAG(PositiveInt, max_streams, PositiveInt{20000}, "open streams");
//   constexpr FlagDoc kFlags[] = {{"max-streams", "SEEDANCE_MAX_STREAMS"}};
//   absl::StatusOr<ParsedArgs> args = ParseFlags(kFlags, argc, argv, env);
//   int n = absl::GetFlag(FLAGS_max_streams).value;
//
// Why not absl::ParseCommandLine: in Abseil 20220623 it exits the process on
// the first bad value (so it cannot be tested or report the variable that
// held it), names the flag `max_streams` rather than `--max-streams`, knows
// no environment variables and keeps only the last of repeated flags.
#ifndef SEEDANCE_SERVER_COMMON_COMMAND_LINE_H_
#define SEEDANCE_SERVER_COMMON_COMMAND_LINE_H_

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace seedance {

// One documented flag. Its Abseil flag is `name` with '-' as '_'.
struct FlagDoc {
  const char* name;                     // as typed, without "--": "max-streams"
  const char* env = "";                 // variable read when the flag is absent
  const char* shown_default = nullptr;  // for --help; null: Abseil's default
  const char* value_name = "VALUE";     // for --help: --name VALUE
};

// Looks up environment variables (getenv in production, a map in tests).
using EnvLookup = std::function<const char*(const char* name)>;

struct ParsedArgs {
  // Arguments that are not flags, in order (everything after "--" too).
  std::vector<std::string> positional;
  // Names (as in FlagDoc) set by a flag or its variable.
  std::set<std::string> given;
  bool Given(absl::string_view name) const {
    return given.count(std::string(name)) > 0;
  }
};

// Resets every flag of `flags` to its default, applies the environment,
// then argv[1..]: `--name=value`, `--name value`, `--bool`, `--no-bool`,
// `--bool=true|false`; a RepeatedText flag collects every occurrence. A flag
// beats its variable, which beats the default. Unknown flags and bad values
// are InvalidArgument naming `--name` (or the variable).
absl::StatusOr<ParsedArgs> ParseFlags(absl::Span<const FlagDoc> flags, int argc,
                                      const char* const* argv,
                                      const EnvLookup& env);

// The Abseil flag behind a row (its Help(), DefaultValue(), IsOfType<>()).
// Dies if the program never defined it: a table bug, caught by any test.
const absl::CommandLineFlag& FlagOf(const FlagDoc& doc);

// Whether the row is a boolean flag (no value; --no-name exists).
bool IsSwitch(const FlagDoc& doc);

// The default --help shows for the row.
std::string ShownDefault(const FlagDoc& doc);

// `text` folded into lines of at most `width` columns, each line after the
// first starting with `indent` spaces.
std::string WrapText(absl::string_view text, int indent, int width = 79);

// --- Value types whose parsing checks the range, for ABSL_FLAG. ---------

// An integer above 0.
struct PositiveInt {
  int value = 0;
};
bool AbslParseFlag(absl::string_view text, PositiveInt* out,
                   std::string* error);
std::string AbslUnparseFlag(PositiveInt v);

// An integer 0 or above (0 usually meaning "off" or "no limit").
struct NonNegativeInt {
  int value = 0;
};
bool AbslParseFlag(absl::string_view text, NonNegativeInt* out,
                   std::string* error);
std::string AbslUnparseFlag(NonNegativeInt v);

// A duration that is not negative: 500ms, 2s, 1m, 1h30m.
struct NonNegativeDuration {
  absl::Duration value;
};
bool AbslParseFlag(absl::string_view text, NonNegativeDuration* out,
                   std::string* error);
std::string AbslUnparseFlag(NonNegativeDuration v);

// Every value of a repeatable flag, in order (ParseFlags appends each
// occurrence; stored one per line, so a value may hold commas).
struct RepeatedText {
  std::vector<std::string> values;
};
bool AbslParseFlag(absl::string_view text, RepeatedText* out,
                   std::string* error);
std::string AbslUnparseFlag(const RepeatedText& v);

}  // namespace seedance

#endif  // SEEDANCE_SERVER_COMMON_COMMAND_LINE_H_
