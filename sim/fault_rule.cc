// Parsing of the fault spec syntax (see fault_rule.h, docs/SIMULATOR.md).
#include "sim/fault_rule.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "rapidjson/document.h"

namespace tokenhub_sim {
namespace {

absl::Status Bad(absl::string_view spec, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("fault \"", spec, "\": ", why));
}

// Parses "A-B" or "A" into an inclusive range of 1-based match numbers.
bool ParseRange(absl::string_view text, std::pair<int64_t, int64_t>* range) {
  std::vector<absl::string_view> ends = absl::StrSplit(text, '-');
  if (ends.size() > 2) return false;
  if (!absl::SimpleAtoi(ends[0], &range->first)) return false;
  range->second = range->first;
  if (ends.size() == 2 && !absl::SimpleAtoi(ends[1], &range->second)) {
    return false;
  }
  return range->first >= 1 && range->second >= range->first;
}

// Applies one kind token ("503", "reset", "latency=200ms", ...). Returns
// false if the token names no kind.
absl::StatusOr<bool> ApplyKind(absl::string_view spec, absl::string_view key,
                               absl::string_view value, bool has_value,
                               FaultRule* rule) {
  int code = 0;
  bool is_code = !has_value && absl::SimpleAtoi(key, &code);
  if (key == "status") {
    if (!has_value || !absl::SimpleAtoi(value, &code)) {
      return Bad(spec, "status=NNN");
    }
    is_code = true;
  }
  if (is_code) {
    if (code < 400 || code > 599) return Bad(spec, "status must be 4xx/5xx");
    rule->kind = code == 429 ? FaultKind::kRateLimit : FaultKind::kStatus;
    rule->status = code;
    return true;
  }
  struct Simple {
    absl::string_view name;
    FaultKind kind;
  };
  static constexpr Simple kSimple[] = {
      {"reset", FaultKind::kReset},
      {"reset_after_create", FaultKind::kResetAfterCreate},
      {"truncate", FaultKind::kTruncate},
      {"malformed", FaultKind::kMalformed},
      {"extra_fields", FaultKind::kExtraFields},
  };
  for (const Simple& s : kSimple) {
    if (key == s.name) {
      if (has_value) return Bad(spec, absl::StrCat(key, " takes no value"));
      rule->kind = s.kind;
      return true;
    }
  }
  if (key == "latency" || key == "stall") {
    rule->kind = key == "latency" ? FaultKind::kLatency : FaultKind::kStall;
    if (key == "latency" && !has_value) return Bad(spec, "latency=DURATION");
    if (has_value && (!absl::ParseDuration(value, &rule->duration) ||
                      rule->duration < absl::ZeroDuration())) {
      return Bad(spec, "bad duration (e.g. 200ms, 2s)");
    }
    return true;
  }
  if (key == "unknown_status") {
    if (value.empty()) return Bad(spec, "unknown_status=STRING");
    rule->kind = FaultKind::kUnknownStatus;
    rule->text = std::string(value);
    return true;
  }
  if (key == "echo_key") {
    rule->kind = FaultKind::kEchoKey;
    rule->text = has_value ? std::string(value) : "error";
    if (rule->text != "error" && rule->text != "task" &&
        rule->text != "status" && rule->text != "id") {
      return Bad(spec, "echo_key=error|task|status|id");
    }
    return true;
  }
  if (key == "missing_fields") {
    rule->kind = FaultKind::kMissingFields;
    rule->fields = has_value ? absl::StrSplit(value, '+', absl::SkipEmpty())
                             : std::vector<std::string>{"status"};
    if (rule->fields.empty()) return Bad(spec, "missing_fields=a+b");
    return true;
  }
  if (key == "huge") {
    rule->kind = FaultKind::kHuge;
    if (has_value && (!absl::SimpleAtoi(value, &rule->huge_bytes) ||
                      rule->huge_bytes < 0 || rule->huge_bytes > (1 << 30))) {
      return Bad(spec, "huge=BYTES (at most 1 GiB)");
    }
    return true;
  }
  return false;
}

absl::Status ApplyOption(absl::string_view spec, absl::string_view key,
                         absl::string_view value, FaultRule* rule) {
  if (key == "method") {
    std::string m = absl::AsciiStrToUpper(value);
    if (m == "GET") {
      rule->method = FaultMethod::kGet;
    } else if (m == "POST") {
      rule->method = FaultMethod::kPost;
    } else if (m == "ANY") {
      rule->method = FaultMethod::kAny;
    } else {
      return Bad(spec, "method must be GET, POST or any");
    }
  } else if (key == "path") {
    if (value == "api") {
      rule->path = FaultPath::kApi;
    } else if (value == "media") {
      rule->path = FaultPath::kMedia;
    } else if (value == "all") {
      rule->path = FaultPath::kAll;
    } else {
      return Bad(spec, "path must be api, media or all");
    }
  } else if (key == "rate") {
    if (!absl::SimpleAtod(value, &rule->rate) || !(rule->rate > 0) ||
        rule->rate > 1) {
      return Bad(spec, "rate must be in (0, 1]");
    }
  } else if (key == "seq") {
    for (absl::string_view part : absl::StrSplit(value, '+')) {
      std::pair<int64_t, int64_t> range;
      if (!ParseRange(part, &range)) {
        return Bad(spec, "seq must be N, A-B or a '+' list of them");
      }
      rule->sequence.push_back(range);
    }
  } else if (key == "next") {
    int64_t n = 0;
    if (!absl::SimpleAtoi(value, &n) || n < 1) return Bad(spec, "next=N");
    rule->sequence.push_back({1, n});
  } else if (key == "count") {
    if (!absl::SimpleAtoi(value, &rule->max_fires) || rule->max_fires < 0) {
      return Bad(spec, "count=N");
    }
  } else if (key == "retry_after" || key == "retry_after_date") {
    if (!absl::SimpleAtoi(value, &rule->retry_after_seconds) ||
        rule->retry_after_seconds < 0) {
      return Bad(spec, "retry_after needs whole seconds >= 0");
    }
    rule->retry_after_date = key == "retry_after_date";
  } else {
    return Bad(spec, absl::StrCat("unknown key \"", key, "\""));
  }
  return absl::OkStatus();
}

// Renders a JSON object item as the equivalent text spec.
absl::StatusOr<std::string> JsonItemToSpec(const rapidjson::Value& item) {
  if (item.IsString()) return std::string(item.GetString());
  if (!item.IsObject()) {
    return absl::InvalidArgumentError("fault items must be strings or objects");
  }
  std::vector<std::string> tokens;
  std::string kind;
  for (auto it = item.MemberBegin(); it != item.MemberEnd(); ++it) {
    std::string value;
    if (it->value.IsString()) {
      value = it->value.GetString();
    } else if (it->value.IsInt64()) {
      value = absl::StrCat(it->value.GetInt64());
    } else if (it->value.IsNumber()) {
      value = absl::StrCat(it->value.GetDouble());
    } else if (it->value.IsArray()) {
      std::vector<std::string> parts;
      for (const auto& v : it->value.GetArray()) {
        if (!v.IsString()) return absl::InvalidArgumentError("bad fault list");
        parts.push_back(v.GetString());
      }
      value = absl::StrJoin(parts, "+");
    } else if (it->value.IsTrue()) {
      value.clear();
    } else {
      return absl::InvalidArgumentError("bad fault value type");
    }
    std::string key = it->name.GetString();
    if (key == "kind") {
      kind = value;
    } else {
      tokens.push_back(value.empty() ? key : absl::StrCat(key, "=", value));
    }
  }
  if (kind.empty()) return absl::InvalidArgumentError("fault needs a kind");
  tokens.insert(tokens.begin(), kind);
  return absl::StrJoin(tokens, ",");
}

}  // namespace

