// ErrnoText: the text of an errno value, safe on any thread.
//
//   return absl::InternalError(absl::StrCat("pipe: ", ErrnoText(errno)));
//
// std::strerror may share one buffer between threads; the GNU strerror_r
// (what glibc gives C++) fills the caller's buffer or returns a static
// string.
#ifndef SEEDANCE_SERVER_COMMON_ERRNO_TEXT_H_
#define SEEDANCE_SERVER_COMMON_ERRNO_TEXT_H_

#include <string.h>

#include <string>

namespace seedance {

inline std::string ErrnoText(int err) {
  char buffer[256];
  return strerror_r(err, buffer, sizeof(buffer));
}

}  // namespace seedance

#endif  // SEEDANCE_SERVER_COMMON_ERRNO_TEXT_H_
