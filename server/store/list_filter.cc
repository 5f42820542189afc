#include "server/store/list_filter.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace seedance::store {
namespace {

// Longer filters are refused before parsing: nothing useful needs more.
constexpr size_t kMaxFilterBytes = 1024;

// The statuses a filter may name, in the proto's order.
constexpr v1::VideoStatus kStatuses[] = {
    v1::VIDEO_STATUS_QUEUED, v1::VIDEO_STATUS_RUNNING,
    v1::VIDEO_STATUS_SUCCEEDED, v1::VIDEO_STATUS_FAILED,
    v1::VIDEO_STATUS_UNKNOWN};

struct Token {
  enum class Kind { kWord, kString, kOp, kOpen, kClose, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;
  size_t position = 0;  // byte offset, for messages
};

absl::Status Invalid(absl::string_view what, size_t position) {
  return absl::InvalidArgumentError(
      absl::StrCat("filter: ", what, " at position ", position + 1));
}

absl::StatusOr<std::vector<Token>> Tokenize(absl::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    Token t;
    t.position = i;
    if (c == '(' || c == ')') {
      t.kind = c == '(' ? Token::Kind::kOpen : Token::Kind::kClose;
      t.text = std::string(1, c);
      ++i;
    } else if (c == '"') {
      size_t end = text.find('"', i + 1);
      if (end == absl::string_view::npos) {
        return Invalid("unterminated string", i);
      }
      t.kind = Token::Kind::kString;
      t.text = std::string(text.substr(i + 1, end - i - 1));
      i = end + 1;
    } else if (c == '=' || c == '<' || c == '>' || c == '!') {
      t.kind = Token::Kind::kOp;
      const bool two = i + 1 < text.size() && text[i + 1] == '=';
      t.text = std::string(text.substr(i, two ? 2 : 1));
      if (t.text == "!") return Invalid("'!' must be '!='", i);
      i += t.text.size();
    } else if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_') {
      // A bare value that starts with a digit keeps its punctuation, so an
      // unquoted timestamp reads as one (wrong) value, not as noise.
      const bool number = absl::ascii_isdigit(static_cast<unsigned char>(c));
      auto in_word = [&](char w) {
        return absl::ascii_isalnum(static_cast<unsigned char>(w)) || w == '_' ||
               (number && (w == '-' || w == ':' || w == '.' || w == '+'));
      };
      size_t end = i;
      while (end < text.size() && in_word(text[end])) ++end;
      t.kind = Token::Kind::kWord;
      t.text = std::string(text.substr(i, end - i));
      i = end;
    } else {
      return Invalid(absl::StrCat("unexpected character '",
                                  absl::CEscape(absl::string_view(&c, 1)), "'"),
                     i);
    }
    tokens.push_back(std::move(t));
  }
  Token end;
  end.position = text.size();
  tokens.push_back(end);
  return tokens;
}

absl::StatusOr<v1::VideoStatus> StatusNamed(const Token& t) {
  if (t.kind != Token::Kind::kWord) {
    return Invalid("expected a status name", t.position);
  }
  absl::string_view name = t.text;
  absl::ConsumePrefix(&name, "VIDEO_STATUS_");
  for (v1::VideoStatus s : kStatuses) {
    absl::string_view full = v1::VideoStatus_Name(s);
    absl::ConsumePrefix(&full, "VIDEO_STATUS_");
    if (name == full) return s;
  }
  return Invalid(absl::StrCat("unknown status '", t.text,
                              "' (QUEUED, RUNNING, SUCCEEDED, FAILED or "
                              "UNKNOWN)"),
                 t.position);
}

