// Soak load for the delay server (bench/server_soak.sh runs it): <workers> clients send a
// mixed load for <seconds> — delays, long URLs, statuses, streams, drips, flaky and lease
// counters, bodies and headers of invalid UTF-8, malformed requests, clients that hang up
// mid-request, tagged trace reads and resets as the tests do them, and a full GET /trace a
// minute — while the server's resident memory is sampled. Prints the RSS curve and whether it
// stays within ±<tolerance> % of its value at the end of the first minute.
#include "bench_http.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace asynclings::bench;

struct Load {
  tcp::endpoint server;
  Clock::time_point until;
  std::chrono::milliseconds pause;
  std::uint64_t requests = 0, failures = 0, trace_bytes = 0;
  std::string first_failure;
  void failed(const std::string& what) {
    if (failures++ == 0) first_failure = what;
  }
};

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer timer{co_await asio::this_coro::executor, d};
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// A client that sends a request and hangs up before the answer.
asio::awaitable<void> hang_up(Load& load, std::string request) {
  tcp::socket socket{co_await asio::this_coro::executor};
  auto [cec] = co_await socket.async_connect(load.server, asio::as_tuple(asio::use_awaitable));
  if (cec) co_return load.failed("connect: " + cec.message());
  co_await asio::async_write(socket, asio::buffer(request), asio::as_tuple(asio::use_awaitable));
  co_await sleep_for(std::chrono::milliseconds{20});
}

asio::awaitable<void> worker(Load& load, int w) {
  const std::string tag = fmt::format("soak-{}", w);
  const std::string tag_header = "X-Trace-Tag: " + tag + "\r\n";
  const std::string long_query(6000 + 97 * w, 'q');  // within the 8 KB head limit
  const std::string medium_query(3000, 'm');
  const std::string latin1_body = "caf\xe9 cr\xe8me \xff\xfe binary\x80\x81";
  for (std::uint64_t k = 0; Clock::now() < load.until; ++k) {
    std::string request;
    int expect = 200;  // 0: any status line
    switch (k % 12) {
      case 0:
        request = request_bytes("GET", fmt::format("/delay/{}ms", k * 7 % 100), false, tag_header);
        break;
      case 1:
        request = request_bytes("GET", "/get?q=" + long_query);
        break;
      case 2:
        request = request_bytes("GET", k % 24 == 2 ? "/status/418" : "/status/204"), expect = 0;
        break;
      case 3:
        request = request_bytes("GET", "/stream/10", false, tag_header);
        break;
      case 4:
        request = request_bytes("POST", "/delay/0", false, "X-Bad: caf\xe9\r\n", latin1_body);
        break;
      case 5:
        request = request_bytes("GET", "/get?tag=caf%FF&x=%FE", false, tag_header);
        break;
      case 6:
        co_await hang_up(load, request_bytes("GET", "/delay/1000ms", false, tag_header));
        break;
      case 7:
        request = k % 24 == 7 ? "GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"
                              : "\x16\x03\x01 not http\r\n\r\n";
        expect = 400;
        break;
      case 8:
        request = request_bytes("GET", "/drip?duration=0.05&numbytes=5&delay=0", false, tag_header);
        break;
      case 9:
        request = request_bytes("GET", fmt::format("/flaky/k{}?fail=1", k % 64), false, tag_header),
        expect = 0;
        break;
      case 10:
        request = request_bytes("POST", k % 24 == 10 ? "/lease/acquire" : "/lease/release", false,
                                tag_header);
        expect = 0;
        break;
      case 11:
        // Half the workers read and reset their tag's records as a test does; the other half
        // leave theirs, so the trace fills to its memory budget.
        request = w % 2 == 0 && k % 48 == 11 ? request_bytes("GET", "/trace?tag=" + tag)
                  : w % 2 == 0 && k % 48 == 23
                      ? request_bytes("POST", "/trace/reset?tag=" + tag)
                      : request_bytes("GET", "/get?m=" + medium_query, false, tag_header);
        break;
    }
    if (!request.empty()) {
      const Reply reply = co_await exchange_once(load.server, request);
      if (reply.status == 0 || (expect != 0 && reply.status != expect)) {
        load.failed(fmt::format("{:?} -> {} {}", request.substr(0, 40), reply.status, reply.error));
      }
    }
    ++load.requests;
    co_await sleep_for(load.pause);
  }
}

