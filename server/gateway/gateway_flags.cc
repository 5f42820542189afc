#include "server/gateway/gateway_flags.h"

#include <optional>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace seedance::gateway {

// Value types of the flags below whose parsing checks more than the syntax.

// The poll wait's growth factor, 1 to 10.
struct PollScaling {
  double value = 1;
};
bool AbslParseFlag(absl::string_view text, PollScaling* out,
                   std::string* error) {
  if (!absl::SimpleAtod(text, &out->value) ||
      !(out->value >= 1.0 && out->value <= 10.0)) {
    *error = "must be a number from 1 to 10";
    return false;
  }
  return true;
}
std::string AbslUnparseFlag(PollScaling v) {
  return absl::StrFormat("%g", v.value);
}

// sqlite:PATH, a PostgreSQL URI, or none.
struct StoreSpec {
  std::string value;
};
bool AbslParseFlag(absl::string_view text, StoreSpec* out, std::string* error) {
  if (text != "none" && !absl::StartsWith(text, "sqlite:") &&
      !absl::StartsWith(text, "postgresql://") &&
      !absl::StartsWith(text, "postgres://")) {
    *error = "must be sqlite:PATH, postgresql://... or none";
    return false;
  }
  if (text == "sqlite:") {
    *error = "sqlite: needs a file path (sqlite:/var/lib/seedance/tasks.db)";
    return false;
  }
  out->value = std::string(text);
  return true;
}
std::string AbslUnparseFlag(const StoreSpec& v) { return v.value; }

// Comma-separated exact origins, scheme://host[:port].
struct OriginList {
  std::vector<std::string> values;
};
bool AbslParseFlag(absl::string_view text, OriginList* out,
                   std::string* error) {
  out->values.clear();
  for (absl::string_view o : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    o = absl::StripAsciiWhitespace(o);
    if (o == "*" ||
        !(absl::StartsWith(o, "http://") || absl::StartsWith(o, "https://")) ||
        absl::EndsWith(o, "/")) {
      *error = absl::StrCat("'", o,
                            "' is not an origin (scheme://host[:port], no "
                            "path, no *)");
      return false;
    }
    out->values.emplace_back(o);
  }
  return true;
}
std::string AbslUnparseFlag(const OriginList& v) {
  return absl::StrJoin(v.values, ",");
}

bool AbslParseFlag(absl::string_view text, LogFormat* out, std::string* error) {
  absl::StatusOr<LogFormat> format = ParseLogFormat(text);
  if (!format.ok()) {
    *error = std::string(format.status().message());
    return false;
  }
  *out = *format;
  return true;
}
std::string AbslUnparseFlag(LogFormat v) {
  return v == LogFormat::kJson ? "json" : "text";
}

bool AbslParseFlag(absl::string_view text, LogLevel* out, std::string* error) {
  absl::StatusOr<LogLevel> level = ParseLogLevel(text);
  if (!level.ok()) {
    *error = std::string(level.status().message());
    return false;
  }
  *out = *level;
  return true;
}
std::string AbslUnparseFlag(LogLevel v) { return std::string(LogLevelName(v)); }

}  // namespace seedance::gateway

// The flags: defaults are GatewayConfig's, so the struct stays the one
// place that documents them. Help texts are shown by GatewayUsage.
namespace {
using ::seedance::NonNegativeDuration;
using ::seedance::NonNegativeInt;
using ::seedance::PositiveInt;
using C = ::seedance::gateway::GatewayConfig;
}  // namespace

ABSL_FLAG(std::string, listen, C().listen,
          "gRPC listen address, host:port (port 0: any free port)");
ABSL_FLAG(std::string, upstream, C().upstream,
          "TokenHub base URL (http:// only for loopback testing)");
ABSL_FLAG(std::string, api_key, "",
          "the gateway's TokenHub API key, th-... (prefer the environment or "
          "--api-key-file: flags show in ps)");
ABSL_FLAG(std::string, api_key_file, "",
          "file holding the API key, e.g. a mounted Kubernetes Secret; "
          "surrounding white space is ignored");
