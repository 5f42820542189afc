// The flag table of the `seedance` CLI, its parser and its --help text.
#include "client/cli_flags.h"

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/exit_codes.h"

namespace seedance::client {
namespace {

// One flag: `--name VALUE` / `--name=VALUE`, or for a switch `--name` and,
// when negatable, `--no-name`.
struct Flag {
  const char* name;
  const char* value_name;  // nullptr: a switch
  const char* help;
  // Applies the value ("true"/"false" for switches); false + error when bad.
  std::function<bool(const std::string& value, CliCommand& command,
                     std::string& error)>
      set;
  bool negatable = false;
};

// "5s", "1.5s", "500ms", or a bare number of seconds.
bool ParseSeconds(const std::string& text, absl::Duration& out) {
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds)) {
    out = absl::Seconds(seconds);
    return true;
  }
  return absl::ParseDuration(text, &out);
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

// The value setters below share this shape; `Text` copies into a string
// field, `Repeated` appends to a repeated one.
using Setter =
    std::function<bool(const std::string&, CliCommand&, std::string&)>;

template <typename Mutable>
Setter Text(Mutable field) {
  return [field](const std::string& v, CliCommand& c, std::string&) {
    *field(c) = v;
    return true;
  };
}

Setter DurationFlag(absl::Duration CliCommand::*field,
                    bool CliCommand::*given) {
  return [field, given](const std::string& v, CliCommand& c, std::string& e) {
    if (!ParseSeconds(v, c.*field) || c.*field < absl::ZeroDuration()) {
      e = "wants a duration such as 5s, 500ms or 5";
      return false;
    }
    if (given) c.*given = true;
    return true;
  };
}

const std::vector<Flag>& CreateFlags() {
  static const auto* flags = new std::vector<Flag>{
      {"model", "ID",
       "model id (default doubao-seedance-2.0; or doubao-seedance-2.0-fast)",
       Text([](CliCommand& c) { return c.request.mutable_model(); })},
      {"prompt", "TEXT",
       "text description; `-` reads stdin (also the default when stdin is not "
       "a terminal)",
       [](const std::string& v, CliCommand& c, std::string&) {
         c.prompt_given = true;
         c.prompt_from_stdin = v == "-";
         if (!c.prompt_from_stdin) c.request.set_prompt(v);
         return true;
       }},
      {"duration", "SECONDS", "output length, 4 to 15 (default: upstream's, 5)",
       [](const std::string& v, CliCommand& c, std::string& e) {
         int seconds = 0;
         if (!absl::SimpleAtoi(absl::StripSuffix(v, "s"), &seconds)) {
           e = "wants whole seconds, e.g. 5";
           return false;
         }
         c.request.set_duration(seconds);
         return true;
       }},
      {"resolution", "480p|720p",
       "output resolution (default: upstream's, 720p)",
       [](const std::string& v, CliCommand& c, std::string& e) {
         if (v == "480p") {
           c.request.set_resolution(v1::RESOLUTION_480P);
         } else if (v == "720p") {
           c.request.set_resolution(v1::RESOLUTION_720P);
         } else {
           e = "wants 480p or 720p";
           return false;
         }
         return true;
       }},
      {"aspect-ratio", "W:H", "adaptive, 16:9, 9:16, 1:1, 4:3, ...",
       Text([](CliCommand& c) { return c.request.mutable_aspect_ratio(); })},
      {"image-url", "URL", "one reference image (image_url)",
       Text([](CliCommand& c) { return c.request.mutable_image_url(); })},
      {"image-urls", "URL", "a reference image, repeatable (image_urls)",
       Text([](CliCommand& c) { return c.request.add_image_urls(); })},
      {"video-url", "URL", "one reference video (video_url)",
       Text([](CliCommand& c) { return c.request.mutable_video_url(); })},
      {"video-urls", "URL", "a reference video, repeatable (video_urls)",
       Text([](CliCommand& c) { return c.request.add_video_urls(); })},
      {"audio-url", "URL", "one reference audio (audio_url)",
       Text([](CliCommand& c) { return c.request.mutable_audio_url(); })},
      {"audio-urls", "URL", "a reference audio, repeatable (audio_urls)",
       Text([](CliCommand& c) { return c.request.add_audio_urls(); })},
      {"video-duration", "DUR",
       "length of each reference video in order, repeatable (video_durations), "
       "e.g. 5s",
       [](const std::string& v, CliCommand& c, std::string& e) {
         absl::Duration d;
         if (!ParseSeconds(v, d)) {
           e = "wants a duration such as 5s";
           return false;
         }
         SetDuration(d, *c.request.add_video_durations());
         return true;
       }},
      {"input-video-duration", "DUR",
       "total length of the reference videos, e.g. 12s",
       [](const std::string& v, CliCommand& c, std::string& e) {
         absl::Duration d;
         if (!ParseSeconds(v, d)) {
           e = "wants a duration such as 5s";
           return false;
         }
         SetDuration(d, *c.request.mutable_input_video_duration());
         return true;
       }},
      {"generate-audio", nullptr, "generate sound (default: upstream's, on)",
       [](const std::string& v, CliCommand& c, std::string&) {
         c.request.set_generate_audio(v == "true");
         return true;
       },
       true},
      {"watermark", nullptr, "add a watermark (default: upstream's, off)",
       [](const std::string& v, CliCommand& c, std::string&) {
         c.request.set_watermark(v == "true");
         return true;
       },
       true},
      {"content", "TYPE:ROLE:URL",
       "typed media reference, repeatable; TYPE image|video|audio, ROLE "
       "first_frame|"
       "last_frame|reference_image|reference_video|reference_audio or empty "
       "(e.g. image:first_frame:https://...)",
       [](const std::string& v, CliCommand& c, std::string& e) {
         std::vector<std::string> parts =
             absl::StrSplit(v, absl::MaxSplits(':', 2));
         v1::ContentItem item;
         v1::MediaType type;
         v1::ContentRole role;
         if (parts.size() != 3 || !ParseMediaType(parts[0], type) ||
             !ParseRole(parts[1], role)) {
           e = "wants TYPE:ROLE:URL, e.g. "
               "image:first_frame:https://example.com/a.png";
           return false;
         }
         item.set_type(type);
         item.set_role(role);
         item.set_url(parts[2]);
         *c.request.add_content() = std::move(item);
         return true;
       }},
      {"request-id", "UUID",
       "idempotency key (request_id, AIP-155): creates with it make one task "
       "however often they are sent, so the CLI retries UNAVAILABLE and "
       "timeouts by itself (for up to a minute)",
       [](const std::string& v, CliCommand& c, std::string&) {
         c.request.set_request_id(v);
         return true;
       }},
      {"dry-run", nullptr,
       "validate and price only (validate_only): spends nothing",
       [](const std::string& v, CliCommand& c, std::string&) {
         c.request.set_validate_only(v == "true");
         return true;
       }},
      {"watch", nullptr, "follow the new task until it ends",
       [](const std::string& v, CliCommand& c, std::string&) {
         c.watch = v == "true";
         return true;
       }},
  };
  return *flags;
}

const std::vector<Flag>& FollowFlags() {
  static const auto* flags = new std::vector<Flag>{
      {"download", "FILE",
       "save the result video to FILE when it succeeds (implies --watch)",
       [](const std::string& v, CliCommand& c, std::string&) {
         c.download_path = v;
         c.watch = true;
         return true;
       }},
      {"heartbeat", "DUR",
       "ask for heartbeats after DUR without news (default 1s on a terminal, "
       "else none)",
       DurationFlag(&CliCommand::heartbeat, &CliCommand::heartbeat_given)},
      {"json", nullptr,
       "newline-delimited JSON events on stdout (default when stdout is not a "
       "terminal)",
       [](const std::string& v, CliCommand& c, std::string&) {
         c.json = v == "true";
         return true;
       }},
  };
  return *flags;
}

// Connection flags; the key itself is read after parsing (see below).
struct KeySource {
  std::string env_name = "SEEDANCE_API_KEY";
  std::string file;
  // Tenants (docs/TENANTS.md): the gateway's caller key instead.
  std::string caller_file;
};

const std::vector<Flag>& GlobalFlags() {
  static const auto* flags = new std::vector<Flag>{
      {"gateway", "HOST:PORT",
       "gateway address (env SEEDANCE_GATEWAY; default 127.0.0.1:50051)",
       Text([](CliCommand& c) { return &c.client.target; })},
      {"tls", nullptr, "connect with TLS",
       [](const std::string& v, CliCommand& c, std::string&) {
         c.client.tls = v == "true";
         return true;
       }},
      {"ca-file", "PEM",
       "trust these CA certificates instead of the system's (implies --tls)",
       [](const std::string& v, CliCommand& c, std::string&) {
         c.client.ca_file = v;
         c.client.tls = true;
         return true;
       }},
      {"tls-ca", "PEM", "the same as --ca-file",
       [](const std::string& v, CliCommand& c, std::string&) {
         c.client.ca_file = v;
         c.client.tls = true;
         return true;
       }},
      {"tls-cert", "PEM",
       "your client certificate chain, for a gateway that requires one "
       "(mutual TLS; with --tls-key; implies --tls)",
       [](const std::string& v, CliCommand& c, std::string&) {
         c.client.cert_file = v;
         c.client.tls = true;
         return true;
       }},
      {"tls-key", "PEM", "the private key of --tls-cert",
       [](const std::string& v, CliCommand& c, std::string&) {
         c.client.key_file = v;
         c.client.tls = true;
         return true;
       }},
      {"tls-server-name", "NAME",
       "the name the gateway's certificate must carry, when --gateway is an "
       "IP address or another name (implies --tls)",
       [](const std::string& v, CliCommand& c, std::string&) {
         c.client.server_name = v;
         c.client.tls = true;
         return true;
       }},
      {"api-key-env", "NAME",
       "read your TokenHub key from this environment variable (default "
       "SEEDANCE_API_KEY); "
       "sent as `authorization: Bearer ...`, never printed",
       nullptr},
      {"api-key-file", "PATH", "read your TokenHub key from this file instead",
       nullptr},
      {"caller-key-file", "PATH",
       "read your caller key for a gateway with tenants from this file "
       "(env SEEDANCE_CALLER_KEY); sent as `authorization: Bearer ...` "
       "instead of a TokenHub key, never printed",
       nullptr},
      {"timeout", "DUR", "deadline of create and get calls (default 30s)",
       nullptr},
      {"reconnect-for", "DUR",
       "how long a watch keeps reconnecting to an unreachable gateway (default "
       "60s)",
       DurationFlag(&CliCommand::reconnect_for, nullptr)},
  };
  return *flags;
}

const Flag* FindFlag(absl::string_view name) {
  for (const auto* table : {&CreateFlags(), &FollowFlags(), &GlobalFlags()}) {
    for (const Flag& flag : *table) {
      if (name == flag.name) return &flag;
    }
  }
  return nullptr;
}

void AppendHelp(const std::vector<Flag>& flags, std::string& out) {
  for (const Flag& flag : flags) {
    std::string left = flag.value_name
                           ? absl::StrCat("--", flag.name, " ", flag.value_name)
                       : flag.negatable ? absl::StrCat("--[no-]", flag.name)
                                        : absl::StrCat("--", flag.name);
    absl::StrAppend(&out, "  ", left,
                    std::string(left.size() < 28 ? 28 - left.size() : 1, ' '),
                    flag.help, "\n");
  }
}

absl::Status UsageError(absl::string_view message) {
  return absl::InvalidArgumentError(message);
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

}  // namespace

absl::StatusOr<CliCommand> ParseCommandLine(int argc, const char* const* argv,
                                            const EnvLookup& env) {
  CliCommand command;
  command.request.set_model("doubao-seedance-2.0");
  if (const char* gateway = env("SEEDANCE_GATEWAY"); gateway && *gateway) {
    command.client.target = gateway;
  }
  KeySource key;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "help") {
      command.verb = CliCommand::Verb::kHelp;
      return command;
    }
    if (!absl::StartsWith(arg, "--")) {
      positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    const Flag* flag = FindFlag(name);
    bool negated = false;
    if (!flag && absl::StartsWith(name, "no-")) {
      flag = FindFlag(name.substr(3));
      negated = flag && flag->negatable;
      if (!negated) flag = nullptr;
    }
    if (!flag) return UsageError(absl::StrCat("unknown flag --", name));
    if (flag->value_name == nullptr) {
      if (has_value) {
        return UsageError(absl::StrCat("--", name, " takes no value"));
      }
      value = negated ? "false" : "true";
    } else if (!has_value) {
      if (i + 1 >= argc) {
        return UsageError(absl::StrCat("--", name, " needs a value"));
      }
      value = argv[++i];
    }
    std::string error;
    if (name == "api-key-env") {
      key.env_name = value;
    } else if (name == "api-key-file") {
      key.file = value;
    } else if (name == "caller-key-file") {
      key.caller_file = value;
    } else if (name == "timeout") {
      if (!ParseSeconds(value, command.client.timeout) ||
          command.client.timeout <= absl::ZeroDuration()) {
        return UsageError("--timeout wants a positive duration such as 30s");
      }
    } else if (!flag->set(value, command, error)) {
      return UsageError(absl::StrCat("--", name, " ", error));
    }
  }

