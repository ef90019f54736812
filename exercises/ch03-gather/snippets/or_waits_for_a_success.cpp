// `a || b` is not FIRST_COMPLETED: it waits for the first *success*. A branch that throws
// early does not end the race; wait_for_one() on a parallel group does.
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <variant>

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

asio::awaitable<int> fails_after(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
  throw std::runtime_error("failed");
}

asio::awaitable<int> succeeds_after(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
  co_return int(d.count());
}

long ms_since(Clock::time_point t) {
  return long(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

asio::awaitable<bool> demo() {
  auto start = Clock::now();
  auto winner = co_await (fails_after(50ms) || succeeds_after(200ms));
  const long or_ms = ms_since(start);
  std::printf("||: branch %zu won after %ld ms (the failure at 50 ms was ignored)\n",
              winner.index(), or_ms);

  auto ex = co_await asio::this_coro::executor;
  start = Clock::now();
  auto group = asio::experimental::make_parallel_group(
      asio::co_spawn(ex, fails_after(50ms), asio::deferred),
      asio::co_spawn(ex, succeeds_after(200ms), asio::deferred));
  auto [order, error1, value1, error2, value2] =
      co_await group.async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
  const long one_ms = ms_since(start);
  std::printf("wait_for_one: operation %zu finished first, after %ld ms, %s\n", order[0], one_ms,
              error1 ? "with its exception" : "with a value");
  (void)value1;
  (void)value2;
  co_return winner.index() == 1 && or_ms >= 200 && order[0] == 0 && error1 && error2 &&
      one_ms < 200;
}

int main() {
  asio::io_context io;
  auto ok = asio::co_spawn(io, demo(), asio::use_future);
  io.run();
  return ok.get() ? 0 : 1;
}
