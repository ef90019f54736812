// course_table: the course's sync-vs-async table reproduced against the bundled delay server.
// For each N it times the sequential loop and the concurrent run (C++, and Python when
// /usr/bin/python3 has requests and httpx), reads the server's trace to show how many
// requests really overlapped, and prints the measured table beside the course's own.
// bench/README.md explains why the figures differ and how --latency/--jitter close the gap.
#include "measured_loops.hpp"
#include "python_runs.hpp"
#include "speedup_model.hpp"
#include "table_output.hpp"

#include <asynclings/client/blocking_client.hpp>
#include <asynclings/server/delay_server.hpp>
#include <asynclings/testkit/trace_view.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace course_table;
using asynclings::client::AsyncClient;
using asynclings::client::BlockingClient;
using asynclings::client::ServerAddress;
using std::chrono::milliseconds;

struct Options {
  Settings settings;
  bool json = false;
  std::vector<std::string> clients{"cpp", "python"};
  PythonSetup python{"/usr/bin/python3", COURSE_TABLE_PYTHON_DIR};

  bool wants(const std::string& client) const {
    return std::find(clients.begin(), clients.end(), client) != clients.end();
  }
};

// The bundled server in this process, and what the runs need to reach it.
class Bench {
 public:
  Bench(const Options& options, asynclings::server::DelayServer& server)
      : options_(options), server_(server) {}

  MeasuredRow cpp_row(int n, std::size_t position) {
    MeasuredRow row = row_for(n, "cpp");
    const std::string sync_tag = tag("cpp-sync", n, position);
    const std::string async_tag = tag("cpp-async", n, position);
    progress(fmt::format("N={}: C++ sequential loop…", n));
    row.sync_s = sequential_requests(BlockingClient{address(sync_tag), request_timeout()}, target(), n);
    progress(fmt::format(" {:.2f} s; concurrent run…", row.sync_s));
    row.async_s = concurrent_requests(AsyncClient{address(async_tag)}, target(), n);
    progress(fmt::format(" {:.2f} s\n", row.async_s));
    row.sync_peak_in_flight = peak_of(sync_tag);
    row.async_peak_in_flight = peak_of(async_tag);
    return row;
  }

  MeasuredRow python_row(int n, std::size_t position) {
    MeasuredRow row = row_for(n, "python");
    const std::string sync_tag = tag("py-sync", n, position);
    const std::string async_tag = tag("py-async", n, position);
    const milliseconds limit = script_time_limit(n);
    progress(fmt::format("N={}: Python requests loop…", n));
    row.sync_s = run_python_sync(options_.python, url(sync_tag), n, limit);
    progress(fmt::format(" {:.2f} s; httpx + gather…", row.sync_s));
    row.async_s = run_python_async(options_.python, url(async_tag), n, limit);
    progress(fmt::format(" {:.2f} s\n", row.async_s));
    row.sync_peak_in_flight = peak_of(sync_tag);
    row.async_peak_in_flight = peak_of(async_tag);
    return row;
  }

 private:
  const Settings& settings() const { return options_.settings; }

  MeasuredRow row_for(int n, std::string client) const {
    MeasuredRow row;
    row.n = n;
    row.client = std::move(client);
    row.model_speedup = expected_speedup({n, double(settings().delay_ms), double(settings().latency_ms),
                                          double(settings().jitter_ms)});
    return row;
  }

  // Each run has its own tag, so its trace holds its requests and nothing else.
  static std::string tag(const char* run, int n, std::size_t position) {
    return fmt::format("{}-n{}-{}", run, n, position);
  }
  ServerAddress address(const std::string& tag) const { return {"127.0.0.1", server_.port(), tag}; }
  std::string target() const { return fmt::format("/delay/{}ms", settings().delay_ms); }
  std::string url(const std::string& tag) const {
    return fmt::format("http://127.0.0.1:{}{}?tag={}", server_.port(), target(), tag);
  }
  // The longest one response may take, with room for a busy machine.
  milliseconds request_timeout() const {
    return milliseconds{settings().delay_ms + settings().latency_ms + settings().jitter_ms} + std::chrono::seconds{30};
  }
  milliseconds script_time_limit(int n) const { return n * request_timeout() + std::chrono::seconds{30}; }