ABSL_FLAG(bool, allow_caller_keys, C().allow_caller_keys,
          "let callers send their own key as 'authorization: Bearer th-...' "
          "metadata (else such calls get PERMISSION_DENIED)");
ABSL_FLAG(PositiveInt, max_streams, PositiveInt{C().max_streams},
          "open WatchVideo streams allowed at once; more get "
          "RESOURCE_EXHAUSTED");
ABSL_FLAG(std::optional<NonNegativeInt>, max_streams_per_peer, std::nullopt,
          "open WatchVideo streams allowed from one client IP address (more "
          "get RESOURCE_EXHAUSTED); 0: no limit. Behind an L7 proxy or a NAT "
          "every client is the proxy's address: use 0 there and limit at the "
          "proxy");
ABSL_FLAG(NonNegativeInt, max_streams_per_connection,
          NonNegativeInt{C().max_streams_per_connection},
          "concurrent streams on one HTTP/2 connection (sent as "
          "SETTINGS_MAX_CONCURRENT_STREAMS: gRPC clients queue the excess; "
          "watches opened beyond it anyway get RESOURCE_EXHAUSTED); 0: no "
          "limit");
ABSL_FLAG(NonNegativeDuration, write_timeout,
          NonNegativeDuration{C().write_timeout},
          "a watch stream whose client has not taken a message for this long "
          "(HTTP/2 window full) is cancelled, freeing its slot");
ABSL_FLAG(PositiveInt, max_message_bytes, PositiveInt{C().max_message_bytes},
          "largest request message accepted");
ABSL_FLAG(NonNegativeDuration, max_watch_time,
          NonNegativeDuration{C().max_watch_time},
          "a WatchVideo stream open this long ends with DEADLINE_EXCEEDED");
ABSL_FLAG(PositiveInt, fanout_threads, PositiveInt{C().fanout_threads},
          "threads writing transitions to watch streams (one task's watchers "
          "are served in order by one at a time)");
ABSL_FLAG(NonNegativeDuration, keepalive_time,
          NonNegativeDuration{C().keepalive_time},
          "HTTP/2 ping interval on idle connections");
ABSL_FLAG(NonNegativeDuration, keepalive_timeout,
          NonNegativeDuration{C().keepalive_timeout},
          "how long a keepalive ping may go unanswered");
ABSL_FLAG(NonNegativeDuration, poll_initial,
          NonNegativeDuration{C().poll_initial},
          "first wait between polls of a running task");
ABSL_FLAG(NonNegativeDuration, poll_max, NonNegativeDuration{C().poll_max},
          "longest wait between polls of a running task");
ABSL_FLAG(seedance::gateway::PollScaling, poll_scaling,
          seedance::gateway::PollScaling{C().poll_scaling},
          "growth factor of the poll wait (1 to 10)");
ABSL_FLAG(NonNegativeDuration, backoff_initial,
          NonNegativeDuration{C().backoff_initial},
          "first wait after a failed poll");
ABSL_FLAG(NonNegativeDuration, backoff_max,
          NonNegativeDuration{C().backoff_max},
          "longest wait after failed polls");
ABSL_FLAG(NonNegativeDuration, fresh_for, NonNegativeDuration{C().fresh_for},
          "GetVideo answers from shared state this recent");
ABSL_FLAG(seedance::gateway::StoreSpec, store,
          seedance::gateway::StoreSpec{C().store},
          "where tasks are recorded: sqlite:PATH (embedded; WAL mode), a "
          "PostgreSQL URI postgresql://USER@HOST:PORT/DB (password from "
          "--store-password-file, PGPASSWORD or PGPASSFILE, not the URI), or "
          "none (memory only: no request_id, no ListVideos, nothing resumed "
          "after a restart)");
ABSL_FLAG(std::string, store_password_file, "",
          "file holding the PostgreSQL password (a mounted Secret)");
ABSL_FLAG(PositiveInt, store_connections, PositiveInt{C().store_connections},
          "PostgreSQL connections, and threads making store calls (SQLite: "
          "one connection)");
ABSL_FLAG(NonNegativeDuration, track_for, NonNegativeDuration{C().track_for},
          "tasks older than this are no longer followed and are marked "
          "expired (the upstream keeps tasks 48h)");
