// Range header parsing (see byte_range.h).
#include "sim/byte_range.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace tokenhub_sim {

ByteRange ParseByteRange(absl::string_view header, size_t size) {
  ByteRange range;
  absl::string_view spec = absl::StripAsciiWhitespace(header);
  if (!absl::ConsumePrefix(&spec, "bytes=")) return range;
  size_t dash = spec.find('-');
  if (dash == absl::string_view::npos ||
      spec.find(',') != absl::string_view::npos) {
    return range;
  }
  absl::string_view from = spec.substr(0, dash);
  absl::string_view to = spec.substr(dash + 1);
  uint64_t a = 0, b = 0;
  if (from.empty()) {  // suffix: the last N bytes
    if (!absl::SimpleAtoi(to, &b)) return range;
    if (b == 0 || size == 0) {
      range.kind = ByteRange::Kind::kUnsatisfiable;
      return range;
    }
    range.kind = ByteRange::Kind::kPartial;
    range.first = b >= size ? 0 : size - b;
    range.last = size - 1;
    return range;
  }
  if (!absl::SimpleAtoi(from, &a)) return range;
  if (to.empty()) {
    b = size == 0 ? 0 : size - 1;
  } else if (!absl::SimpleAtoi(to, &b) || b < a) {
    return range;
  }
  if (a >= size) {
    range.kind = ByteRange::Kind::kUnsatisfiable;
    return range;
  }
  range.kind = ByteRange::Kind::kPartial;
  range.first = a;
  range.last = b >= size ? size - 1 : b;
  return range;
}

}  // namespace tokenhub_sim
