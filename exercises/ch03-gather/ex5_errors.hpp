// Exercise 5: errors in concurrent work — two policies.
//
// (a) gather_outcomes: Python's `await asyncio.gather(*coros, return_exceptions=True)`.
//     Every awaitable runs to its end; the result has one Outcome per awaitable, in input
//     order, holding either its value or the exception it threw. Nothing is thrown, nothing
//     is cancelled. An empty input gives an empty vector at once.
//
// (b) task_group: Python's `async with asyncio.TaskGroup() as tg:`. Every awaitable runs at
//     once; if one throws, the others are cancelled straight away and that first exception
//     (not a sibling's "operation aborted") reaches the caller. If none throws, the values
//     come back in input order. An empty input gives an empty vector at once.
//
// Boost 1.81 has the pieces: a parallel group's wait_for_all() hands back one
// std::exception_ptr per awaitable; wait_for_one_error() cancels the rest at the first
// error. (An empty parallel group never completes in 1.81: special-case it.)
//
// Both: if the caller itself is cancelled, every awaitable still running is cancelled too and
// the function ends with the cancellation (as asyncio's gather and TaskGroup do).
//
// What the tests check: (a) values and errors at their input positions and the server saw
// every request complete, all in flight together; (b) the failure reaches the caller and
// the server saw the siblings' connections aborted within a few milliseconds of it. Also: a
// failure that arrives while gather_outcomes waits is kept; both return [] for no input; a
// cancel of the caller at 100 ms aborts every request.
//
// Replace the two ASYNCLINGS_TODOs. `grader hint ch03 ex5` helps.
#pragma once

#include <asynclings/todo.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

namespace ch03 {

namespace asio = boost::asio;

// One awaitable's outcome: its value, or the exception it threw.
template <typename T>
struct Outcome {
  std::optional<T> value;
  std::exception_ptr error;
  bool ok() const { return error == nullptr; }
};

template <typename T>
asio::awaitable<std::vector<Outcome<T>>> gather_outcomes(std::vector<asio::awaitable<T>> work) {
  // TODO: run them all at once and let each finish; one Outcome per awaitable, in input
  //       order, with its value or its exception. Never throws. Empty in, empty out.
  (void)work;
  ASYNCLINGS_TODO("gather_outcomes");
}

template <typename T>
asio::awaitable<std::vector<T>> task_group(std::vector<asio::awaitable<T>> work) {
  // TODO: run them all at once; at the first exception cancel the others and rethrow that
  //       exception; otherwise return the values in input order. Empty in, empty out.
  (void)work;
  ASYNCLINGS_TODO("task_group");
}

}  // namespace ch03
