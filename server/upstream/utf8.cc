#include "server/upstream/utf8.h"

#include <cstdint>

namespace seedance::upstream {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed sequence at text[i], or 0 (RFC 3629, table 3-7
// of the Unicode standard).
size_t SequenceAt(absl::string_view text, size_t i) {
  auto byte = [&](size_t k) -> uint8_t {
    return i + k < text.size() ? static_cast<uint8_t>(text[i + k]) : 0;
  };
  auto continuation = [&](size_t k, uint8_t lo = 0x80, uint8_t hi = 0xBF) {
    const uint8_t b = byte(k);
    return i + k < text.size() && b >= lo && b <= hi;
  };
  const uint8_t b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return continuation(1) ? 2 : 0;
  if (b0 == 0xE0) return continuation(1, 0xA0) && continuation(2) ? 3 : 0;
  if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
    return continuation(1) && continuation(2) ? 3 : 0;
  }
  // ED A0..BF would be a surrogate.
  if (b0 == 0xED) return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0;
  if (b0 == 0xF0) {
    return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0;
  }
  if (b0 >= 0xF1 && b0 <= 0xF3) {
    return continuation(1) && continuation(2) && continuation(3) ? 4 : 0;
  }
  if (b0 == 0xF4) {
    return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3)
               ? 4
               : 0;
  }
  return 0;
}

}  // namespace

std::string ToValidUtf8(absl::string_view text) {
  // The usual case, valid text, costs one pass and one copy.
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = SequenceAt(text, i);
    if (n == 0) break;
    i += n;
  }
  if (i == text.size()) return std::string(text);
  std::string out(text.substr(0, i));
  while (i < text.size()) {
    const size_t n = SequenceAt(text, i);
    if (n == 0) {
      out += kReplacement;
      ++i;  // one replacement per bad byte: simple, and never loops
    } else {
      out.append(text.data() + i, n);
      i += n;
    }
  }
  return out;
}

}  // namespace seedance::upstream
