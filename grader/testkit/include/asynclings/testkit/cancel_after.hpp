// Cancelling the code under test from outside, as a caller's caller would: the task runs with
// a cancellation slot, a terminal cancel is emitted after a while, and the test learns how the
// task ended and when. Chapters that teach cancellation (timeouts, patterns) share it.
//
//   const auto e = run(cancel_after(with_timeout(...), 50ms));
//   EXPECT_TRUE(is_operation_aborted(e.error));
//   EXPECT_LT(e.ended_at - e.cancelled_at, 20ms);
#pragma once

#include <asynclings/testkit/trace_view.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace asynclings::testkit {

// How a task ended: its value (std::monostate for a void task) or the exception it ended with.
template <typename T>
struct Ending {
  using Value = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
  std::optional<Value> value;
  std::exception_ptr error;
  Clock::time_point cancelled_at{};  // when the cancel was due (also when it was not needed)
  Clock::time_point ended_at{};      // when the task handed back its value or error
  bool cancelled = false;            // whether the cancel was emitted (the task had not ended)
};

namespace detail {
// The completion handler of a co_spawn'ed task: one signature for T, one for void.
template <typename T, typename Record>
auto completion_of(Record record) {
  if constexpr (std::is_void_v<T>) {
    return [record](std::exception_ptr e) { record(e, std::monostate{}); };
  } else {
    return [record](std::exception_ptr e, T value) { record(e, std::move(value)); };
  }
}
}  // namespace detail

// Runs <task>, emits a terminal cancel after <after> unless it has ended (never when <after> is
// zero), and waits for it to end, however long the cancel takes to reach it.
template <typename T>
boost::asio::awaitable<Ending<T>> cancel_after(boost::asio::awaitable<T> task,
                                               std::chrono::milliseconds after) {
  namespace asio = boost::asio;
  auto ex = co_await asio::this_coro::executor;
  auto ending = std::make_shared<Ending<T>>();
  auto done = std::make_shared<bool>(false);
  auto finished = std::make_shared<asio::steady_timer>(ex, asio::steady_timer::time_point::max());
  auto record = [ending, done, finished](std::exception_ptr e, typename Ending<T>::Value value) {
    ending->ended_at = Clock::now();
    if (e)
      ending->error = e;
    else
      ending->value.emplace(std::move(value));
    *done = true;
    finished->cancel();
  };
  asio::cancellation_signal signal;
  asio::co_spawn(ex, std::move(task),
                 asio::bind_cancellation_slot(signal.slot(), detail::completion_of<T>(record)));
  if (after.count() > 0) {
    asio::steady_timer timer(ex, after);
    co_await timer.async_wait(asio::use_awaitable);
    ending->cancelled_at = Clock::now();
    if (!*done) {
      ending->cancelled = true;
      signal.emit(asio::cancellation_type::terminal);
    }
  }
  if (!*done) co_await finished->async_wait(asio::as_tuple(asio::use_awaitable));
  co_return *ending;
}

}  // namespace asynclings::testkit
