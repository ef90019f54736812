// Exercise 4: first completed — take the winner, cancel the losers.
//
//   done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
//   for task in pending:
//       task.cancel()
//
// Write first_completed(work): run every awaitable at once; as soon as one finishes, cancel
// all the others and return the winner's position in `work` and its value. If the first one
// to finish threw, rethrow its exception (it still "completed first"). An empty `work` throws
// std::invalid_argument (there is no winner to wait for). If first_completed itself is
// cancelled before any awaitable finished, cancel them all and end with the cancellation.
//
// Cancelling is the point: a loser left running still holds its connection and its server
// work. In Asio a cancelled AsyncClient::get closes its connection at once, so the server's
// trace shows each loser as client_aborted — if, and only if, you really cancelled it.
//
// What the tests check: the winner's index and value; the function returned when the winner
// finished, not after the slowest; the server saw every loser's connection aborted within a
// few milliseconds of the winner finishing; a failure that completes first is rethrown at once
// (not the first *success*) and the others are cancelled; no awaitables: invalid_argument; a
// cancel of the caller before any winner aborts every request.
//
// Replace the ASYNCLINGS_TODO. `grader hint ch03 ex4` helps.
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
#include <stdexcept>
#include <utility>
#include <vector>

namespace ch03 {

namespace asio = boost::asio;

template <typename T>
struct Winner {
  std::size_t index = 0;  // position in the input
  T value{};
};

template <typename T>
asio::awaitable<Winner<T>> first_completed(std::vector<asio::awaitable<T>> work) {
  if (work.empty()) throw std::invalid_argument("first_completed: no awaitables to wait for");
  auto ex = co_await asio::this_coro::executor;
  using Op = decltype(asio::co_spawn(ex, std::declval<asio::awaitable<T>>(), asio::deferred));
  std::vector<Op> ops;
  ops.reserve(work.size());
  for (auto& w : work) ops.push_back(asio::co_spawn(ex, std::move(w), asio::deferred));

  // wait_for_one: when the first finishes, the group cancels the rest and waits for them
  // to wind down before it completes.
  auto group = asio::experimental::make_parallel_group(std::move(ops));
  auto [order, errors, values] =
      co_await group.async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
  const std::size_t first = order.front();
  if (errors[first]) std::rethrow_exception(errors[first]);
  Winner<T> winner;
  winner.index = first;
  winner.value = std::move(values[first]);
  co_return winner;
}

}  // namespace ch03