// The whole trace, once a minute, read to the end.
asio::awaitable<void> full_trace_reader(Load& load) {
  while (Clock::now() + std::chrono::seconds{60} < load.until) {
    co_await sleep_for(std::chrono::seconds{60});
    const Reply reply = co_await exchange_once(load.server, request_bytes("GET", "/trace"));
    if (reply.status != 200) load.failed("GET /trace: " + reply.error);
    load.trace_bytes = reply.bytes;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"delay server soak: a long mixed load, the server's memory sampled"};
  std::uint16_t port = 0;
  int server_pid = 0, workers = 16, seconds = 600, sample_s = 10, pause_ms = 5, settle_s = 60;
  double tolerance = 10;
  app.add_option("--port", port)->required();
  app.add_option("--server-pid", server_pid, "the server process, to sample its memory")
      ->required();
  app.add_option("--seconds", seconds, "how long the load runs")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--workers", workers, "concurrent clients")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--pause-ms", pause_ms, "each client's pause between requests")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--sample-s", sample_s, "seconds between memory samples")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--settle-s", settle_s, "samples are judged after this many seconds")
      ->capture_default_str();
  app.add_option("--tolerance", tolerance, "allowed deviation from the settled sample, %")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  raise_open_file_limit();

  asio::io_context io{1};
  const auto start = Clock::now();
  Load load{{asio::ip::make_address("127.0.0.1"), port},
            start + std::chrono::seconds{seconds},
            std::chrono::milliseconds{pause_ms}};
  for (int w = 0; w < workers; ++w) asio::co_spawn(io, worker(load, w), asio::detached);
  asio::co_spawn(io, full_trace_reader(load), asio::detached);

  struct Sample {
    int t;
    long rss;
    std::uint64_t requests;
  };
  std::vector<Sample> samples{{0, resident_kb(server_pid), 0}};
  fmt::print("{:>6} {:>9} {:>10} {:>7}\n", "t s", "RSS MB", "requests", "req/s");
  fmt::print("{:>6} {:>9.1f} {:>10} {:>7}\n", 0, samples.back().rss / 1024.0, 0, 0);
  asio::steady_timer sampler{io};
  std::function<void(int)> schedule = [&](int t) {
    sampler.expires_at(start + std::chrono::seconds{t});
    sampler.async_wait([&, t](boost::system::error_code) {
      const Sample s{t, resident_kb(server_pid), load.requests};
      fmt::print("{:>6} {:>9.1f} {:>10} {:>7.0f}\n", t, s.rss / 1024.0, s.requests,
                 double(s.requests - samples.back().requests) / (t - samples.back().t));
      std::fflush(stdout);
      samples.push_back(s);
      if (t + sample_s <= seconds && s.rss > 0) schedule(t + sample_s);
    });
  };
  schedule(sample_s);
  io.run();

  long settled = -1, low = 0, high = 0;
  for (const auto& s : samples) {
    if (s.t < settle_s) continue;
    if (settled < 0) settled = low = high = s.rss;
    low = std::min(low, s.rss);
    high = std::max(high, s.rss);
  }
  fmt::print("{} requests in {:.0f} s, {} failed{}{}; the last full /trace was {:.1f} MB\n",
             load.requests, ms_since(start) / 1000, load.failures, load.failures ? ": first " : "",
             load.first_failure, load.trace_bytes / 1048576.0);
  if (settled <= 0 || low <= 0) {
    fmt::print("no memory sample after {} s (did the server stop?)\n", settle_s);
    return 1;
  }
  const double down = 100.0 * (low - settled) / settled, up = 100.0 * (high - settled) / settled;
  const bool flat = -down <= tolerance && up <= tolerance;
  fmt::print(
      "RSS at {} s {:.1f} MB; afterwards {:.1f} to {:.1f} MB ({:+.1f} % / {:+.1f} %): {} ±{} %\n",
      settle_s, settled / 1024.0, low / 1024.0, high / 1024.0, down, up,
      flat ? "flat within" : "NOT flat within", tolerance);
  return flat && load.failures == 0 ? 0 : 1;
}