  std::size_t peak_of(const std::string& tag) {
    // A response's trace record is closed just after its last byte is sent: let it settle.
    if (!server_.trace().wait_settled(tag, std::chrono::seconds{5})) {
      throw std::runtime_error("the server still holds requests of " + tag + " after the run ended");
    }
    // The same trace query the chapter tests use.
    return asynclings::testkit::TraceView(server_.trace().records(tag), asynclings::server::Clock::now())
        .peak_in_flight();
  }

  void progress(const std::string& text) const {
    if (options_.json) return;
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
  }

  const Options& options_;
  asynclings::server::DelayServer& server_;
};

BenchReport run(const Options& options) {
  const Settings& s = options.settings;
  BenchReport report;
  report.settings = s;
  report.settings.python = options.wants("python") ? options.python.interpreter : "";
  report.python_asked = options.wants("python");
  if (report.python_asked) report.python = check_python(options.python);
  if (report.python_asked && !report.python.available) {
    std::fprintf(stderr, "course_table: no Python rows: %s\n", report.python.reason.c_str());
  }

  asynclings::server::ServerOptions server_options;
  server_options.latency = milliseconds{s.latency_ms};
  server_options.jitter = milliseconds{s.jitter_ms};
  server_options.max_delay = std::max<milliseconds>(server_options.max_delay, milliseconds{s.delay_ms});
  asynclings::server::DelayServer server{server_options};
  server.start();
  Bench bench{options, server};
  for (std::size_t i = 0; i < s.counts.size(); ++i) {
    if (options.wants("cpp")) report.rows.push_back(bench.cpp_row(s.counts[i], i));
    if (report.python_asked && report.python.available) report.rows.push_back(bench.python_row(s.counts[i], i));
  }
  return report;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "The course's table, reproduced: N requests to /delay one after another (blocking client, "
      "Python requests) and all at once on one thread (AsyncClient, httpx + asyncio.gather), "
      "against the bundled delay server started in this process"};
  Options options;
  Settings& s = options.settings;
  s.counts = {5, 20};
  app.add_option("--delay-ms", s.delay_ms, "delay each request asks for (/delay/<ms>ms); the course used 1 s")
      ->check(CLI::Range(1, 60'000))
      ->capture_default_str();
  app.add_option("--latency", s.latency_ms, "simulated network round-trip the server adds to every response, ms")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str();
  app.add_option("--jitter", s.jitter_ms, "uniform random extra latency 0..jitter per response, ms")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str();
  app.add_option("--n", s.counts, "how many requests per run, a list (--n 5,20 or --n 5 --n 20)")
      ->delimiter(',')
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_flag("--json", options.json, "print the tables as JSON");
  app.add_option("--python", options.python.interpreter, "Python interpreter with requests and httpx")
      ->capture_default_str();
  app.add_option("--python-scripts", options.python.scripts_dir, "folder of sync_requests.py and async_gather.py")
      ->capture_default_str();
  app.add_option("--clients", options.clients, "which rows to measure: cpp, python or both (--clients cpp)")
      ->delimiter(',')
      ->check(CLI::IsMember({"cpp", "python"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGPIPE, SIG_IGN);  // a peer that hangs up is an error to report, not a reason to die

  try {
    const BenchReport report = run(options);
    if (options.json) {
      std::puts(render_json(report).dump(2).c_str());
    } else {
      std::fputs(("\n" + render_text(report)).c_str(), stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "course_table: %s\n", e.what());
    return 1;
  }
  return 0;
}
