// seedance: the command-line client of the seedance gateway (see CliUsage()
// or `seedance --help`). Process plumbing only: flags, signals, choosing
// the output mode, reading the prompt from stdin.
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>

#include "client/cli_flags.h"
#include "client/commands.h"
#include "client/event_renderer.h"
#include "client/exit_codes.h"
#include "client/video_client.h"

namespace {

using ::seedance::client::CliCommand;

std::string ReadAll(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

int main(int argc, char** argv) {
  namespace sc = ::seedance::client;
  auto parsed = sc::ParseCommandLine(argc, argv, [](const char* name) {
    // Read once, before any thread exists (nothing sets the environment).
    return std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  });
  if (!parsed.ok()) {
    std::cerr << "seedance: " << parsed.status().message()
              << "\nRun `seedance --help` for usage.\n";
    return sc::kExitUsage;
  }
  CliCommand command = *std::move(parsed);
  if (command.verb == CliCommand::Verb::kHelp) {
    std::cout << sc::CliUsage();
    return sc::kExitOk;
  }
  if (command.verb == CliCommand::Verb::kCreate &&
      (command.prompt_from_stdin ||
       (!command.prompt_given && !isatty(STDIN_FILENO)))) {
    command.request.set_prompt(ReadAll(std::cin));
  }
  const bool terminal = isatty(STDOUT_FILENO) && !command.json;
  if (terminal && !command.heartbeat_given) {
    command.heartbeat = absl::Seconds(1);  // keeps the elapsed time moving
  }

  // Block the stop signals before any thread starts (gRPC's threads inherit
  // the mask); one thread waits for them and cancels whatever is running.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  curl_global_init(CURL_GLOBAL_DEFAULT);

  auto client = sc::VideoClient::Create(command.client);
  if (!client.ok()) {
    std::cerr << "seedance: " << client.status().message() << "\n";
    return sc::kExitUsage;
  }
  static std::atomic<bool> interrupted{false};
  sc::VideoClient* raw_client = client->get();
  // Detached: it waits in sigwait for the life of the process.
  std::thread([stop_signals, raw_client] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    interrupted = true;
    raw_client->Cancel();
  }).detach();

  int code;
  {
    auto renderer = terminal ? sc::MakeTerminalRenderer(stdout, stderr)
                             : sc::MakeJsonRenderer(stdout, stderr);
    code = sc::RunCommand(command, **client, *renderer, interrupted);
  }
  if (code == sc::kExitInterrupted) std::cerr << "seedance: interrupted\n";
  // Exit without destroying the client: the signal thread may still use it.
  std::fflush(stdout);
  std::_Exit(code);
}