ABSL_FLAG(NonNegativeDuration, poll_unwatched,
          NonNegativeDuration{C().poll_unwatched},
          "poll cadence of a task nobody watches (still followed to its end)");
ABSL_FLAG(std::string, replica_id, "",
          "this replica's name in the task store's leases (default "
          "hostname/pid; Kubernetes: the pod name), held as <name>#<random> "
          "per process");
ABSL_FLAG(NonNegativeDuration, lease_ttl, NonNegativeDuration{C().lease_ttl},
          "a task's poll lease outlives its replica's last renewal by this "
          "much: another replica takes over the tasks of one that died within "
          "it (renewed every third of it, at most every 2s)");
ABSL_FLAG(NonNegativeDuration, upstream_timeout,
          NonNegativeDuration{C().upstream_timeout},
          "upper bound of one upstream request");
ABSL_FLAG(NonNegativeDuration, shutdown_grace,
          NonNegativeDuration{C().shutdown_grace},
          "on SIGTERM, how long calls in flight may finish");
ABSL_FLAG(NonNegativeInt, fd_reserve, NonNegativeInt{C().fd_reserve},
          "free file descriptors kept in reserve (at most a quarter of the "
          "limit): with fewer left, new watches and creates get "
          "RESOURCE_EXHAUSTED and readiness turns NOT_SERVING (0: off)");
ABSL_FLAG(NonNegativeDuration, self_check_interval,
          NonNegativeDuration{C().self_check_interval},
          "how often a new connection checks that the listener accepts; 3 "
          "failures in a row with descriptors free drain and exit 3 (0: off)");
ABSL_FLAG(bool, log_calls, C().log_calls, "log one line per call to stderr");
// The web face.
ABSL_FLAG(std::string, http_listen, "",
          "HTTP/1.1 listen address, host:port, for REST/JSON, Server-Sent "
          "Events watches and the progress page at / (port 0: any free port; "
          "unset: off)");
ABSL_FLAG(seedance::gateway::OriginList, cors_origins,
          seedance::gateway::OriginList{},
          "comma-separated exact origins (https://app.example.com) whose "
          "pages may call the HTTP API from a browser; never *");
// Operations (issue 16): metrics, logs, TLS.
ABSL_FLAG(std::string, metrics_listen, "",
          "serve Prometheus metrics at http://HOST:PORT/metrics (seedance_* "
          "names, docs/OPERATING.md); port 0: any free port; empty: off");
ABSL_FLAG(seedance::gateway::LogFormat, log_format, C().log_format,
          "text (key=value lines) or json (one object per line: time, level, "
          "message and the call's fields)");
ABSL_FLAG(seedance::gateway::LogLevel, log_level, C().log_level,
          "lowest level logged: debug, info (calls, notices), warn (upstream "
          "failures) or error (store failures, the gateway's own faults); "
          "gRPC's debug lines (GRPC_VERBOSITY=debug) need debug");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain for the gRPC listener (leaf first), e.g. a "
          "cert-manager Secret's tls.crt; with --tls-key, the listener speaks "
          "TLS only. Re-read when it changes; open streams keep their "
          "connection");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert (tls.key)");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle (ca.crt): every client must present a certificate "
          "issued by it (mutual TLS)");
ABSL_FLAG(NonNegativeDuration, tls_refresh_interval,
          NonNegativeDuration{C().tls_refresh_interval},
          "how often the TLS files are checked for a new certificate (whole "
          "seconds, at least 1s)");
// Tenants (tenant_directory.h).
ABSL_FLAG(std::string, tenants_file, "",
          "JSON file of tenants (docs/TENANTS.md): every call then needs "
          "'authorization: Bearer <caller key>' of a tenant, whose limits "
          "apply; re-read when it changes");

