// ToValidUtf8: text from the upstream made safe for proto3 `string` fields.
//
// JSON lets a reply carry what is not UTF-8: RapidJSON turns a lone
// surrogate escape ("\ude00") into the bytes ED B8 80. A proto3 string
// holding them fails to serialize cleanly, and a caller's gRPC library then
// cannot parse the error details at all. Every string read from a reply
// passes through here first (task_json.cc, ReplyReader).
//
//   video.set_upstream_status(ToValidUtf8(raw));   // "ok\xff" -> "ok\uFFFD"
#ifndef SEEDANCE_SERVER_UPSTREAM_UTF8_H_
#define SEEDANCE_SERVER_UPSTREAM_UTF8_H_

#include <string>

#include "absl/strings/string_view.h"

namespace seedance::upstream {

// `text` with each ill-formed UTF-8 sequence (RFC 3629: stray continuation
// bytes, overlong forms, surrogates, code points past U+10FFFF, sequences
// cut short) replaced by U+FFFD. Valid text comes back unchanged.
std::string ToValidUtf8(absl::string_view text);

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_UTF8_H_
