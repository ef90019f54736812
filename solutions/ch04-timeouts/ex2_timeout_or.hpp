// Exercise 2: with_timeout_or — the course's "timeout wrapper" pattern.
//
//   async def with_timeout(coro, timeout, default=None):
//       try:
//           return await asyncio.wait_for(coro, timeout)
//       except asyncio.TimeoutError:
//           return default
//
//   int status = co_await ch04::with_timeout_or(fetch_status(client), 150ms, -1);
//   // -1 after 150 ms if the request is slower, and the request is aborted
//
// Write with_timeout_or(op, d, fallback): op's value if it finishes within d; otherwise
// cancel op and return `fallback`. Only a timeout earns the fallback: if op fails with its own
// error, that error reaches the caller (the Python version catches TimeoutError only).
//
// What the tests check: the fallback comes back at ≈ d and the server sees the request
// aborted then; a quick op's value comes back as soon as it is ready; three calls run
// together each keep their own deadline (the slow one falls back, the others return their
// values, all within ≈ one deadline); an error of op is rethrown, not replaced by the fallback.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <utility>

namespace ch04 {

namespace asio = boost::asio;

// T is the operation's result type (not void).
template <typename T>
asio::awaitable<T> with_timeout_or(asio::awaitable<T> op, std::chrono::milliseconds d, T fallback) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex, d);
  // The first to COMPLETE wins, whether it succeeded or failed; the group cancels the other.
  auto group = asio::experimental::make_parallel_group(
      asio::co_spawn(ex, std::move(op), asio::deferred), timer.async_wait(asio::deferred));
  auto [order, op_error, value, timer_error] =
      co_await group.async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
  (void)timer_error;
  if (order[0] == 1) co_return fallback;           // timed out: op has been cancelled
  if (op_error) std::rethrow_exception(op_error);  // op's own failure is not a timeout
  co_return std::move(value);
}

}  // namespace ch04
