// The flags of the `seedance` CLI (Abseil flags), the request they build and
// the --help text.
#include "client/cli_flags.h"

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/exit_codes.h"
#include "server/common/command_line.h"

namespace seedance::client {

// A duration flag that also takes a bare number of seconds: 5s, 1.5s,
// 500ms, 5.
struct SecondsFlag {
  absl::Duration value;
};
bool AbslParseFlag(absl::string_view text, SecondsFlag* out,
                   std::string* error) {
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds)) {
    out->value = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, &out->value)) {
    *error = "wants a duration such as 5s, 500ms or 5";
    return false;
  }
  if (out->value < absl::ZeroDuration()) {
    *error = "wants a duration such as 5s, 500ms or 5";
    return false;
  }
  return true;
}
std::string AbslUnparseFlag(SecondsFlag v) {
  return absl::FormatDuration(v.value);
}

}  // namespace seedance::client

namespace {
using ::seedance::RepeatedText;
using ::seedance::client::SecondsFlag;
}  // namespace

// Create flags (one per CreateVideoRequest field).
ABSL_FLAG(
    std::string, model, "doubao-seedance-2.0",
    "model id (default doubao-seedance-2.0; or doubao-seedance-2.0-fast)");
ABSL_FLAG(std::string, prompt, "",
          "text description; `-` reads stdin (also the default when stdin is "
          "not a terminal)");
ABSL_FLAG(std::string, duration, "",
          "output length, 4 to 15 (default: upstream's, 5)");
ABSL_FLAG(std::string, resolution, "",
          "output resolution (default: upstream's, 720p)");
ABSL_FLAG(std::string, aspect_ratio, "", "adaptive, 16:9, 9:16, 1:1, 4:3, ...");
ABSL_FLAG(std::string, image_url, "", "one reference image (image_url)");
ABSL_FLAG(RepeatedText, image_urls, {},
          "a reference image, repeatable (image_urls)");
ABSL_FLAG(std::string, video_url, "", "one reference video (video_url)");
ABSL_FLAG(RepeatedText, video_urls, {},
          "a reference video, repeatable (video_urls)");
ABSL_FLAG(std::string, audio_url, "", "one reference audio (audio_url)");
ABSL_FLAG(RepeatedText, audio_urls, {},
          "a reference audio, repeatable (audio_urls)");
ABSL_FLAG(RepeatedText, video_duration, {},
          "length of each reference video in order, repeatable "
          "(video_durations), e.g. 5s");
ABSL_FLAG(SecondsFlag, input_video_duration, {},
          "total length of the reference videos, e.g. 12s");
ABSL_FLAG(bool, generate_audio, false,
          "generate sound (default: upstream's, on)");
ABSL_FLAG(bool, watermark, false, "add a watermark (default: upstream's, off)");
ABSL_FLAG(RepeatedText, content, {},
          "typed media reference, repeatable; TYPE image|video|audio, ROLE "
          "first_frame|last_frame|reference_image|reference_video|"
          "reference_audio or empty (e.g. image:first_frame:https://...)");
ABSL_FLAG(std::string, request_id, "",
          "idempotency key (request_id, AIP-155): creates with it make one "
          "task however often they are sent, so the CLI retries UNAVAILABLE "
          "and timeouts by itself (for up to a minute)");
ABSL_FLAG(bool, dry_run, false,
          "validate and price only (validate_only): spends nothing");
ABSL_FLAG(bool, watch, false, "follow the new task until it ends");
// Follow and output flags.
ABSL_FLAG(std::string, download, "",
          "save the result video to FILE when it succeeds (implies --watch)");
ABSL_FLAG(SecondsFlag, heartbeat, {},
          "ask for heartbeats after DUR without news (default 1s on a "
          "terminal, else none)");
ABSL_FLAG(bool, json, false,
          "newline-delimited JSON events on stdout (default when stdout is "
          "not a terminal)");
// Connection flags.
ABSL_FLAG(std::string, gateway, "127.0.0.1:50051",
          "gateway address (env SEEDANCE_GATEWAY; default 127.0.0.1:50051)");
ABSL_FLAG(bool, tls, false, "connect with TLS");
ABSL_FLAG(std::string, ca_file, "",
          "trust these CA certificates instead of the system's (implies "
          "--tls)");
ABSL_FLAG(std::string, tls_ca, "", "the same as --ca-file");
ABSL_FLAG(std::string, tls_cert, "",
          "your client certificate chain, for a gateway that requires one "
          "(mutual TLS; with --tls-key; implies --tls)");
ABSL_FLAG(std::string, tls_key, "", "the private key of --tls-cert");
ABSL_FLAG(std::string, tls_server_name, "",
          "the name the gateway's certificate must carry, when --gateway is "
          "an IP address or another name (implies --tls)");
