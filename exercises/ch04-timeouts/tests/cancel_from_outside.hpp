// What ch04's tests share: cancelling the code under test from outside (as a caller's
// caller would), and reading how an awaitable ended.
#pragma once

#include <asynclings/testkit/requests.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/todo.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>

namespace ch04test {

namespace asio = boost::asio;
using asynclings::testkit::Clock;
using asynclings::testkit::is_operation_aborted;
using asynclings::testkit::rethrow_if_not_implemented;

struct Ending {
  std::optional<int> value;
  std::exception_ptr error;
  Clock::time_point ended_at{};
};

// Runs <task> with a cancellation slot, emits a terminal cancellation after <after>, and
// returns how the task ended (waiting for it to end if the cancel did not end it at once).
inline asio::awaitable<Ending> cancel_from_outside(asio::awaitable<int> task, std::chrono::milliseconds after) {
  auto ex = co_await asio::this_coro::executor;
  auto ending = std::make_shared<Ending>();
  auto finished = std::make_shared<asio::steady_timer>(ex, asio::steady_timer::time_point::max());
  auto on_end = [ending, finished](std::exception_ptr e, int value) {
    if (e) ending->error = e; else ending->value = value;
    ending->ended_at = Clock::now();
    finished->cancel();
  };
  asio::cancellation_signal signal;
  asio::co_spawn(ex, std::move(task), asio::bind_cancellation_slot(signal.slot(), on_end));
  asio::steady_timer timer(ex, after);
  co_await timer.async_wait(asio::use_awaitable);
  signal.emit(asio::cancellation_type::terminal);
  if (ending->ended_at == Clock::time_point{}) co_await finished->async_wait(asio::as_tuple(asio::use_awaitable));
  co_return *ending;
}

}  // namespace ch04test