namespace seedance::gateway {
namespace {

// --help order; a row per flag above. Rows without a shown default show
// the flag's own.
constexpr FlagDoc kGatewayFlags[] = {
    {"listen", "SEEDANCE_LISTEN"},
    {"upstream", "TOKENHUB_BASE_URL"},
    {"api-key", "TOKENHUB_API_KEY", "none"},
    {"api-key-file", "TOKENHUB_API_KEY_FILE", "none"},
    {"allow-caller-keys", "SEEDANCE_ALLOW_CALLER_KEYS"},
    {"max-streams", "SEEDANCE_MAX_STREAMS"},
    {"max-streams-per-peer", "SEEDANCE_MAX_STREAMS_PER_PEER",
     "half of --max-streams"},
    {"max-streams-per-connection", "SEEDANCE_MAX_STREAMS_PER_CONNECTION"},
    {"write-timeout", "SEEDANCE_WRITE_TIMEOUT"},
    {"max-message-bytes", "SEEDANCE_MAX_MESSAGE_BYTES"},
    {"max-watch-time", "SEEDANCE_MAX_WATCH_TIME"},
    {"fanout-threads", "SEEDANCE_FANOUT_THREADS"},
    {"keepalive-time", "SEEDANCE_KEEPALIVE_TIME"},
    {"keepalive-timeout", "SEEDANCE_KEEPALIVE_TIMEOUT"},
    {"poll-initial", "SEEDANCE_POLL_INITIAL"},
    {"poll-max", "SEEDANCE_POLL_MAX"},
    {"poll-scaling", "SEEDANCE_POLL_SCALING"},
    {"backoff-initial", "SEEDANCE_BACKOFF_INITIAL"},
    {"backoff-max", "SEEDANCE_BACKOFF_MAX"},
    {"fresh-for", "SEEDANCE_FRESH_FOR"},
    {"store", "SEEDANCE_STORE"},
    {"store-password-file", "SEEDANCE_STORE_PASSWORD_FILE", "(none)"},
    {"store-connections", "SEEDANCE_STORE_CONNECTIONS"},
    {"track-for", "SEEDANCE_TRACK_FOR"},
    {"poll-unwatched", "SEEDANCE_POLL_UNWATCHED"},
    {"replica-id", "SEEDANCE_REPLICA_ID", "hostname/pid"},
    {"lease-ttl", "SEEDANCE_LEASE_TTL"},
    {"upstream-timeout", "SEEDANCE_UPSTREAM_TIMEOUT"},
    {"shutdown-grace", "SEEDANCE_SHUTDOWN_GRACE"},
    {"fd-reserve", "SEEDANCE_FD_RESERVE"},
    {"self-check-interval", "SEEDANCE_SELF_CHECK_INTERVAL"},
    {"log-calls", "SEEDANCE_LOG_CALLS"},
    {"http-listen", "SEEDANCE_HTTP_LISTEN", "off"},
    {"cors-origins", "SEEDANCE_CORS_ORIGINS", "none"},
    {"metrics-listen", "SEEDANCE_METRICS_LISTEN", "off"},
    {"log-format", "SEEDANCE_LOG_FORMAT"},
    {"log-level", "SEEDANCE_LOG_LEVEL"},
    {"tls-cert", "SEEDANCE_TLS_CERT", "none: plaintext"},
    {"tls-key", "SEEDANCE_TLS_KEY", "none"},
    {"tls-client-ca", "SEEDANCE_TLS_CLIENT_CA", "none: no client certificates"},
    {"tls-refresh-interval", "SEEDANCE_TLS_REFRESH_INTERVAL"},
    {"tenants-file", "SEEDANCE_TENANTS_FILE", "none: no tenants"},
};

GatewayConfig ConfigFromFlags() {
  GatewayConfig c;
  c.listen = absl::GetFlag(FLAGS_listen);
  c.upstream = absl::GetFlag(FLAGS_upstream);
  c.api_key = absl::GetFlag(FLAGS_api_key);
  c.api_key_file = absl::GetFlag(FLAGS_api_key_file);
  c.allow_caller_keys = absl::GetFlag(FLAGS_allow_caller_keys);
  c.max_streams = absl::GetFlag(FLAGS_max_streams).value;
  if (auto per_peer = absl::GetFlag(FLAGS_max_streams_per_peer)) {
    c.max_streams_per_peer = per_peer->value;
  }
  c.max_streams_per_connection =
      absl::GetFlag(FLAGS_max_streams_per_connection).value;
  c.write_timeout = absl::GetFlag(FLAGS_write_timeout).value;
  c.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes).value;
  c.max_watch_time = absl::GetFlag(FLAGS_max_watch_time).value;
  c.fanout_threads = absl::GetFlag(FLAGS_fanout_threads).value;
  c.keepalive_time = absl::GetFlag(FLAGS_keepalive_time).value;
  c.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout).value;
  c.poll_initial = absl::GetFlag(FLAGS_poll_initial).value;
  c.poll_max = absl::GetFlag(FLAGS_poll_max).value;
  c.poll_scaling = absl::GetFlag(FLAGS_poll_scaling).value;
  c.backoff_initial = absl::GetFlag(FLAGS_backoff_initial).value;
  c.backoff_max = absl::GetFlag(FLAGS_backoff_max).value;
  c.fresh_for = absl::GetFlag(FLAGS_fresh_for).value;
  c.store = absl::GetFlag(FLAGS_store).value;
  c.store_password_file = absl::GetFlag(FLAGS_store_password_file);
  c.store_connections = absl::GetFlag(FLAGS_store_connections).value;
  c.track_for = absl::GetFlag(FLAGS_track_for).value;
  c.poll_unwatched = absl::GetFlag(FLAGS_poll_unwatched).value;
  c.replica_id = absl::GetFlag(FLAGS_replica_id);
  c.lease_ttl = absl::GetFlag(FLAGS_lease_ttl).value;
  c.upstream_timeout = absl::GetFlag(FLAGS_upstream_timeout).value;
  c.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace).value;
  c.fd_reserve = absl::GetFlag(FLAGS_fd_reserve).value;
  c.self_check_interval = absl::GetFlag(FLAGS_self_check_interval).value;
  c.log_calls = absl::GetFlag(FLAGS_log_calls);
  c.http_listen = absl::GetFlag(FLAGS_http_listen);
  c.cors_origins = absl::GetFlag(FLAGS_cors_origins).values;
  c.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  c.log_format = absl::GetFlag(FLAGS_log_format);
  c.log_level = absl::GetFlag(FLAGS_log_level);
  c.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  c.tls_key = absl::GetFlag(FLAGS_tls_key);
  c.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  c.tls_refresh_interval = absl::GetFlag(FLAGS_tls_refresh_interval).value;
  c.tenants_file = absl::GetFlag(FLAGS_tenants_file);
  return c;
}

}  // namespace

