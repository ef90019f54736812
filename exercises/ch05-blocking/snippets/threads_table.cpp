// The course's threads table, measured: 20 blocking calls of 100 ms each, offloaded from the
// loop to pools of 1 to 20 threads, against the same 20 calls on the async client with no
// thread at all. The server's trace gives the peak in flight. First, what 20 idle threads
// cost in memory (/proc/self/status: virtual = reserved, resident = pages really touched).
#include <asynclings/client/async_client.hpp>
#include <asynclings/client/blocking_client.hpp>
#include <asynclings/server/delay_server.hpp>
#include <asynclings/testkit/trace_view.hpp>

#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace asynclings;
using client::Response;

constexpr int kCalls = 20;
const std::string kTarget = "/delay/100ms";

long status_kb(const std::string& field) {  // "VmSize" or "VmRSS", in kB
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return 0;
}

asio::awaitable<Response> get_on(asio::thread_pool::executor_type pool, client::BlockingClient c) {
  auto job = [c]() -> asio::awaitable<Response> { co_return c.get(kTarget); };
  co_return co_await asio::co_spawn(pool, std::move(job), asio::use_awaitable);
}

// All calls queued at once from the loop; the pool runs `threads` at a time.
asio::awaitable<void> offload_all(asio::thread_pool::executor_type pool, client::BlockingClient c) {
  auto loop = co_await asio::this_coro::executor;
  using Op = decltype(asio::co_spawn(loop, get_on(pool, c), asio::deferred));
  std::vector<Op> ops;
  for (int i = 0; i < kCalls; ++i) ops.push_back(asio::co_spawn(loop, get_on(pool, c), asio::deferred));
  co_await asio::experimental::make_parallel_group(std::move(ops))
      .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
}

asio::awaitable<void> async_all(client::AsyncClient c) {
  auto loop = co_await asio::this_coro::executor;
  using Op = decltype(asio::co_spawn(loop, c.get(kTarget), asio::deferred));
  std::vector<Op> ops;
  for (int i = 0; i < kCalls; ++i) ops.push_back(asio::co_spawn(loop, c.get(kTarget), asio::deferred));
  co_await asio::experimental::make_parallel_group(std::move(ops))
      .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
}

int main() {
  {
    const long vm0 = status_kb("VmSize"), rss0 = status_kb("VmRSS");
    asio::thread_pool idle(20);
    std::this_thread::sleep_for(std::chrono::milliseconds{50});  // let the threads start
    std::printf("20 idle pool threads: +%ld MB virtual, +%ld kB resident\n\n",
                (status_kb("VmSize") - vm0) / 1024, status_kb("VmRSS") - rss0);
    idle.join();
  }
  server::DelayServer server;
  server.start();
  std::printf("%d blocking calls of 100 ms, offloaded from one loop:\n\n", kCalls);
  std::printf("| approach | wall time | speedup | server peak in flight |\n");
  std::printf("|---|---|---|---|\n");
  bool ok = true;
  double sequential_ms = 0;
  for (int threads : {1, 2, 4, 10, 20, 0}) {  // 0: the async client, no pool
    const std::string tag = "table-" + std::to_string(threads);
    client::ServerAddress address{"127.0.0.1", server.port(), tag};
    asio::io_context loop;
    std::optional<asio::thread_pool> pool;
    if (threads > 0) pool.emplace(threads);
    const auto start = server::Clock::now();
    if (pool) {
      asio::co_spawn(loop, offload_all(pool->get_executor(), client::BlockingClient{address}), asio::detached);
    } else {
      asio::co_spawn(loop, async_all(client::AsyncClient{address}), asio::detached);
    }
    loop.run();
    const double ms = std::chrono::duration<double, std::milli>(server::Clock::now() - start).count();
    if (pool) pool->join();
    server.trace().wait_settled(tag, std::chrono::seconds{2});
    const testkit::TraceView trace(server.trace().records(tag), start);
    if (threads == 1) sequential_ms = ms;
    const std::size_t expected_peak = threads > 0 ? std::size_t(threads) : std::size_t(kCalls);
    ok = ok && trace.size() == std::size_t(kCalls) && trace.peak_in_flight() == expected_peak;
    const std::string name = threads == 1   ? "pool of 1 thread (sequential)"
                             : threads > 0 ? "pool of " + std::to_string(threads) + " threads"
                                           : "async client, no pool (1 thread)";
    std::printf("| %s | %.0f ms | %.1fx | %zu |\n", name.c_str(), ms, sequential_ms / ms,
                trace.peak_in_flight());
  }
  return ok ? 0 : 1;
}
