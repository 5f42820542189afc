// Parsing of a single HTTP Range header ("bytes=A-B", "bytes=A-",
// "bytes=-N", RFC 9110 section 14) for the media files the simulator serves.
#ifndef SEEDANCE_SIM_BYTE_RANGE_H_
#define SEEDANCE_SIM_BYTE_RANGE_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace tokenhub_sim {

struct ByteRange {
  enum class Kind {
    kWhole,          // no usable Range header: send everything (200)
    kPartial,        // send [first, last] (206)
    kUnsatisfiable,  // 416
  };
  Kind kind = Kind::kWhole;
  size_t first = 0;
  size_t last = 0;  // inclusive
};

// Anything this does not understand (other units, several ranges, bad
// syntax) means kWhole, as RFC 9110 allows a server to ignore Range.
ByteRange ParseByteRange(absl::string_view header, size_t size);

}  // namespace tokenhub_sim

#endif  // SEEDANCE_SIM_BYTE_RANGE_H_