// Recursive descent over the token list; see the grammar in the header.
class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  absl::Status Parse(ListQuery& query) {
    while (true) {
      if (absl::Status s = Conjunct(query); !s.ok()) return s;
      if (Peek().kind == Token::Kind::kEnd) return absl::OkStatus();
      if (!IsWord("AND")) {
        return Invalid(absl::StrCat("expected AND, found '", Peek().text, "'"),
                       Peek().position);
      }
      Next();
    }
  }

 private:
  const Token& Peek() const { return tokens_[index_]; }
  const Token& Next() {
    const Token& t = tokens_[index_];
    if (t.kind != Token::Kind::kEnd) ++index_;
    return t;
  }
  bool IsWord(absl::string_view word) const {
    return Peek().kind == Token::Kind::kWord && Peek().text == word;
  }

  // One AND operand: a time comparison, or status comparisons joined by
  // OR (optionally in parentheses); narrows `query`.
  absl::Status Conjunct(ListQuery& query) {
    if (IsWord("create_time")) return TimeComparison(query);
    const bool parenthesised = Peek().kind == Token::Kind::kOpen;
    if (parenthesised) Next();
    std::vector<v1::VideoStatus> any_of;
    while (true) {
      if (absl::Status s = StatusComparison(any_of); !s.ok()) return s;
      if (!IsWord("OR")) break;
      Next();
    }
    if (parenthesised) {
      if (Peek().kind != Token::Kind::kClose) {
        return Invalid("expected ')'", Peek().position);
      }
      Next();
    }
    // AND of status sets: keep what every operand allows.
    if (!query.status_in.has_value()) {
      query.status_in = any_of;
    } else {
      std::vector<v1::VideoStatus> both;
      for (v1::VideoStatus s : *query.status_in) {
        if (std::find(any_of.begin(), any_of.end(), s) != any_of.end()) {
          both.push_back(s);
        }
      }
      query.status_in = both;
    }
    return absl::OkStatus();
  }

  // `status = S` or `status != S`; adds the statuses it allows.
  absl::Status StatusComparison(std::vector<v1::VideoStatus>& any_of) {
    const Token& field = Next();
    if (field.kind != Token::Kind::kWord || field.text != "status") {
      if (field.kind == Token::Kind::kEnd) {
        return Invalid("expected a comparison", field.position);
      }
      return Invalid(absl::StrCat("unknown field '", field.text,
                                  "' (status or create_time)"),
                     field.position);
    }
    const Token& op = Next();
    if (op.kind != Token::Kind::kOp || (op.text != "=" && op.text != "!=")) {
      return Invalid("status takes = or !=", op.position);
    }
    const Token& value = Next();
    absl::StatusOr<v1::VideoStatus> status = StatusNamed(value);
    if (!status.ok()) return status.status();
    for (v1::VideoStatus s : kStatuses) {
      const bool allowed = op.text == "=" ? s == *status : s != *status;
      if (allowed &&
          std::find(any_of.begin(), any_of.end(), s) == any_of.end()) {
        any_of.push_back(s);
      }
    }
    return absl::OkStatus();
  }

  // `create_time OP "timestamp"`.
  absl::Status TimeComparison(ListQuery& query) {
    Next();  // create_time
    const Token& op = Next();
    TimeCondition c;
    if (op.kind != Token::Kind::kOp) {
      return Invalid("create_time takes =, <, <=, > or >=", op.position);
    }
    if (op.text == "<") {
      c.op = TimeCondition::Op::kLess;
    } else if (op.text == "<=") {
      c.op = TimeCondition::Op::kLessOrEqual;
    } else if (op.text == ">") {
      c.op = TimeCondition::Op::kGreater;
    } else if (op.text == ">=" || op.text == "=") {
      c.op = TimeCondition::Op::kGreaterOrEqual;
    } else {
      return Invalid("create_time takes =, <, <=, > or >=", op.position);
    }
    const Token& value = Next();
    std::string error;
    if (value.kind != Token::Kind::kString ||
        !absl::ParseTime(absl::RFC3339_full, value.text, &c.time, &error)) {
      return Invalid(
          "create_time needs a quoted RFC 3339 timestamp such as "
          "\"2026-12-01T00:00:00Z\"",
          value.position);
    }
    query.create_time.push_back(c);
    if (op.text == "=") {
      // Equality is the pair of bounds.
      query.create_time.push_back({TimeCondition::Op::kLessOrEqual, c.time});
    }
    return absl::OkStatus();
  }

  std::vector<Token> tokens_;
  size_t index_ = 0;
};

}  // namespace

absl::Status ParseListFilter(absl::string_view filter, ListQuery& query) {
  if (filter.size() > kMaxFilterBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter: longer than ", kMaxFilterBytes, " bytes"));
  }
  if (absl::StripAsciiWhitespace(filter).empty()) return absl::OkStatus();
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(filter);
  if (!tokens.ok()) return tokens.status();
  return Parser(*std::move(tokens)).Parse(query);
}

}  // namespace seedance::store
