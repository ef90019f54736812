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
// values, all within ≈ one deadline); an error of op is rethrown, not replaced by the fallback;
// no timer is left armed once with_timeout_or has returned or thrown; a cancel of the caller
// from outside is passed on as operation_aborted, never turned into the fallback.
//
// Replace the ASYNCLINGS_TODO. `grader hint ch04 ex2` helps.
#pragma once

#include <asynclings/todo.hpp>

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
  // TODO: as in ex1, race op against a timer for d; this time the timer's win means
  //       "return fallback" (op cancelled), and op's own exception is rethrown.
  (void)op;
  (void)d;
  (void)fallback;
  ASYNCLINGS_TODO("with_timeout_or");
}

}  // namespace ch04
