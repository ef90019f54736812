// Exercise 1: with_timeout — Python's asyncio.wait_for(op, timeout).
//
//   Response r = co_await ch04::with_timeout(client.get("/delay/400ms"), 150ms);
//   // throws ch04::TimeoutError after 150 ms, and the request is gone at the server
//
// Write with_timeout(op, d): run `op`; if it finishes within `d`, return its value (or
// rethrow its exception, at once); if `d` passes first, CANCEL `op` and throw
// ch04::TimeoutError. Cancelling is the point: Python's wait_for cancels the task it waited
// for, and a timeout that merely stops waiting leaves the request running in the background,
// holding a connection and server work that nobody will ever read.
//
// What the tests check: the TimeoutError comes at ≈ d; the server's trace shows the request's
// connection closed (client_aborted) at ≈ d after it arrived; a quick operation's value comes
// back as soon as it is ready; an operation's own error reaches the caller as that error, as
// soon as it happens — not as a timeout at d; no timer is left armed once with_timeout has
// returned or thrown; a cancel of with_timeout's caller from outside cancels the operation too
// and comes out as operation_aborted (a cancellation is not a timeout); a timeout of 0 times
// out at once (as asyncio.wait_for(op, 0) does) — it does not mean "no timeout".
//
// Replace the ASYNCLINGS_TODO. `grader hint ch04 ex1` helps.
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
#include <stdexcept>
#include <string>
#include <utility>

namespace ch04 {

namespace asio = boost::asio;

// What with_timeout throws when the time is up (Python's TimeoutError).
struct TimeoutError : std::runtime_error {
  explicit TimeoutError(std::chrono::milliseconds after)
      : std::runtime_error("timed out after " + std::to_string(after.count()) + " ms"),
        limit(after) {}
  std::chrono::milliseconds limit;
};

// T is the operation's result type (not void).
template <typename T>
asio::awaitable<T> with_timeout(asio::awaitable<T> op, std::chrono::milliseconds d) {
  // TODO: race `op` against a steady_timer that expires after d.
  //  - op finishes first (value or exception): cancel the timer, return the value or
  //    rethrow the exception — at once, not when the timer would have expired;
  //  - the timer expires first: cancel op (the server must see its connection close),
  //    then throw TimeoutError(d).
  (void)op;
  (void)d;
  ASYNCLINGS_TODO("with_timeout");
}

}  // namespace ch04