ABSL_FLAG(std::string, api_key_env, "SEEDANCE_API_KEY",
          "read your TokenHub key from this environment variable (default "
          "SEEDANCE_API_KEY); sent as `authorization: Bearer ...`, never "
          "printed");
ABSL_FLAG(std::string, api_key_file, "",
          "read your TokenHub key from this file instead");
// Tenants (docs/TENANTS.md): the gateway's caller key instead.
ABSL_FLAG(std::string, caller_key_file, "",
          "read your caller key for a gateway with tenants from this file "
          "(env SEEDANCE_CALLER_KEY); sent as `authorization: Bearer ...` "
          "instead of a TokenHub key, never printed");
ABSL_FLAG(SecondsFlag, timeout, SecondsFlag{absl::Seconds(30)},
          "deadline of create and get calls (default 30s)");
ABSL_FLAG(SecondsFlag, reconnect_for, SecondsFlag{absl::Seconds(60)},
          "how long a watch keeps reconnecting to an unreachable gateway "
          "(default 60s)");

namespace seedance::client {
namespace {

// --help shows these rows in three groups; value_name "" marks a switch.
constexpr FlagDoc kCreateFlags[] = {
    {"model", "", nullptr, "ID"},
    {"prompt", "", nullptr, "TEXT"},
    {"duration", "", nullptr, "SECONDS"},
    {"resolution", "", nullptr, "480p|720p"},
    {"aspect-ratio", "", nullptr, "W:H"},
    {"image-url", "", nullptr, "URL"},
    {"image-urls", "", nullptr, "URL"},
    {"video-url", "", nullptr, "URL"},
    {"video-urls", "", nullptr, "URL"},
    {"audio-url", "", nullptr, "URL"},
    {"audio-urls", "", nullptr, "URL"},
    {"video-duration", "", nullptr, "DUR"},
    {"input-video-duration", "", nullptr, "DUR"},
    {"generate-audio", "", nullptr, "[no-]"},
    {"watermark", "", nullptr, "[no-]"},
    {"content", "", nullptr, "TYPE:ROLE:URL"},
    {"request-id", "", nullptr, "UUID"},
    {"dry-run", "", nullptr, ""},
    {"watch", "", nullptr, ""},
};
constexpr FlagDoc kFollowFlags[] = {
    {"download", "", nullptr, "FILE"},
    {"heartbeat", "", nullptr, "DUR"},
    {"json", "", nullptr, ""},
};
constexpr FlagDoc kConnectionFlags[] = {
    {"gateway", "SEEDANCE_GATEWAY", nullptr, "HOST:PORT"},
    {"tls", "", nullptr, ""},
    {"ca-file", "", nullptr, "PEM"},
    {"tls-ca", "", nullptr, "PEM"},
    {"tls-cert", "", nullptr, "PEM"},
    {"tls-key", "", nullptr, "PEM"},
    {"tls-server-name", "", nullptr, "NAME"},
    {"api-key-env", "", nullptr, "NAME"},
    {"api-key-file", "", nullptr, "PATH"},
    {"caller-key-file", "", nullptr, "PATH"},
    {"timeout", "", nullptr, "DUR"},
    {"reconnect-for", "", nullptr, "DUR"},
};

std::vector<FlagDoc> AllFlags() {
  std::vector<FlagDoc> all;
  for (absl::Span<const FlagDoc> group :
       {absl::MakeConstSpan(kCreateFlags), absl::MakeConstSpan(kFollowFlags),
        absl::MakeConstSpan(kConnectionFlags)}) {
    all.insert(all.end(), group.begin(), group.end());
  }
  return all;
}

void SetDuration(absl::Duration d, google::protobuf::Duration& out) {
  int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &d);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
}

bool ParseMediaType(absl::string_view text, v1::MediaType& out) {
  if (text == "image") {
    out = v1::MEDIA_TYPE_IMAGE;
  } else if (text == "video") {
    out = v1::MEDIA_TYPE_VIDEO;
  } else if (text == "audio") {
    out = v1::MEDIA_TYPE_AUDIO;
  } else {
    return false;
  }
  return true;
}

bool ParseRole(absl::string_view text, v1::ContentRole& out) {
  if (text.empty()) {
    out = v1::CONTENT_ROLE_UNSPECIFIED;
    return true;
  }
  std::string name = absl::AsciiStrToUpper(absl::StrCat("CONTENT_ROLE_", text));
  return v1::ContentRole_Parse(name, &out);
}

absl::Status UsageError(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

// The CreateVideoRequest the create flags describe; fields not given stay
// unset (the upstream's defaults).
absl::Status BuildRequest(const ParsedArgs& args, CliCommand& c) {
  v1::CreateVideoRequest& r = c.request;
  r.set_model(absl::GetFlag(FLAGS_model));
  if (args.Given("prompt")) {
    c.prompt_given = true;
    c.prompt_from_stdin = absl::GetFlag(FLAGS_prompt) == "-";
    if (!c.prompt_from_stdin) r.set_prompt(absl::GetFlag(FLAGS_prompt));
  }
  if (args.Given("duration")) {
    int seconds = 0;
    if (!absl::SimpleAtoi(absl::StripSuffix(absl::GetFlag(FLAGS_duration), "s"),
                          &seconds)) {
      return UsageError("--duration wants whole seconds, e.g. 5");
    }
    r.set_duration(seconds);
  }
  if (args.Given("resolution")) {
    std::string v = absl::GetFlag(FLAGS_resolution);
    if (v == "480p") {
      r.set_resolution(v1::RESOLUTION_480P);
    } else if (v == "720p") {
      r.set_resolution(v1::RESOLUTION_720P);
    } else {
      return UsageError("--resolution wants 480p or 720p");
    }
  }
  if (args.Given("aspect-ratio")) {
    r.set_aspect_ratio(absl::GetFlag(FLAGS_aspect_ratio));
  }
  if (args.Given("image-url")) r.set_image_url(absl::GetFlag(FLAGS_image_url));
  if (args.Given("video-url")) r.set_video_url(absl::GetFlag(FLAGS_video_url));
  if (args.Given("audio-url")) r.set_audio_url(absl::GetFlag(FLAGS_audio_url));
  for (const std::string& url : absl::GetFlag(FLAGS_image_urls).values) {
    r.add_image_urls(url);
  }
  for (const std::string& url : absl::GetFlag(FLAGS_video_urls).values) {
    r.add_video_urls(url);
  }
  for (const std::string& url : absl::GetFlag(FLAGS_audio_urls).values) {
    r.add_audio_urls(url);
  }
  for (const std::string& text : absl::GetFlag(FLAGS_video_duration).values) {
    SecondsFlag d;
    std::string error;
    if (!AbslParseFlag(text, &d, &error)) {
      return UsageError("--video-duration wants a duration such as 5s");
    }
    SetDuration(d.value, *r.add_video_durations());
  }
  if (args.Given("input-video-duration")) {
    SetDuration(absl::GetFlag(FLAGS_input_video_duration).value,
                *r.mutable_input_video_duration());
  }
  if (args.Given("generate-audio")) {
    r.set_generate_audio(absl::GetFlag(FLAGS_generate_audio));
  }
  if (args.Given("watermark")) r.set_watermark(absl::GetFlag(FLAGS_watermark));
  for (const std::string& text : absl::GetFlag(FLAGS_content).values) {
    std::vector<std::string> parts =
        absl::StrSplit(text, absl::MaxSplits(':', 2));
    v1::MediaType type;
    v1::ContentRole role;
    if (parts.size() != 3 || !ParseMediaType(parts[0], type) ||
        !ParseRole(parts[1], role)) {
      return UsageError(
          "--content wants TYPE:ROLE:URL, e.g. "
          "image:first_frame:https://example.com/a.png");
    }
    v1::ContentItem& item = *r.add_content();
    item.set_type(type);
    item.set_role(role);
    item.set_url(parts[2]);
  }
  if (args.Given("request-id")) {
    r.set_request_id(absl::GetFlag(FLAGS_request_id));
  }
  r.set_validate_only(absl::GetFlag(FLAGS_dry_run));
  return absl::OkStatus();
}

// Output and connection settings.
absl::Status BuildOptions(const ParsedArgs& args, CliCommand& c) {
  c.watch = absl::GetFlag(FLAGS_watch);
  c.download_path = absl::GetFlag(FLAGS_download);
  if (!c.download_path.empty()) c.watch = true;
  c.heartbeat = absl::GetFlag(FLAGS_heartbeat).value;
  c.heartbeat_given = args.Given("heartbeat");
  c.json = absl::GetFlag(FLAGS_json);
  c.reconnect_for = absl::GetFlag(FLAGS_reconnect_for).value;

  ClientOptions& o = c.client;
  o.target = absl::GetFlag(FLAGS_gateway);
  o.ca_file = absl::GetFlag(FLAGS_ca_file);
  if (args.Given("tls-ca")) o.ca_file = absl::GetFlag(FLAGS_tls_ca);
  o.cert_file = absl::GetFlag(FLAGS_tls_cert);
  o.key_file = absl::GetFlag(FLAGS_tls_key);
  o.server_name = absl::GetFlag(FLAGS_tls_server_name);
  o.tls = absl::GetFlag(FLAGS_tls) || !o.ca_file.empty() ||
          !o.cert_file.empty() || !o.key_file.empty() || !o.server_name.empty();
  o.timeout = absl::GetFlag(FLAGS_timeout).value;
  if (o.timeout <= absl::ZeroDuration()) {
    return UsageError("--timeout wants a positive duration such as 30s");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadKeyFile(const std::string& path,
                                        absl::string_view flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return UsageError(absl::StrCat("--", flag, ": cannot read ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

void AppendHelp(absl::Span<const FlagDoc> flags, std::string& out) {
  for (const FlagDoc& flag : flags) {
    absl::string_view value_name = flag.value_name;
    std::string left =
        value_name == "[no-]" ? absl::StrCat("--[no-]", flag.name)
        : value_name.empty()  ? absl::StrCat("--", flag.name)
                              : absl::StrCat("--", flag.name, " ", value_name);
    absl::StrAppend(&out, "  ", left,
                    std::string(left.size() < 28 ? 28 - left.size() : 1, ' '),
                    WrapText(FlagOf(flag).Help(), 30), "\n");
  }
}

}  // namespace

absl::StatusOr<CliCommand> ParseCommandLine(int argc, const char* const* argv,
                                            const EnvLookup& env) {
  CliCommand command;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") return command;  // Verb::kHelp
  }
  static const auto* const flags = new std::vector<FlagDoc>(AllFlags());
  absl::StatusOr<ParsedArgs> args = ParseFlags(*flags, argc, argv, env);
  if (!args.ok()) return args.status();
  if (absl::Status s = BuildRequest(*args, command); !s.ok()) return s;
  if (absl::Status s = BuildOptions(*args, command); !s.ok()) return s;

  const std::vector<std::string>& positional = args->positional;
  if (positional.empty()) {
    return UsageError("missing command: create, get or watch");
  }
  const std::string& verb = positional[0];
  if (verb == "help") {
    command.verb = CliCommand::Verb::kHelp;
    return command;
  }
  if (verb == "create") {
    command.verb = CliCommand::Verb::kCreate;
    if (positional.size() > 1) {
      return UsageError("create takes no arguments (use --prompt)");
    }
    if (command.request.validate_only() && command.watch) {
      return UsageError("--dry-run creates nothing to watch or download");
    }
  } else if (verb == "get" || verb == "watch") {
    command.verb =
        verb == "get" ? CliCommand::Verb::kGet : CliCommand::Verb::kWatch;
    if (positional.size() != 2) {
      return UsageError(absl::StrCat(verb, " wants one task ID"));
    }
    command.id = positional[1];
    if (command.verb == CliCommand::Verb::kWatch) command.watch = true;
  } else {
    return UsageError(absl::StrCat("unknown command ", verb));
  }

  // One `authorization` header: a caller key (tenants) or a TokenHub key.
  const std::string key_file = absl::GetFlag(FLAGS_api_key_file);
  const std::string caller_file = absl::GetFlag(FLAGS_caller_key_file);
  if (!caller_file.empty() && !key_file.empty()) {
    return UsageError(
        "--caller-key-file and --api-key-file exclude each other: a gateway "
        "with tenants takes only its caller keys");
  }
  if (!caller_file.empty()) {
    auto text = ReadKeyFile(caller_file, "caller-key-file");
    if (!text.ok()) return text.status();
    command.client.api_key = *text;
  } else if (!key_file.empty()) {
    auto text = ReadKeyFile(key_file, "api-key-file");
    if (!text.ok()) return text.status();
    command.client.api_key = *text;
  } else if (const char* caller = env("SEEDANCE_CALLER_KEY");
             caller && *caller) {
    command.client.api_key = caller;
  } else if (const char* value = env(absl::GetFlag(FLAGS_api_key_env).c_str());
             value && *value) {
    command.client.api_key = value;
  }
  return command;
}

std::string CliUsage() {
  std::string out =
      "seedance: create and follow Seedance 2.0 videos through a seedance "
      "gateway.\n"
      "\n"
      "Usage:\n"
      "  seedance create --prompt TEXT [flags]   start a generation "
      "(--dry-run: price only)\n"
      "  seedance get ID [flags]                  print a task's current "
      "state\n"
      "  seedance watch ID [flags]                follow a task until it ends\n"
      "\n"
      "On a terminal, watching shows a live status line; otherwise (or with "
      "--json)\n"
      "stdout carries one JSON object per event. Errors go to stderr.\n"
      "\n"
      "Create flags (one per CreateVideoRequest field):\n";
  AppendHelp(kCreateFlags, out);
  absl::StrAppend(&out, "\nFollow and output flags (create, get, watch):\n");
  AppendHelp(kFollowFlags, out);
  absl::StrAppend(&out, "\nConnection flags:\n");
  AppendHelp(kConnectionFlags, out);
  absl::StrAppend(&out, "\n", ExitCodeHelp());
  return out;
}

}  // namespace seedance::client
