// Load client for the delay server's capacity benchmark (bench/server_capacity.sh runs it).
// Opens <concurrency> requests to /delay/<delay> at once from one thread and reports what this
// client saw: each request's connect → last byte minus the delay (p50/p99/max), which counts
// the accept queue and the server's loop as a user would. Beside them, from the server's own
// trace (unless --no-trace, for peer servers without one): how many requests it held at once
// and how late each response started (arrival → response start, minus the delay). And the
// server's resident memory while holding them, and the server's CPU time per request (user +
// system: what the machine's load cannot inflate).
// --get-seconds S: instead, <connections> keep-alive connections ask GET /get one request
// after another for S seconds; prints the answers per second.
#include "bench_http.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace asynclings::bench;

std::size_t peak_in_flight(const nlohmann::json& requests) {
  std::vector<std::pair<double, int>> events;
  for (const auto& r : requests) {
    events.emplace_back(r["arrival_ms"].get<double>(), +1);
    if (r["finish_ms"].is_number()) events.emplace_back(r["finish_ms"].get<double>(), -1);
  }
  std::sort(events.begin(), events.end());  // at equal times the finish (-1) comes first
  long now = 0, peak = 0;
  for (auto [t, d] : events) peak = std::max(peak, now += d);
  return static_cast<std::size_t>(peak);
}

// The body of a short request on its own connection (the trace's answers).
std::string fetch_body(const tcp::endpoint& server, const std::string& request) {
  asio::io_context io;
  tcp::socket socket{io};
  socket.connect(server);
  asio::write(socket, asio::buffer(request));
  std::string bytes;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(bytes), ec);
  const auto body = bytes.find("\r\n\r\n");
  return body == std::string::npos ? std::string{} : bytes.substr(body + 4);
}

int measure_get_rate(const tcp::endpoint& server, int connections, double seconds, int server_pid) {
  asio::io_context io{1};
  std::uint64_t answered = 0;
  int failed = 0;
  const double cpu_before = server_pid ? cpu_ms(server_pid) : -1;
  const auto start = Clock::now();
  const auto until =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const std::string request = request_bytes("GET", "/get", true);
  for (int i = 0; i < connections; ++i) {
    asio::co_spawn(io, keep_alive_loop(server, request, until, answered),
                   [&](std::exception_ptr e, bool ok) {
                     if (e || !ok) ++failed;
                   });
  }
  io.run();
  // The server's CPU per answer says what one core could serve, whatever else ran meanwhile.
  const std::string cpu = server_pid && answered
                              ? fmt::format(", server CPU {:.1f} us per answer",
                                            1000 * (cpu_ms(server_pid) - cpu_before) / answered)
                              : "";
  fmt::print("{:.0f} req/s ({} answers in {:.1f} s over {} keep-alive connections, {} failed{})\n",
             answered / (ms_since(start) / 1000), answered, ms_since(start) / 1000, connections,
             failed, cpu);
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"delay server capacity probe"};
  std::uint16_t port = 0;
  int concurrency = 100, delay_ms = 2000, server_pid = 0, connections = 50;
  double get_seconds = 0;
  bool no_trace = false;
  app.add_option("--port", port)->required();
  app.add_option("--concurrency", concurrency)->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--delay-ms", delay_ms)->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--server-pid", server_pid, "to read the server's resident memory");
  app.add_flag("--no-trace", no_trace,
               "the server has no /trace (a peer server): client figures only");
  app.add_option("--get-seconds", get_seconds,
                 "measure GET /get answers per second for this long instead")
      ->check(CLI::PositiveNumber);
  app.add_option("--connections", connections, "keep-alive connections for --get-seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  raise_open_file_limit();
  const tcp::endpoint server{asio::ip::make_address("127.0.0.1"), port};
  if (get_seconds > 0) return measure_get_rate(server, connections, get_seconds, server_pid);

  const std::string tag = fmt::format("capacity-{}", concurrency);
  if (!no_trace) fetch_body(server, request_bytes("POST", "/trace/reset?tag=" + tag));
  const long rss_before = server_pid ? resident_kb(server_pid) : -1;
  const double cpu_before = server_pid ? cpu_ms(server_pid) : -1;

  asio::io_context io{1};
  int ok = 0, failed = 0;
  std::string first_error;
  std::vector<double> seen;  // client-observed: connect -> last byte, minus the delay
  const std::string request = request_bytes("GET", fmt::format("/delay/{}ms", delay_ms), false,
                                            "X-Trace-Tag: " + tag + "\r\n");
  auto one = [&]() -> asio::awaitable<void> {
    const auto start = Clock::now();
    const Reply reply = co_await exchange_once(server, request);
    seen.push_back(ms_since(start) - delay_ms);
    if (reply.status == 200) co_return void(++ok);
    ++failed;
    if (first_error.empty())
      first_error = reply.error.empty() ? fmt::format("status {}", reply.status) : reply.error;
  };
  for (int i = 0; i < concurrency; ++i) asio::co_spawn(io, one(), asio::detached);
  // Halfway through the delay every connection is held: sample the server's memory then.
  long rss_held = -1;
  asio::steady_timer sample{io, std::chrono::milliseconds{delay_ms / 2}};
  sample.async_wait([&](auto) { rss_held = server_pid ? resident_kb(server_pid) : -1; });
  io.run();
  const double cpu_used = server_pid ? cpu_ms(server_pid) - cpu_before : 0;

  std::string held = "-", p50 = "-", p99 = "-", max = "-";
  if (!no_trace) {
    auto trace = nlohmann::json::parse(
        fetch_body(server, request_bytes("GET", "/trace?tag=" + tag)))["requests"];
    std::vector<double> overshoot;
    for (const auto& r : trace) {
      if (r["response_start_ms"].is_number()) {
        overshoot.push_back(r["response_start_ms"].get<double>() - r["arrival_ms"].get<double>() -
                            delay_ms);
      }
    }
    held = std::to_string(peak_in_flight(trace));
    p50 = fmt::format("{:.1f}", percentile(overshoot, 50));
    p99 = fmt::format("{:.1f}", percentile(overshoot, 99));
    max = fmt::format("{:.1f}", maximum(overshoot));
  }
  const double per_conn_kb =
      (rss_held > 0 && rss_before > 0) ? double(rss_held - rss_before) / concurrency : 0;
  fmt::print(
      "{:>11} {:>8} {:>7} {:>10.1f} {:>10.1f} {:>10.1f} {:>10} {:>10} {:>10} {:>10} {:>8.1f} "
      "{:>11.0f}",
      concurrency, held, failed, percentile(seen, 50), percentile(seen, 99), maximum(seen), p50,
      p99, max, rss_held, per_conn_kb, cpu_used > 0 ? 1000 * cpu_used / concurrency : 0);
  if (!first_error.empty()) fmt::print(stderr, "first client error: {}\n", first_error);
  return failed == 0 ? 0 : 1;
}
