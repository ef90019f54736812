#include "cli/commands.hpp"

#include <asynclings/server/delay_server.hpp>

#include <fmt/format.h>
#include <signal.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>

namespace asynclings::grader {

namespace {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  int latency_ms = 0;
  int jitter_ms = 0;
  bool quiet = false;
};

int run_serve(const ServeOptions& options) {
  using namespace asynclings::server;
  ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = static_cast<std::uint16_t>(options.port);
  server_options.latency = std::chrono::milliseconds(options.latency_ms);
  server_options.jitter = std::chrono::milliseconds(options.jitter_ms);
  if (!options.quiet) {
    server_options.on_request_end = [](const TraceRecord& r) {
      const auto now = std::chrono::system_clock::now();
      const std::time_t t = std::chrono::system_clock::to_time_t(now);
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
      std::tm local{};
      localtime_r(&t, &local);
      const double took = r.finish ? ms_between(r.arrival, *r.finish) : 0.0;
      std::string line = fmt::format("{:02}:{:02}:{:02}.{:03}  #{:<5} {:<6} {:<32} {:>3}  {:>8.1f} ms  {}", local.tm_hour,
                                     local.tm_min, local.tm_sec, ms, r.id, server::printable(r.method), server::printable(r.target), r.status, took, to_string(r.outcome));
      // Escaped: a tag or target is the client's bytes, and must not drive the terminal.
      if (!r.tag.empty()) line += "  tag=" + server::printable(r.tag);
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    };
  }
  // The signals are taken by sigwait on this thread; the server thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  DelayServer server(server_options);
  try {
    server.listen();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grader serve: cannot listen on %s:%d: %s\n", options.host.c_str(), options.port, e.what());
    return 2;
  }
  std::printf("delay server on http://%s:%u  (try: curl http://%s:%u/delay/500)  Ctrl-C stops it\n",
              options.host.c_str(), server.port(), options.host.c_str(), server.port());
  std::fflush(stdout);
  server.start();
  int received = 0;
  sigwait(&signals, &received);
  std::printf("\nstopping (%zu requests served)\n", server.trace().records().size());
  server.stop();
  return 0;
}

}  // namespace

Verb add_serve(CLI::App& app) {
  auto serve = std::make_shared<ServeOptions>();
  auto* command = app.add_subcommand("serve", "Run the delay server in the foreground with a live request log");
  command->add_option("--host", serve->host, "Address to listen on");
  command->add_option("-p,--port", serve->port, "Port (0: any free port)");
  command->add_option("--latency", serve->latency_ms, "Simulated network round-trip per response, ms")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--jitter", serve->jitter_ms, "Random extra latency 0..N ms")->check(CLI::NonNegativeNumber);
  command->add_flag("-q,--quiet", serve->quiet, "No per-request log");
  return {command, [serve] { return run_serve(*serve); }};
}

}  // namespace asynclings::grader
