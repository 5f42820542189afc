// Redaction: API keys scrubbed from text that came from the upstream (or
// that might carry a key for any other reason) before it reaches a caller,
// a log line or a metric.
//
//   std::string safe = RedactSecrets(upstream_text, call_key);
//
// Two layers: the key the call used, replaced wherever it occurs (exact,
// whatever it looks like), and anything shaped like a key: `th-` followed
// by key characters, or a `Bearer` credential. `th-` counts at the start of
// a word with at least 4 key characters after it; inside a word (after a
// letter or digit, as in `codeth-...`) only with a longer tail, so that
// ordinary words such as `width-1280` or `depth-first` survive.
//
// Cheap when there is nothing to redact: one scan for `th-`, `bearer` and
// the key, and a copy.
#ifndef SEEDANCE_SERVER_UPSTREAM_REDACTION_H_
#define SEEDANCE_SERVER_UPSTREAM_REDACTION_H_

#include <string>

#include "absl/strings/string_view.h"

namespace seedance::upstream {

// What a redacted key is replaced by.
inline constexpr absl::string_view kRedacted = "[redacted]";

// Shortest tail of [A-Za-z0-9_-] after a `th-` inside a word that counts as
// a key (at a word start, 4 key characters suffice).
inline constexpr size_t kMinInWordKeyTail = 12;

// `text` with every occurrence of `known_key` (when not empty) and anything
// shaped like a key or a bearer credential replaced by kRedacted (a `th-` or
// `Bearer ` prefix is kept, the rest replaced).
std::string RedactSecrets(absl::string_view text,
                          absl::string_view known_key = {});

// Like RedactSecrets, but a `th-` inside a word is left alone: for URLs, whose
// path words (`depth-estimation-2026`) must stay usable. The known key and
// key shapes at a word start are still removed.
std::string RedactSecretsInUrl(absl::string_view text,
                               absl::string_view known_key = {});

// True when RedactSecrets(text, known_key) would change `text`.
bool ContainsSecret(absl::string_view text, absl::string_view known_key = {});

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_REDACTION_H_
