// Load client for the delay server's capacity benchmark (bench/server_capacity.sh runs it).
// Opens <concurrency> requests to /delay/<delay> at once from one thread, then reads the
// server's own trace to report: how many were held at once, how late each response started
// (overshoot beyond the requested delay, p50/p99/max), and the server's resident memory.
// Beside them, what this client saw: each request's connect → last byte minus the delay
// (p50/p99/max), which also counts the accept queue and the client's own loop.
#include <asynclings/client/async_client.hpp>
#include <asynclings/client/blocking_client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <chrono>
#include <map>
#include <vector>

namespace {

long resident_kb(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p / 100.0 * (v.size() - 1) + 0.5))];
}

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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"delay server capacity probe"};
  std::uint16_t port = 0;
  int concurrency = 100, delay_ms = 2000, server_pid = 0;
  app.add_option("--port", port)->required();
  app.add_option("--concurrency", concurrency)->capture_default_str();
  app.add_option("--delay-ms", delay_ms)->capture_default_str();
  app.add_option("--server-pid", server_pid, "to read the server's resident memory");
  CLI11_PARSE(app, argc, argv);

  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);

  const std::string tag = fmt::format("capacity-{}", concurrency);
  asynclings::client::ServerAddress address{"127.0.0.1", port, tag};
  asynclings::client::BlockingClient control{{"127.0.0.1", port, ""}};
  control.post("/trace/reset?tag=" + tag);
  const long rss_before = server_pid ? resident_kb(server_pid) : -1;

  boost::asio::io_context io{1};
  asynclings::client::AsyncClient client{address};
  int ok = 0, failed = 0;
  std::string first_error;
  std::vector<double> seen;  // client-observed: connect -> last byte, minus the delay
  const std::string target = fmt::format("/delay/{}ms", delay_ms);
  auto one = [&]() -> boost::asio::awaitable<asynclings::client::Response> {
    const auto start = std::chrono::steady_clock::now();
    auto response = co_await client.get(target);
    seen.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() -
                   delay_ms);
    co_return response;
  };
  for (int i = 0; i < concurrency; ++i) {
    boost::asio::co_spawn(io, one(),
                          [&](std::exception_ptr e, asynclings::client::Response r) {
                            if (!e && r.status == 200) return void(++ok);
                            ++failed;
                            if (first_error.empty() && e) {
                              try { std::rethrow_exception(e); } catch (const std::exception& x) { first_error = x.what(); }
                            }
                          });
  }
  // Halfway through the delay every connection is held: sample the server's memory then.
  long rss_held = -1;
  boost::asio::steady_timer sample{io, std::chrono::milliseconds{delay_ms / 2}};
  sample.async_wait([&](auto) { rss_held = server_pid ? resident_kb(server_pid) : -1; });
  io.run();

  auto trace = nlohmann::json::parse(control.get("/trace?tag=" + tag).body)["requests"];
  std::vector<double> overshoot;
  for (const auto& r : trace) {
    if (r["response_start_ms"].is_number()) {
      overshoot.push_back(r["response_start_ms"].get<double>() - r["arrival_ms"].get<double>() - delay_ms);
    }
  }
  const double per_conn_kb = (rss_held > 0 && rss_before > 0 && concurrency > 0)
                                 ? double(rss_held - rss_before) / concurrency : 0;
  fmt::print("{:>11} {:>8} {:>7} {:>10.2f} {:>10.2f} {:>10.2f} {:>12} {:>10.1f} {:>10.1f} {:>10.1f} {:>10.1f}\n",
             concurrency, peak_in_flight(trace), failed, percentile(overshoot, 50), percentile(overshoot, 99),
             overshoot.empty() ? 0 : *std::max_element(overshoot.begin(), overshoot.end()), rss_held, per_conn_kb,
             percentile(seen, 50), percentile(seen, 99), seen.empty() ? 0 : *std::max_element(seen.begin(), seen.end()));
  if (!first_error.empty()) fmt::print(stderr, "first client error: {}\n", first_error);
  return failed == 0 ? 0 : 1;
}
