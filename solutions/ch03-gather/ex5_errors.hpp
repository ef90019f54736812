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
  std::vector<Outcome<T>> outcomes(work.size());
  if (work.empty()) co_return outcomes;
  auto ex = co_await asio::this_coro::executor;
  using Op = decltype(asio::co_spawn(ex, std::declval<asio::awaitable<T>>(), asio::deferred));
  std::vector<Op> ops;
  ops.reserve(work.size());
  for (auto& w : work) ops.push_back(asio::co_spawn(ex, std::move(w), asio::deferred));

  auto group = asio::experimental::make_parallel_group(std::move(ops));
  auto [order, errors, values] =
      co_await group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  (void)order;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (errors[i]) {
      outcomes[i].error = errors[i];
    } else {
      outcomes[i].value.emplace(std::move(values[i]));
    }
  }
  co_return outcomes;
}

template <typename T>
asio::awaitable<std::vector<T>> task_group(std::vector<asio::awaitable<T>> work) {
  if (work.empty()) co_return std::vector<T>();
  auto ex = co_await asio::this_coro::executor;
  using Op = decltype(asio::co_spawn(ex, std::declval<asio::awaitable<T>>(), asio::deferred));
  std::vector<Op> ops;
  ops.reserve(work.size());
  for (auto& w : work) ops.push_back(asio::co_spawn(ex, std::move(w), asio::deferred));

  // At the first exception the group cancels the others and waits for them to stop.
  auto group = asio::experimental::make_parallel_group(std::move(ops));
  auto [order, errors, values] =
      co_await group.async_wait(asio::experimental::wait_for_one_error(), asio::use_awaitable);
  // The failure is the first error in *completion* order; the cancelled siblings finished
  // after it, each with an "operation aborted" error of its own.
  for (std::size_t i : order) {
    if (errors[i]) std::rethrow_exception(errors[i]);
  }
  co_return std::move(values);
}

}  // namespace ch03
