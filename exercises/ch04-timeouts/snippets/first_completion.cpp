// `||` waits for the first SUCCESS: an operation that fails quickly loses the race to the
// timer and looks like a timeout. A parallel group with wait_for_one() completes on the first
// COMPLETION, success or failure, and cancels the other.
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

asio::awaitable<int> fails_after_20ms() {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer t(ex, 20ms);
  co_await t.async_wait(asio::use_awaitable);
  throw std::runtime_error("failed");
}

long ms_since(Clock::time_point start) {
  return long(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// (The two flags live in main, which outlives the coroutine: references are safe here.)
asio::awaitable<void> compare(bool& or_said_timeout, bool& group_saw_error) {
  auto ex = co_await asio::this_coro::executor;

  auto start = Clock::now();
  asio::steady_timer timer(ex, 200ms);
  auto winner = co_await (fails_after_20ms() || timer.async_wait(asio::use_awaitable));
  or_said_timeout = winner.index() == 1;
  std::printf("||: %s after %ld ms\n", or_said_timeout ? "timer won" : "op won", ms_since(start));

  start = Clock::now();
  asio::steady_timer timer2(ex, 200ms);
  auto group = asio::experimental::make_parallel_group(
      asio::co_spawn(ex, fails_after_20ms(), asio::deferred), timer2.async_wait(asio::deferred));
  auto [order, op_error, value, timer_error] =
      co_await group.async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
  group_saw_error = order[0] == 0 && op_error != nullptr;
  std::printf("wait_for_one: %s after %ld ms\n", group_saw_error ? "op failed" : "timer won",
              ms_since(start));
}

int main() {
  asio::io_context io;
  bool or_said_timeout = false, group_saw_error = false;
  asio::co_spawn(io, compare(or_said_timeout, group_saw_error), asio::detached);
  io.run();
  return or_said_timeout && group_saw_error ? 0 : 1;
}
