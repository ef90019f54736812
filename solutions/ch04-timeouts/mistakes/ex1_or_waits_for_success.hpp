// MISTAKE FIXTURE (error-became-timeout): `op || timer` turns a failing op into a timeout.
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
// soon as it happens — not as a timeout at d.
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
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace ch04 {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

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
  // MISTAKE: `||` waits for the first *success*: a failing op loses the race to the timer.
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex, d);
  auto winner = co_await (std::move(op) || timer.async_wait(asio::use_awaitable));
  if (winner.index() == 1) throw TimeoutError(d);
  co_return std::move(std::get<0>(winner));
}

}  // namespace ch04
