// MISTAKE FIXTURE (error-swallowed): a failing op is reported as a timeout, with the fallback.
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
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <utility>
#include <variant>

namespace ch04 {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

// T is the operation's result type (not void).
template <typename T>
asio::awaitable<T> with_timeout_or(asio::awaitable<T> op, std::chrono::milliseconds d, T fallback) {
  // MISTAKE: `||` waits for the first *success*: a failing op loses to the timer and
  // comes back as the fallback.
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex, d);
  auto winner = co_await (std::move(op) || timer.async_wait(asio::use_awaitable));
  if (winner.index() == 1) co_return fallback;
  co_return std::move(std::get<0>(winner));
}

}  // namespace ch04
