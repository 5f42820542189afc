// Key redaction for upstream-derived text (see redaction.h).
#include "server/upstream/redaction.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace seedance::upstream {
namespace {

constexpr absl::string_view kKeyPrefix = "th-";
constexpr absl::string_view kBearer = "bearer ";

// Characters a key or bearer token may contain (base64url, base64 and the
// punctuation keys are known to use).
bool IsKeyChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '_' || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
}

// The narrower set that decides whether a `th-` inside a word is a key.
bool IsTightKeyChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '_';
}

size_t RunLength(absl::string_view text, size_t from, bool (*in_run)(char)) {
  size_t end = from;
  while (end < text.size() && in_run(text[end])) ++end;
  return end - from;
}

bool StartsBearerAt(absl::string_view text, size_t i) {
  return (text[i] | 0x20) == 'b' &&
         absl::StartsWithIgnoreCase(text.substr(i), kBearer);
}

// The fast check: false means neither the key nor any key shape can occur.
bool MightHaveSecret(absl::string_view text, absl::string_view known_key) {
  if (!known_key.empty() && absl::StrContains(text, known_key)) return true;
  if (absl::StrContains(text, kKeyPrefix)) return true;
  for (size_t i = 0; i + kBearer.size() <= text.size(); ++i) {
    if (StartsBearerAt(text, i)) return true;
  }
  return false;
}

// How many bytes after a `th-` at `i` form a key (0: not a key).
size_t KeyTailAt(absl::string_view text, size_t i, bool inside_words) {
  size_t tail_start = i + kKeyPrefix.size();
  bool at_word_start =
      i == 0 || !absl::ascii_isalnum(static_cast<unsigned char>(text[i - 1]));
  if (!at_word_start &&
      (!inside_words ||
       RunLength(text, tail_start, &IsTightKeyChar) < kMinInWordKeyTail)) {
    return 0;
  }
  size_t tail = RunLength(text, tail_start, &IsKeyChar);
  return tail >= 4 ? tail : 0;
}

std::string Redact(absl::string_view text, absl::string_view known_key,
                   bool inside_words) {
  if (!MightHaveSecret(text, known_key)) return std::string(text);
  std::string exact = known_key.empty()
                          ? std::string(text)
                          : absl::StrReplaceAll(text, {{known_key, kRedacted}});
  absl::string_view in(exact);
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    if (absl::StartsWith(in.substr(i), kKeyPrefix)) {
      if (size_t tail = KeyTailAt(in, i, inside_words); tail > 0) {
        absl::StrAppend(&out, kKeyPrefix, kRedacted);
        i += kKeyPrefix.size() + tail;
        continue;
      }
    } else if (StartsBearerAt(in, i)) {
      size_t tail = RunLength(in, i + kBearer.size(), &IsKeyChar);
      out.append(in.data() + i, kBearer.size());
      if (tail > 0) out.append(kRedacted.data(), kRedacted.size());
      i += kBearer.size() + tail;
      continue;
    }
    out.push_back(in[i++]);
  }
  return out;
}

}  // namespace

std::string RedactSecrets(absl::string_view text, absl::string_view known_key) {
  return Redact(text, known_key, /*inside_words=*/true);
}

std::string RedactSecretsInUrl(absl::string_view text,
                               absl::string_view known_key) {
  return Redact(text, known_key, /*inside_words=*/false);
}

bool ContainsSecret(absl::string_view text, absl::string_view known_key) {
  return MightHaveSecret(text, known_key) &&
         RedactSecrets(text, known_key) != text;
}

}  // namespace seedance::upstream
