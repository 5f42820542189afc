#include "server/gateway/gateway_config.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/gateway/tls_credentials.h"

namespace seedance::gateway {
namespace {

// Builders for table rows: each binds a flag to one GatewayConfig member.
ConfigOption StringOption(std::string name, std::string env, std::string help,
                          std::string GatewayConfig::*member,
                          std::string shown_default) {
  return {std::move(name), std::move(env), std::move(help),
          std::move(shown_default),
          [member](const std::string& v, GatewayConfig& c, std::string&) {
            c.*member = v;
            return true;
          }};
}

ConfigOption DurationOption(std::string name, std::string env, std::string help,
                            absl::Duration GatewayConfig::*member) {
  std::string shown = absl::FormatDuration(GatewayConfig().*member);
  return {std::move(name), std::move(env), std::move(help), shown,
          [member](const std::string& v, GatewayConfig& c, std::string& err) {
            absl::Duration d;
            if (!absl::ParseDuration(v, &d) || d < absl::ZeroDuration()) {
              err = "must be a duration such as 500ms, 2s or 1m";
              return false;
            }
            c.*member = d;
            return true;
          }};
}

ConfigOption IntOption(std::string name, std::string env, std::string help,
                       int GatewayConfig::*member) {
  std::string shown = absl::StrCat(GatewayConfig().*member);
  return {std::move(name), std::move(env), std::move(help), shown,
          [member](const std::string& v, GatewayConfig& c, std::string& err) {
            int n;
            if (!absl::SimpleAtoi(v, &n) || n <= 0) {
              err = "must be a positive integer";
              return false;
            }
            c.*member = n;
            return true;
          }};
}

// An integer that may be 0 (meaning "no limit"); `shown_default` explains
// defaults that are not plain numbers.
ConfigOption LimitOption(std::string name, std::string env, std::string help,
                         int GatewayConfig::*member,
                         std::string shown_default) {
  return {std::move(name), std::move(env), std::move(help),
          std::move(shown_default),
          [member](const std::string& v, GatewayConfig& c, std::string& err) {
            int n;
            if (!absl::SimpleAtoi(v, &n) || n < 0) {
              err = "must be 0 (no limit) or a positive integer";
              return false;
            }
            c.*member = n;
            return true;
          }};
}

ConfigOption DoubleOption(std::string name, std::string env, std::string help,
                          double GatewayConfig::*member) {
  std::string shown = absl::StrFormat("%g", GatewayConfig().*member);
  return {std::move(name), std::move(env), std::move(help), shown,
          [member](const std::string& v, GatewayConfig& c, std::string& err) {
            double x;
            if (!absl::SimpleAtod(v, &x) || !(x >= 1.0 && x <= 10.0)) {
              err = "must be a number from 1 to 10";
              return false;
            }
            c.*member = x;
            return true;
          }};
}

ConfigOption BoolOption(std::string name, std::string env, std::string help,
                        bool GatewayConfig::*member) {
  std::string shown = GatewayConfig().*member ? "true" : "false";
  ConfigOption o{
      std::move(name), std::move(env), std::move(help), shown,
      [member](const std::string& v, GatewayConfig& c, std::string& err) {
        std::string s = absl::AsciiStrToLower(v);
        if (s == "1" || s == "true" || s == "yes") {
          c.*member = true;
        } else if (s == "0" || s == "false" || s == "no") {
          c.*member = false;
        } else {
          err = "must be true or false";
          return false;
        }
        return true;
      }};
  o.is_bool = true;
  return o;
}

std::vector<ConfigOption> BuildOptions() {
  using C = GatewayConfig;
  return {
      StringOption("listen", "SEEDANCE_LISTEN",
                   "gRPC listen address, host:port (port 0: any free port)",
                   &C::listen, C().listen),
      StringOption("upstream", "TOKENHUB_BASE_URL",
                   "TokenHub base URL (http:// only for loopback testing)",
                   &C::upstream, C().upstream),
      StringOption("api-key", "TOKENHUB_API_KEY",
                   "the gateway's TokenHub API key, th-... (prefer the "
                   "environment or --api-key-file: flags show in ps)",
                   &C::api_key, "none"),
      StringOption("api-key-file", "TOKENHUB_API_KEY_FILE",
                   "file holding the API key, e.g. a mounted Kubernetes "
                   "Secret; surrounding white space is ignored",
                   &C::api_key_file, "none"),
      BoolOption("allow-caller-keys", "SEEDANCE_ALLOW_CALLER_KEYS",
                 "let callers send their own key as 'authorization: Bearer "
                 "th-...' metadata (else such calls get PERMISSION_DENIED)",
                 &C::allow_caller_keys),
      IntOption("max-streams", "SEEDANCE_MAX_STREAMS",
                "open WatchVideo streams allowed at once; more get "
                "RESOURCE_EXHAUSTED",
                &C::max_streams),
      LimitOption("max-streams-per-peer", "SEEDANCE_MAX_STREAMS_PER_PEER",
                  "open WatchVideo streams allowed from one client IP "
                  "address (more get RESOURCE_EXHAUSTED); 0: no limit. "
                  "Behind an L7 proxy or a NAT every client is the proxy's "
                  "address: use 0 there and limit at the proxy",
                  &C::max_streams_per_peer, "half of --max-streams"),
      LimitOption("max-streams-per-connection",
                  "SEEDANCE_MAX_STREAMS_PER_CONNECTION",
                  "concurrent streams on one HTTP/2 connection (sent as "
                  "SETTINGS_MAX_CONCURRENT_STREAMS: gRPC clients queue the "
                  "excess; watches opened beyond it anyway get "
                  "RESOURCE_EXHAUSTED); 0: no limit",
                  &C::max_streams_per_connection,
                  absl::StrCat(C().max_streams_per_connection)),
      DurationOption("write-timeout", "SEEDANCE_WRITE_TIMEOUT",
                     "a watch stream whose client has not taken a message "
                     "for this long (HTTP/2 window full) is cancelled, "
                     "freeing its slot",
                     &C::write_timeout),
      IntOption("max-message-bytes", "SEEDANCE_MAX_MESSAGE_BYTES",
                "largest request message accepted", &C::max_message_bytes),
      DurationOption("max-watch-time", "SEEDANCE_MAX_WATCH_TIME",
                     "a WatchVideo stream open this long ends with "
                     "DEADLINE_EXCEEDED",
                     &C::max_watch_time),
      IntOption("fanout-threads", "SEEDANCE_FANOUT_THREADS",
                "threads writing transitions to watch streams (one task's "
                "watchers are served in order by one at a time)",
                &C::fanout_threads),
      DurationOption("keepalive-time", "SEEDANCE_KEEPALIVE_TIME",
                     "HTTP/2 ping interval on idle connections",
                     &C::keepalive_time),
      DurationOption("keepalive-timeout", "SEEDANCE_KEEPALIVE_TIMEOUT",
                     "how long a keepalive ping may go unanswered",
                     &C::keepalive_timeout),
      DurationOption("poll-initial", "SEEDANCE_POLL_INITIAL",
                     "first wait between polls of a running task",
                     &C::poll_initial),
      DurationOption("poll-max", "SEEDANCE_POLL_MAX",
                     "longest wait between polls of a running task",
                     &C::poll_max),
      DoubleOption("poll-scaling", "SEEDANCE_POLL_SCALING",
                   "growth factor of the poll wait (1 to 10)",
                   &C::poll_scaling),
      DurationOption("backoff-initial", "SEEDANCE_BACKOFF_INITIAL",
                     "first wait after a failed poll", &C::backoff_initial),
      DurationOption("backoff-max", "SEEDANCE_BACKOFF_MAX",
                     "longest wait after failed polls", &C::backoff_max),
      DurationOption("fresh-for", "SEEDANCE_FRESH_FOR",
                     "GetVideo answers from shared state this recent",
                     &C::fresh_for),
      {"store", "SEEDANCE_STORE",
       "where tasks are recorded: sqlite:PATH (embedded; WAL mode), a "
       "PostgreSQL URI postgresql://USER@HOST:PORT/DB (password from "
       "--store-password-file, PGPASSWORD or PGPASSFILE, not the URI), or "
       "none (memory only: no request_id, no ListVideos, nothing resumed "
       "after a restart)",
       C().store,
       [](const std::string& v, GatewayConfig& c, std::string& err) {
         if (v != "none" && !absl::StartsWith(v, "sqlite:") &&
             !absl::StartsWith(v, "postgresql://") &&
             !absl::StartsWith(v, "postgres://")) {
           err = "must be sqlite:PATH, postgresql://... or none";
           return false;
         }
         if (v == "sqlite:") {
           err =
               "sqlite: needs a file path (sqlite:/var/lib/seedance/tasks.db)";
           return false;
         }
         c.store = v;
         return true;
       }},
      StringOption("store-password-file", "SEEDANCE_STORE_PASSWORD_FILE",
                   "file holding the PostgreSQL password (a mounted Secret)",
                   &C::store_password_file, "(none)"),
      IntOption("store-connections", "SEEDANCE_STORE_CONNECTIONS",
                "PostgreSQL connections, and threads making store calls "
                "(SQLite: one connection)",
                &C::store_connections),
      DurationOption("track-for", "SEEDANCE_TRACK_FOR",
                     "tasks older than this are no longer followed and are "
                     "marked expired (the upstream keeps tasks 48h)",
                     &C::track_for),
      DurationOption("poll-unwatched", "SEEDANCE_POLL_UNWATCHED",
                     "poll cadence of a task nobody watches (still followed "
                     "to its end)",
                     &C::poll_unwatched),
      // Fleet mode.
      StringOption("replica-id", "SEEDANCE_REPLICA_ID",
                   "this replica's name in the task store's leases (unique "
                   "per live process; Kubernetes: the pod name)",
                   &C::replica_id, "hostname/pid"),
      DurationOption("lease-ttl", "SEEDANCE_LEASE_TTL",
                     "a task's poll lease outlives its replica's last renewal "
                     "by this much: another replica takes over the tasks of "
                     "one that died within it (renewed every third of it, "
                     "at most every 2s)",
                     &C::lease_ttl),
      DurationOption("upstream-timeout", "SEEDANCE_UPSTREAM_TIMEOUT",
                     "upper bound of one upstream request",
                     &C::upstream_timeout),
      DurationOption("shutdown-grace", "SEEDANCE_SHUTDOWN_GRACE",
                     "on SIGTERM, how long calls in flight may finish",
                     &C::shutdown_grace),
      {"fd-reserve", "SEEDANCE_FD_RESERVE",
       "free file descriptors kept in reserve (at most a quarter of the "
       "limit): with fewer left, new watches and creates get "
       "RESOURCE_EXHAUSTED and readiness turns NOT_SERVING (0: off)",
       absl::StrCat(C().fd_reserve),
       [](const std::string& v, GatewayConfig& c, std::string& err) {
         if (!absl::SimpleAtoi(v, &c.fd_reserve) || c.fd_reserve < 0) {
           err = "must be a non-negative integer";
           return false;
         }
         return true;
       }},
      DurationOption("self-check-interval", "SEEDANCE_SELF_CHECK_INTERVAL",
                     "how often a new connection checks that the listener "
                     "accepts; 3 failures in a row with descriptors free "
                     "drain and exit 3 (0: off)",
                     &C::self_check_interval),
      BoolOption("log-calls", "SEEDANCE_LOG_CALLS",
                 "log one line per call to stderr", &C::log_calls),
      // The web face.
      StringOption("http-listen", "SEEDANCE_HTTP_LISTEN",
                   "HTTP/1.1 listen address, host:port, for REST/JSON, "
                   "Server-Sent Events watches and the progress page at / "
                   "(port 0: any free port; unset: off)",
                   &C::http_listen, "off"),
      {"cors-origins", "SEEDANCE_CORS_ORIGINS",
       "comma-separated exact origins (https://app.example.com) whose pages "
       "may call the HTTP API from a browser; never *",
       "none",
       [](const std::string& v, GatewayConfig& c, std::string& err) {
         c.cors_origins.clear();
         for (absl::string_view o : absl::StrSplit(v, ',', absl::SkipEmpty())) {
           o = absl::StripAsciiWhitespace(o);
           if (o == "*" ||
               !(absl::StartsWith(o, "http://") ||
                 absl::StartsWith(o, "https://")) ||
               absl::EndsWith(o, "/")) {
             err = absl::StrCat("'", o,
                                "' is not an origin (scheme://host[:port], "
                                "no path, no *)");
             return false;
           }
           c.cors_origins.emplace_back(o);
         }
         return true;
       }},
      // Operations (issue 16): metrics.
      StringOption("metrics-listen", "SEEDANCE_METRICS_LISTEN",
                   "serve Prometheus metrics at http://HOST:PORT/metrics "
                   "(seedance_* names, docs/OPERATING.md); port 0: any free "
                   "port; empty: off",
                   &C::metrics_listen, "off"),
      // Operations (issue 16): logs.
      {"log-format", "SEEDANCE_LOG_FORMAT",
       "text (key=value lines) or json (one object per line: time, level, "
       "message and the call's fields)",
       "text",
       [](const std::string& v, GatewayConfig& c, std::string& err) {
         absl::StatusOr<LogFormat> format = ParseLogFormat(v);
         if (!format.ok()) {
           err = std::string(format.status().message());
           return false;
         }
         c.log_format = *format;
         return true;
       }},
      {"log-level", "SEEDANCE_LOG_LEVEL",
       "lowest level logged: debug, info (calls, notices), warn (upstream "
       "failures) or error (store failures, the gateway's own faults); "
       "gRPC's debug lines (GRPC_VERBOSITY=debug) need debug",
       "info",
       [](const std::string& v, GatewayConfig& c, std::string& err) {
         absl::StatusOr<LogLevel> level = ParseLogLevel(v);
         if (!level.ok()) {
           err = std::string(level.status().message());
           return false;
         }
         c.log_level = *level;
         return true;
       }},
      // Operations (issue 16): TLS.
      StringOption("tls-cert", "SEEDANCE_TLS_CERT",
                   "PEM certificate chain for the gRPC listener (leaf "
                   "first), e.g. a cert-manager Secret's tls.crt; with "
                   "--tls-key, the listener speaks TLS only. Re-read when "
                   "it changes; open streams keep their connection",
                   &C::tls_cert, "none: plaintext"),
      StringOption("tls-key", "SEEDANCE_TLS_KEY",
                   "PEM private key of --tls-cert (tls.key)", &C::tls_key,
                   "none"),
      StringOption("tls-client-ca", "SEEDANCE_TLS_CLIENT_CA",
                   "PEM CA bundle (ca.crt): every client must present a "
                   "certificate issued by it (mutual TLS)",
                   &C::tls_client_ca, "none: no client certificates"),
      DurationOption("tls-refresh-interval", "SEEDANCE_TLS_REFRESH_INTERVAL",
                     "how often the TLS files are checked for a new "
                     "certificate (whole seconds, at least 1s)",
                     &C::tls_refresh_interval),
      // Tenants (tenant_directory.h).
      StringOption("tenants-file", "SEEDANCE_TENANTS_FILE",
                   "JSON file of tenants (docs/TENANTS.md): every call then "
                   "needs 'authorization: Bearer <caller key>' of a tenant, "
                   "whose limits apply; re-read when it changes",
                   &C::tenants_file, "none: no tenants"),
  };
}

const ConfigOption* FindOption(absl::string_view name) {
  for (const ConfigOption& o : GatewayConfigOptions()) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

absl::Status Apply(const ConfigOption& o, const std::string& value,
                   absl::string_view source, GatewayConfig& config) {
  std::string error;
  if (o.set(value, config, error)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", error));
}

// Reads the key file named by the config, if any, unless a key was given.
absl::Status LoadKeyFile(GatewayConfig& config) {
  if (config.api_key_file.empty() || !config.api_key.empty()) {
    return absl::OkStatus();
  }
  std::ifstream in(config.api_key_file);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--api-key-file: cannot read ", config.api_key_file));
  }
  std::stringstream text;
  text << in.rdbuf();
  config.api_key = std::string(absl::StripAsciiWhitespace(text.str()));
  if (config.api_key.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--api-key-file: ", config.api_key_file, " is empty"));
  }
  return absl::OkStatus();
}

// Reads the store password file, if any.
absl::Status LoadStorePasswordFile(GatewayConfig& config) {
  if (config.store_password_file.empty()) return absl::OkStatus();
  std::ifstream in(config.store_password_file);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--store-password-file: cannot read ", config.store_password_file));
  }
  std::stringstream text;
  text << in.rdbuf();
  // A Secret's file often ends in a newline that is not part of it.
  config.store_password =
      std::string(absl::StripTrailingAsciiWhitespace(text.str()));
  if (config.store_password.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--store-password-file: ", config.store_password_file, " is empty"));
  }
  return absl::OkStatus();
}

absl::Status CheckConsistency(const GatewayConfig& c) {
  if (!c.api_key.empty() && !absl::StartsWith(c.api_key, "th-")) {
    // Never print the key itself.
    return absl::InvalidArgumentError(
        "--api-key / TOKENHUB_API_KEY: a TokenHub key starts with 'th-'");
  }
  if (!absl::StartsWith(c.upstream, "https://") &&
      !absl::StartsWith(c.upstream, "http://")) {
    return absl::InvalidArgumentError(
        "--upstream: must be an http:// or https:// URL");
  }
  if (c.poll_initial <= absl::ZeroDuration() || c.poll_max < c.poll_initial) {
    return absl::InvalidArgumentError(
        "--poll-initial / --poll-max: need 0 < poll-initial <= poll-max");
  }
  if (c.backoff_initial <= absl::ZeroDuration() ||
      c.backoff_max < c.backoff_initial) {
    return absl::InvalidArgumentError(
        "--backoff-initial / --backoff-max: need 0 < initial <= max");
  }
  if (c.max_watch_time <= absl::ZeroDuration() ||
      c.upstream_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--max-watch-time and --upstream-timeout must be positive");
  }
  if (c.write_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--write-timeout must be positive");
  }
  if (c.track_for <= absl::ZeroDuration() ||
      c.poll_unwatched <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--track-for and --poll-unwatched must be positive");
  }
  if (c.lease_ttl < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--lease-ttl must be at least 1s");
  }
  return absl::OkStatus();
}

}  // namespace

TlsFiles TlsFilesOf(const GatewayConfig& config) {
  return TlsFiles{config.tls_cert, config.tls_key, config.tls_client_ca,
                  config.tls_refresh_interval};
}

const std::vector<ConfigOption>& GatewayConfigOptions() {
  static const auto* options = new std::vector<ConfigOption>(BuildOptions());
  return *options;
}

std::string GatewayUsage() {
  std::string out =
      "usage: seedance-gateway [--flag=value ...]\n\n"
      "gRPC gateway for ByteDance Seedance 2.0 video generation through\n"
      "TokenHub (service seedance.v1.VideoService, plus grpc.health.v1 and\n"
      "server reflection). Every flag can also be set by the environment\n"
      "variable shown; a flag wins over its variable. Durations: 500ms, 2s,\n"
      "1m, 1h. Booleans: --flag, --no-flag or --flag=true|false.\n\n";
  for (const ConfigOption& o : GatewayConfigOptions()) {
    absl::StrAppend(&out, "  --", o.name, o.is_bool ? "" : "=VALUE", "  [$",
                    o.env, "]  (default ", o.default_value, ")\n      ", o.help,
                    "\n");
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
  GatewayConfig config;
  for (const ConfigOption& o : GatewayConfigOptions()) {
    const char* value = env(o.env.c_str());
    if (value == nullptr || *value == '\0') continue;
    absl::Status s = Apply(o, value, o.env, config);
    if (!s.ok()) return s;
  }
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (!absl::ConsumePrefix(&arg, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", arg, "' (see --help)"));
    }
    std::string name(arg), value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != absl::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
      has_value = true;
    }
    const ConfigOption* o = FindOption(name);
    if (o == nullptr && absl::StartsWith(name, "no-") && !has_value) {
      o = FindOption(name.substr(3));
      if (o != nullptr && o->is_bool) {
        has_value = true;
        value = "false";
      } else {
        o = nullptr;
      }
    }
    if (o == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, " (see --help)"));
    }
    if (!has_value) {
      if (o->is_bool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
    }
    absl::Status s = Apply(*o, value, absl::StrCat("--", name), config);
    if (!s.ok()) return s;
  }
  if (absl::Status s = LoadKeyFile(config); !s.ok()) return s;
  if (absl::Status s = LoadStorePasswordFile(config); !s.ok()) return s;
  if (absl::Status s = CheckConsistency(config); !s.ok()) return s;
  if (absl::Status s = CheckTlsFiles(TlsFilesOf(config)); !s.ok()) return s;
  if (!config.tenants_file.empty() && config.allow_caller_keys) {
    // Both read 'authorization': one header cannot be both.
    return absl::InvalidArgumentError(
        "--tenants-file and --allow-caller-keys exclude each other: with "
        "tenants, 'authorization' carries the tenant's caller key");
  }
  return config;
}

}  // namespace seedance::gateway