  if (positional.empty()) {
    return UsageError("missing command: create, get or watch");
  }
  const std::string& verb = positional[0];
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
  if (!key.caller_file.empty() && !key.file.empty()) {
    return UsageError(
        "--caller-key-file and --api-key-file exclude each other: a gateway "
        "with tenants takes only its caller keys");
  }
  if (!key.caller_file.empty()) {
    auto text = ReadKeyFile(key.caller_file, "caller-key-file");
    if (!text.ok()) return text.status();
    command.client.api_key = *text;
  } else if (!key.file.empty()) {
    auto text = ReadKeyFile(key.file, "api-key-file");
    if (!text.ok()) return text.status();
    command.client.api_key = *text;
  } else if (const char* caller = env("SEEDANCE_CALLER_KEY");
             caller && *caller) {
    command.client.api_key = caller;
  } else if (const char* value = env(key.env_name.c_str()); value && *value) {
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
  AppendHelp(CreateFlags(), out);
  absl::StrAppend(&out, "\nFollow and output flags (create, get, watch):\n");
  AppendHelp(FollowFlags(), out);
  absl::StrAppend(&out, "\nConnection flags:\n");
  AppendHelp(GlobalFlags(), out);
  absl::StrAppend(&out, "\n", ExitCodeHelp());
  return out;
}

}  // namespace seedance::client
