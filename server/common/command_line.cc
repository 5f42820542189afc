#include "server/common/command_line.h"

#include <cstdlib>
#include <iostream>

#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace seedance {
namespace {

absl::CommandLineFlag* Find(const FlagDoc& doc) {
  absl::CommandLineFlag* flag =
      absl::FindCommandLineFlag(absl::StrReplaceAll(doc.name, {{"-", "_"}}));
  if (flag == nullptr) {
    // A table row without its ABSL_FLAG: a programming error, not input.
    std::cerr << "flag table names --" << doc.name
              << " but no ABSL_FLAG defines it\n";
    std::abort();
  }
  return flag;
}

// Why a value was refused, without Abseil's "Illegal value 'x' specified for
// flag 'y'" prefix (the caller names the flag as the user wrote it).
std::string Reason(const absl::CommandLineFlag& flag, absl::string_view value,
                   absl::string_view abseil_error) {
  absl::string_view reason = abseil_error;
  absl::ConsumePrefix(
      &reason, absl::StrCat("Illegal value '", value, "' specified for flag '",
                            flag.Name(), "'"));
  absl::ConsumePrefix(&reason, "; ");
  if (!reason.empty()) return std::string(reason);
  if (flag.IsOfType<bool>()) return "must be true or false";
  if (flag.IsOfType<absl::Duration>()) {
    return "must be a duration such as 500ms, 2s or 1m";
  }
  if (flag.IsOfType<int>() || flag.IsOfType<int64_t>() ||
      flag.IsOfType<uint64_t>()) {
    return absl::StrCat("'", value, "' is not an integer");
  }
  if (flag.IsOfType<double>()) {
    return absl::StrCat("'", value, "' is not a number");
  }
  return absl::StrCat("'", value, "' is not a valid value");
}

// Sets `flag` from `value`; RepeatedText flags append it.
absl::Status Set(absl::CommandLineFlag& flag, absl::string_view value,
                 absl::string_view label) {
  std::string text(value);
  if (flag.IsOfType<RepeatedText>()) {
    if (value.find('\n') != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(label, ": a value cannot hold a line break"));
    }
    std::string current = flag.CurrentValue();
    if (!current.empty()) text = absl::StrCat(current, "\n", value);
  }
  std::string error;
  if (flag.ParseFrom(text, &error)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(label, ": ", Reason(flag, text, error)));
}

const FlagDoc* FindDoc(absl::Span<const FlagDoc> flags,
                       absl::string_view name) {
  for (const FlagDoc& doc : flags) {
    if (name == doc.name) return &doc;
  }
  return nullptr;
}

}  // namespace

const absl::CommandLineFlag& FlagOf(const FlagDoc& doc) { return *Find(doc); }

bool IsSwitch(const FlagDoc& doc) { return FlagOf(doc).IsOfType<bool>(); }

std::string ShownDefault(const FlagDoc& doc) {
  if (doc.shown_default != nullptr) return doc.shown_default;
  return FlagOf(doc).DefaultValue();
}

absl::StatusOr<ParsedArgs> ParseFlags(absl::Span<const FlagDoc> flags, int argc,
                                      const char* const* argv,
                                      const EnvLookup& env) {
  ParsedArgs parsed;
  for (const FlagDoc& doc : flags) {
    absl::CommandLineFlag& flag = *Find(doc);
    std::string error;
    if (!flag.ParseFrom(flag.DefaultValue(), &error)) {
      return absl::InternalError(absl::StrCat("--", doc.name, ": ", error));
    }
  }
  for (const FlagDoc& doc : flags) {
    const char* value = *doc.env != '\0' ? env(doc.env) : nullptr;
    if (value == nullptr || *value == '\0') continue;
    if (absl::Status s = Set(*Find(doc), value, doc.env); !s.ok()) return s;
    parsed.given.insert(doc.name);
  }
  // A RepeatedText flag given on the command line replaces its variable's
  // values rather than adding to them.
  std::set<const FlagDoc*> repeated_seen;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") {
      parsed.positional.insert(parsed.positional.end(), argv + i + 1,
                               argv + argc);
      break;
    }
    if (!absl::ConsumePrefix(&arg, "--")) {
      parsed.positional.emplace_back(arg);
      continue;
    }
    std::pair<absl::string_view, absl::string_view> name_value =
        absl::StrSplit(arg, absl::MaxSplits('=', 1));
    absl::string_view name = name_value.first;
    const bool has_value = arg.find('=') != absl::string_view::npos;
    std::string value(name_value.second);

    const FlagDoc* doc = FindDoc(flags, name);
    bool negated = false;
    if (doc == nullptr && absl::StartsWith(name, "no-")) {
      doc = FindDoc(flags, name.substr(3));
      negated = doc != nullptr && IsSwitch(*doc);
      if (!negated) doc = nullptr;
    }
    if (doc == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, " (see --help)"));
    }
    const std::string label = absl::StrCat("--", name);
    absl::CommandLineFlag& flag = *Find(*doc);
    if (negated) {
      if (has_value) {
        return absl::InvalidArgumentError(
            absl::StrCat(label, " takes no value"));
      }
      value = "false";
    } else if (!has_value) {
      if (flag.IsOfType<bool>()) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat(label, " needs a value"));
      }
    }
    if (flag.IsOfType<RepeatedText>() && repeated_seen.insert(doc).second) {
      std::string error;
      if (!flag.ParseFrom("", &error)) {  // drop the variable's values
        return absl::InternalError(absl::StrCat(label, ": ", error));
      }
    }
    if (absl::Status s = Set(flag, value, label); !s.ok()) return s;
    parsed.given.insert(doc->name);
  }
  return parsed;
}

std::string WrapText(absl::string_view text, int indent, int width) {
  std::string out;
  int column = indent;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    int length = static_cast<int>(word.size());
    if (!out.empty() && column + 1 + length > width) {
      absl::StrAppend(&out, "\n", std::string(indent, ' '));
      column = indent;
    } else if (!out.empty()) {
      out += ' ';
      ++column;
    }
    absl::StrAppend(&out, word);
    column += length;
  }
  return out;
}

bool AbslParseFlag(absl::string_view text, PositiveInt* out,
                   std::string* error) {
  if (!absl::SimpleAtoi(text, &out->value) || out->value <= 0) {
    *error = "must be a positive integer";
    return false;
  }
  return true;
}
std::string AbslUnparseFlag(PositiveInt v) { return absl::StrCat(v.value); }

bool AbslParseFlag(absl::string_view text, NonNegativeInt* out,
                   std::string* error) {
  if (!absl::SimpleAtoi(text, &out->value) || out->value < 0) {
    *error = "must be 0 or a positive integer";
    return false;
  }
  return true;
}
std::string AbslUnparseFlag(NonNegativeInt v) { return absl::StrCat(v.value); }

bool AbslParseFlag(absl::string_view text, NonNegativeDuration* out,
                   std::string* error) {
  if (!absl::ParseDuration(text, &out->value) ||
      out->value < absl::ZeroDuration()) {
    *error = "must be a duration such as 500ms, 2s or 1m";
    return false;
  }
  return true;
}
std::string AbslUnparseFlag(NonNegativeDuration v) {
  return absl::FormatDuration(v.value);
}

bool AbslParseFlag(absl::string_view text, RepeatedText* out, std::string*) {
  out->values.clear();
  if (text.empty()) return true;
  out->values = absl::StrSplit(text, '\n');
  return true;
}
std::string AbslUnparseFlag(const RepeatedText& v) {
  return absl::StrJoin(v.values, "\n");
}

}  // namespace seedance