absl::Span<const FlagDoc> GatewayFlags() { return kGatewayFlags; }

std::string GatewayUsage() {
  std::string out =
      "usage: seedance-gateway [--flag=value ...]\n\n"
      "gRPC gateway for ByteDance Seedance 2.0 video generation through\n"
      "TokenHub (service seedance.v1.VideoService, plus grpc.health.v1 and\n"
      "server reflection). Every flag can also be set by the environment\n"
      "variable shown; a flag wins over its variable. Durations: 500ms, 2s,\n"
      "1m, 1h. Booleans: --flag, --no-flag or --flag=true|false.\n\n";
  for (const FlagDoc& doc : kGatewayFlags) {
    absl::StrAppend(&out, "  --", doc.name, IsSwitch(doc) ? "" : "=VALUE",
                    "  [$", doc.env, "]  (default ", ShownDefault(doc),
                    ")\n      ", WrapText(FlagOf(doc).Help(), 6), "\n");
  }
  absl::StrAppend(
      &out,
      "\nSIGTERM/SIGINT: health turns NOT_SERVING, open watches end "
      "with UNAVAILABLE\n(clients reconnect elsewhere), calls in "
      "flight get --shutdown-grace, exit 0.\n");
  return out;
}

absl::StatusOr<GatewayConfig> ParseGatewayConfig(int argc,
                                                 const char* const* argv,
                                                 const EnvLookup& env) {
  absl::StatusOr<ParsedArgs> args = ParseFlags(kGatewayFlags, argc, argv, env);
  if (!args.ok()) return args.status();
  if (!args->positional.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unexpected argument '", args->positional[0], "' (see --help)"));
  }
  GatewayConfig config = ConfigFromFlags();
  if (absl::Status s = FinishGatewayConfig(config); !s.ok()) return s;
  return config;
}

}  // namespace seedance::gateway
