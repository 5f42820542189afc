// GatewayConfig: every setting of seedance-gateway, with its default. The
// flags and environment variables that set them are in gateway_flags.h
// (kept out of this library, so programs linking the server define no
// command line); FinishGatewayConfig reads the secret files and checks the
// combination wherever the values came from.
#ifndef SEEDANCE_SERVER_GATEWAY_GATEWAY_CONFIG_H_
#define SEEDANCE_SERVER_GATEWAY_GATEWAY_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/gateway/call_log.h"
#include "server/gateway/tls_credentials.h"

namespace seedance::gateway {

struct GatewayConfig {
  // Address the gRPC server binds, host:port (port 0 picks a free port).
  std::string listen = "0.0.0.0:50051";
  // TokenHub base URL, up to and including /api/v1.
  std::string upstream = "https://tokenhub.store/api/v1";
  // The gateway's own TokenHub key (th-...). Never logged.
  std::string api_key;
  // File holding the key (a mounted Kubernetes Secret); read at start-up.
  std::string api_key_file;
  // Whether callers may send their own key as `authorization` metadata.
  bool allow_caller_keys = false;

  // Limits.
  int max_streams = 20000;
  // Of those, at most this many from one client IP address; -1: half of
  // max_streams; 0: no per-peer limit. Behind an L7 proxy or a NAT every
  // stream comes from one address: set 0 there (and limit at the proxy).
  int max_streams_per_peer = -1;
  // Streams on one HTTP/2 connection (advertised as
  // SETTINGS_MAX_CONCURRENT_STREAMS; 0: gRPC's default, no limit).
  int max_streams_per_connection = 1000;
  // A write to a watch stream that does not complete in this time (the
  // client stopped reading) cancels the stream and frees its slot.
  absl::Duration write_timeout = absl::Seconds(30);
  int max_message_bytes = 1 << 20;
  absl::Duration max_watch_time = absl::Hours(2);
  // Threads that write transitions to watch streams, so the upstream
  // transport's thread never waits on them.
  int fanout_threads = 2;

  // gRPC HTTP/2 keepalive pings to idle clients.
  absl::Duration keepalive_time = absl::Seconds(60);
  absl::Duration keepalive_timeout = absl::Seconds(20);

  // Poll cadence while a task is healthy: starts at poll_initial and grows
  // by poll_scaling up to poll_max, each wait jittered.
  absl::Duration poll_initial = absl::Seconds(1);
  absl::Duration poll_max = absl::Seconds(5);
  double poll_scaling = 1.25;
  // Failure backoff (separate from the cadence); Retry-After wins when
  // longer.
  absl::Duration backoff_initial = absl::Milliseconds(500);
  absl::Duration backoff_max = absl::Seconds(30);
  // GetVideo answers from a poller's state no older than this.
  absl::Duration fresh_for = absl::Seconds(1);
  // Where tasks are recorded (server/store/task_store.h): "sqlite:PATH"
  // (embedded), a PostgreSQL URI ("postgresql://user@host:5432/db"), or
  // "none" (no ledger: tasks live only in memory, request_id and ListVideos
  // are refused, nothing is resumed after a restart).
  std::string store = "sqlite:seedance-tasks.db";
  // File holding the PostgreSQL password (a mounted Secret); read at
  // start-up. Otherwise libpq's PGPASSWORD / PGPASSFILE.
  std::string store_password_file;
  std::string store_password;  // read from store_password_file; never logged
  // PostgreSQL connections (and threads running store calls); SQLite uses
  // one connection, since it writes one transaction at a time.
  int store_connections = 4;
  // Tasks older than this are no longer followed (the upstream forgets a
  // task 48 h after creating it) and are marked expired.
  absl::Duration track_for = absl::Hours(48);
  // Poll cadence of a task nobody watches (it is still followed to its
  // end); watched tasks use poll_initial .. poll_max.
  absl::Duration poll_unwatched = absl::Seconds(10);
  // Fleet mode (lease_keeper.h): this replica's name in the store's task
  // leases (empty: hostname/pid, made at start), and how long a lease
  // outlives its last renewal (a dead replica's tasks wait this long).
  std::string replica_id;
  absl::Duration lease_ttl = absl::Seconds(10);
  // Upper bound of any single upstream request.
  absl::Duration upstream_timeout = absl::Seconds(30);
  // How long SIGTERM waits for calls in flight before cancelling them.
  absl::Duration shutdown_grace = absl::Seconds(5);
  // Free file descriptors kept below the limit: with fewer left, new
  // watches and creates get RESOURCE_EXHAUSTED and readiness turns
  // NOT_SERVING (0: off). 256 covers the upstream pool (64 connections and
  // their DNS lookups) plus connections accepted between two counts.
  int fd_reserve = 256;
  // How often a fresh connection checks that gRPC's listener still accepts
  // (it stops for good after one EMFILE in gRPC 1.51); three failures in a
  // row with descriptors free drain the gateway and exit 3 (0: off).
  absl::Duration self_check_interval = absl::Seconds(5);

  // Log every call (one line each) to stderr.
  bool log_calls = true;

  // The web face (http_gateway.h): REST/JSON, SSE watches and the progress
  // page on HTTP/1.1. Empty: off.
  std::string http_listen;
  // Exact origins whose pages may call the web face (CORS); none by default.
  std::vector<std::string> cors_origins;
  // Prometheus metrics: HOST:PORT serving GET /metrics; empty: off.
  std::string metrics_listen;
  // Log lines as text (key=value) or JSON objects, and the lowest level
  // written (call_log.h).
  LogFormat log_format = LogFormat::kText;
  LogLevel log_level = LogLevel::kInfo;

  // TLS on the gRPC listener (tls_credentials.h): PEM files, re-read every
  // tls_refresh_interval. Without tls_cert the listener is plaintext; with
  // tls_client_ca every client must present a certificate from that CA.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  absl::Duration tls_refresh_interval = absl::Minutes(1);

  // Tenants (tenant_directory.h): JSON file of caller keys and limits,
  // re-read when it changes; empty: no tenants.
  std::string tenants_file;

  // max_streams_per_peer with -1 resolved (half of max_streams, at least 1).
  int StreamsPerPeer() const {
    if (max_streams_per_peer >= 0) return max_streams_per_peer;
    return max_streams / 2 > 0 ? max_streams / 2 : 1;
  }
};

// The TLS settings of `config`, as tls_credentials.h takes them.
TlsFiles TlsFilesOf(const GatewayConfig& config);

// Reads the key and store password files, then checks values that only make
// sense together (poll-initial <= poll-max, TLS files readable, ...). Errors
// name the flag.
absl::Status FinishGatewayConfig(GatewayConfig& config);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_GATEWAY_CONFIG_H_
