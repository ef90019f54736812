// delayserver: the bundled delay server as a program. Point curl or the course's Python
// scripts at it; `grader serve` runs the same server with a live request log.
#include <asynclings/server/delay_server.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <csignal>
#include <cstdio>

int main(int argc, char** argv) {
  CLI::App app{"asynclings delay server: httpbin-style /delay, /stream, /drip, /status, /get, "
               "plus /flaky, /lease and /trace for the workbook's tests"};
  asynclings::server::ServerOptions options;
  long max_delay_s = 10, latency_ms = 0, jitter_ms = 0;
  std::size_t trace_limit_mb = options.trace_max_bytes / (1024 * 1024);
  bool quiet = false;
  app.add_option("--host", options.host, "address to bind")->capture_default_str();
  app.add_option("--port", options.port, "port to bind (0: any free port, printed)")->capture_default_str();
  // An hour at most: beyond it the limit in milliseconds would overflow, and below zero every
  // /delay would be refused.
  app.add_option("--max-delay", max_delay_s, "longest delay accepted, in seconds (0 to 3600)")
      ->capture_default_str()
      ->check(CLI::Range(0L, 3600L));
  app.add_option("--latency", latency_ms, "simulated network round-trip per response, ms")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--jitter", jitter_ms, "uniform random extra latency 0..jitter, ms")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--trace-limit-mb", trace_limit_mb,
                 "memory kept for the trace, MB (1 to 65536); the oldest records are dropped beyond it, "
                 "GET /trace counts them")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{65536}));
  app.add_flag("--quiet", quiet, "do not log each request");
  CLI11_PARSE(app, argc, argv);
  options.max_delay = std::chrono::seconds{max_delay_s};
  options.latency = std::chrono::milliseconds{latency_ms};
  options.jitter = std::chrono::milliseconds{jitter_ms};
  options.trace_max_bytes = trace_limit_mb * 1024 * 1024;

  asynclings::server::DelayServer* server_ptr = nullptr;
  if (!quiet) {
    // Method, target and tag are the client's bytes: escaped, so one request is one line and
    // nothing reaches the terminal as a control sequence.
    options.on_request_end = [&server_ptr](const asynclings::server::TraceRecord& r) {
      using asynclings::server::printable;
      const auto epoch = server_ptr->trace().epoch();
      std::printf("%9.1f ms  #%-5llu %-6s %-28s %3d %-14s %7.1f ms  %s\n",
                  asynclings::server::ms_between(epoch, r.arrival),
                  static_cast<unsigned long long>(r.id), printable(r.method).c_str(),
                  printable(r.target).c_str(), r.status, asynclings::server::to_string(r.outcome),
                  r.finish ? asynclings::server::ms_between(r.arrival, *r.finish) : 0.0,
                  printable(r.tag).c_str());
      std::fflush(stdout);
    };
  }

  // Block the stop signals before the server thread exists, then wait for them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    asynclings::server::DelayServer server{options};
    server_ptr = &server;
    server.listen();
    std::printf("delayserver listening on http://%s:%u (Ctrl-C stops)\n", options.host.c_str(),
                static_cast<unsigned>(server.port()));
    std::fflush(stdout);
    server.start();
    int signal = 0;
    sigwait(&stop_signals, &signal);
    server.stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "delayserver: %s\n", e.what());
    return 1;
  }
  return 0;
}
