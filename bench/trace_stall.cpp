// What a full GET /trace costs the requests in flight (bench/trace_stall.sh runs it): fills
// the server's trace with <records> records (GET /get over keep-alive connections), then
// twice sends <in-flight> concurrent /delay/<delay> requests: once alone, once with a full
// GET /trace asked for shortly after they arrived. Reports each round's client-observed
// lateness (connect → last byte minus the delay; p50/p99/max), how long the /trace took and
// how big it was, and the server's resident memory before, at its highest during, and after.
// A tagged query (?tag=, the tests' fast path) is timed as well.
#include "bench_http.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <string>
#include <vector>

namespace {

using namespace asynclings::bench;

struct Round {
  std::vector<double> late;
  double trace_ms = 0;
  std::size_t trace_bytes = 0;
  std::string trace_start;
  long rss_peak = 0;
  int failed = 0;
};

Round delayed_round(const tcp::endpoint& server, int pid, int in_flight, int delay_ms,
                    const std::string& trace_target) {
  asio::io_context io{1};
  Round round;
  const std::string request =
      request_bytes("GET", fmt::format("/delay/{}ms", delay_ms), false, "X-Trace-Tag: stall\r\n");
  for (int i = 0; i < in_flight; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          const auto start = Clock::now();
          const Reply reply = co_await exchange_once(server, request);
          round.late.push_back(ms_since(start) - delay_ms);
          if (reply.status != 200) ++round.failed;
        },
        asio::detached);
  }
  asio::steady_timer later{io, std::chrono::milliseconds{delay_ms / 5}};
  if (!trace_target.empty()) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await later.async_wait(asio::as_tuple(asio::use_awaitable));
          const auto start = Clock::now();
          const Reply reply = co_await exchange_once(server, request_bytes("GET", trace_target));
          round.trace_ms = ms_since(start);
          round.trace_bytes = reply.bytes;
          round.trace_start = reply.start;
          if (reply.status != 200) ++round.failed;
        },
        asio::detached);
  }
  // The server's memory every 20 ms while the round lasts.
  asio::steady_timer sampler{io};
  std::function<void()> sample = [&] {
    round.rss_peak = std::max(round.rss_peak, resident_kb(pid));
    if (round.late.size() == static_cast<std::size_t>(in_flight) &&
        (trace_target.empty() || round.trace_bytes))
      return;
    sampler.expires_after(std::chrono::milliseconds{20});
    sampler.async_wait([&](boost::system::error_code) { sample(); });
  };
  sample();
  io.run();
  return round;
}

void print_round(const char* name, const Round& r) {
  fmt::print("{:<28} {:>9.1f} {:>9.1f} {:>9.1f} {:>7} {:>10} {:>9} {:>10.1f}\n", name,
             percentile(r.late, 50), percentile(r.late, 99), maximum(r.late), r.failed,
             r.trace_bytes ? fmt::format("{:.0f}", r.trace_ms) : "-",
             r.trace_bytes ? fmt::format("{:.1f}", r.trace_bytes / 1048576.0) : "-",
             r.rss_peak / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"the cost of a full GET /trace to the requests in flight"};
  std::uint16_t port = 0;
  int server_pid = 0, in_flight = 50, delay_ms = 500, connections = 16;
  std::uint64_t records = 200'000;
  app.add_option("--port", port)->required();
  app.add_option("--server-pid", server_pid, "the server process, to sample its memory")
      ->required();
  app.add_option("--records", records, "records in the trace before the rounds")
      ->capture_default_str();
  app.add_option("--in-flight", in_flight, "concurrent /delay requests per round")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--delay-ms", delay_ms, "their delay")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  raise_open_file_limit();
  const tcp::endpoint server{asio::ip::make_address("127.0.0.1"), port};

  {
    asio::io_context io{1};
    std::uint64_t answered = 0;
    const auto start = Clock::now();
    const std::string request = request_bytes("GET", "/get?filler=1", true);
    for (int i = 0; i < connections; ++i) {
      asio::co_spawn(io,
                     keep_alive_loop(server, request, Clock::time_point::max(), answered, records),
                     asio::detached);
    }
    io.run();
    fmt::print("filled the trace with {} requests in {:.1f} s; server RSS {:.1f} MB\n", answered,
               ms_since(start) / 1000, resident_kb(server_pid) / 1024.0);
  }
  fmt::print("{:<28} {:>9} {:>9} {:>9} {:>7} {:>10} {:>9} {:>10}\n",
             fmt::format("{} × /delay/{}ms", in_flight, delay_ms), "late p50", "late p99",
             "late max", "failed", "/trace ms", "/trace MB", "RSS max MB");
  print_round("alone", delayed_round(server, server_pid, in_flight, delay_ms, ""));
  const Round full = delayed_round(server, server_pid, in_flight, delay_ms, "/trace");
  print_round("with GET /trace", full);
  print_round("with GET /trace?tag=stall",
              delayed_round(server, server_pid, in_flight, delay_ms, "/trace?tag=stall"));
  const auto body = full.trace_start.find("\r\n\r\n");
  fmt::print("server RSS afterwards {:.1f} MB; the full /trace began {}\n",
             resident_kb(server_pid) / 1024.0,
             body == std::string::npos
                 ? "(nothing)"
                 : full.trace_start.substr(full.trace_start.find('{', body), 60));
  return full.failed == 0 ? 0 : 1;
}