absl::StatusOr<FaultRule> ParseFaultRule(absl::string_view spec) {
  spec = absl::StripAsciiWhitespace(spec);
  FaultRule rule;
  rule.spec = std::string(spec);
  bool have_kind = false;
  for (absl::string_view token : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    token = absl::StripAsciiWhitespace(token);
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(token, absl::MaxSplits('=', 1));
    bool has_value = absl::StrContains(token, '=');
    absl::StatusOr<bool> is_kind =
        ApplyKind(spec, kv.first, kv.second, has_value, &rule);
    if (!is_kind.ok()) return is_kind.status();
    if (*is_kind) {
      if (have_kind) return Bad(spec, "more than one kind");
      have_kind = true;
      continue;
    }
    if (!has_value) {
      return Bad(spec, absl::StrCat("unknown kind \"", token, "\""));
    }
    absl::Status s = ApplyOption(spec, kv.first, kv.second, &rule);
    if (!s.ok()) return s;
  }
  if (!have_kind) return Bad(spec, "no kind (e.g. 503, reset, latency=1s)");
  if (rule.rate > 0 && !rule.sequence.empty()) {
    return Bad(spec, "rate and seq/next are exclusive");
  }
  if (rule.retry_after_seconds >= 0 && rule.kind != FaultKind::kRateLimit &&
      rule.kind != FaultKind::kStatus) {
    return Bad(spec, "retry_after applies to status faults only");
  }
  return rule;
}

absl::StatusOr<std::vector<FaultRule>> ParseFaultRules(absl::string_view text) {
  std::vector<std::string> specs;
  absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (absl::StartsWith(trimmed, "[")) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(trimmed.data(), trimmed.size());
    if (doc.HasParseError() || !doc.IsArray()) {
      return absl::InvalidArgumentError("faults: malformed JSON array");
    }
    for (const auto& item : doc.GetArray()) {
      absl::StatusOr<std::string> spec = JsonItemToSpec(item);
      if (!spec.ok()) return spec.status();
      specs.push_back(*std::move(spec));
    }
  } else {
    specs =
        absl::StrSplit(trimmed, absl::ByAnyChar(";\n"), absl::SkipWhitespace());
  }
  std::vector<FaultRule> rules;
  for (const std::string& spec : specs) {
    absl::StatusOr<FaultRule> rule = ParseFaultRule(spec);
    if (!rule.ok()) return rule.status();
    rules.push_back(*std::move(rule));
  }
  return rules;
}

std::string FaultStatsKind(const FaultRule& rule) {
  switch (rule.kind) {
    case FaultKind::kStatus:
    case FaultKind::kRateLimit:
      return absl::StrCat("fault_", rule.status);
    case FaultKind::kLatency:
      return "fault_latency";
    case FaultKind::kStall:
      return "fault_stall";
    case FaultKind::kReset:
      return "fault_reset";
    case FaultKind::kResetAfterCreate:
      return "fault_reset_after_create";
    case FaultKind::kTruncate:
      return "fault_truncate";
    case FaultKind::kMalformed:
      return "fault_malformed";
    case FaultKind::kUnknownStatus:
      return "fault_unknown_status";
    case FaultKind::kMissingFields:
      return "fault_missing_fields";
    case FaultKind::kExtraFields:
      return "fault_extra_fields";
    case FaultKind::kHuge:
      return "fault_huge";
    case FaultKind::kEchoKey:
      return "fault_echo_key";
  }
  return "fault";
}

}  // namespace tokenhub_sim
