// The progress page served at "/" by the web face: one static HTML file
// with its script and styles inline (server/gateway/web/index.html),
// embedded in the binary at build time; no front-end build step.
#ifndef SEEDANCE_SERVER_GATEWAY_WEB_PAGE_H_
#define SEEDANCE_SERVER_GATEWAY_WEB_PAGE_H_

#include "absl/strings/string_view.h"

namespace seedance::gateway {

absl::string_view WebPageHtml();

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_WEB_PAGE_H_
