// Exercise 3: cancelling a long-running task by hand (task.cancel(), CancelledError, raise).
//
//   async def long_running():
//       try:
//           while True:
//               print("Working...")
//               await asyncio.sleep(1)
//       except asyncio.CancelledError:
//           print("Cancelled! Cleaning up...")
//           raise                      # always re-raise CancelledError
//
//   task = asyncio.create_task(long_running())
//   await asyncio.sleep(3.5)
//   task.cancel()
//   try:
//       await task
//   except asyncio.CancelledError:
//       print("Task was cancelled")
//
// Write the two halves:
//  - long_running(client, journal, tick): forever, journal->working() then one request to
//    /delay/{tick}ms (one tick of work). When cancelled, the pending request throws
//    boost::system::system_error with asio::error::operation_aborted (Asio's CancelledError):
//    call journal->cleaning_up() exactly once, then let the cancellation go on (rethrow).
//  - cancel_after(task, after): start `task` now, wait `after`, cancel it (terminal
//    cancellation), wait for it to end, and report how it ended: Ended::cancelled if it ended
//    with operation_aborted, Ended::finished if it returned normally; rethrow anything else.
//    If cancel_after is itself cancelled from outside before the task has ended, cancel the
//    task too and let the cancellation go on. The task may then end after cancel_after's
//    frame is gone: what its completion handler touches must not live on that frame.
//
// What the tests check: cancel_after(long_running(..., 100 ms), 350 ms) — the server sees three
// ticks' requests complete and the fourth aborted at ≈ 350 ms, then nothing more; the cleanup
// ran once; the canceller reports Ended::cancelled. long_running cancelled by the test's own
// cancellation_signal rethrows operation_aborted after one cleanup. cancel_after on a task
// that returns by itself reports Ended::finished; a task that fails by itself with another
// error makes cancel_after rethrow that error; cancel_after cancelled from outside at 150 ms
// stops the task there too and ends with the cancellation.
#pragma once

#include <asynclings/client/async_client.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ch04 {

namespace asio = boost::asio;

// What the task tells the outside world (the tests read it). Given: just call it.
struct Journal {
  std::vector<std::string> lines;
  int ticks = 0;
  int cleanups = 0;
  void working() {
    ++ticks;
    lines.push_back("Working...");
  }
  void cleaning_up() {
    ++cleanups;
    lines.push_back("Cancelled! Cleaning up...");
  }
};

enum class Ended { finished, cancelled };

inline asio::awaitable<void> long_running(asynclings::client::AsyncClient client,
                                          std::shared_ptr<Journal> journal,
                                          std::chrono::milliseconds tick) {
  try {
    for (;;) {
      journal->working();
      co_await client.get("/delay/" + std::to_string(tick.count()) + "ms");
    }
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::operation_aborted) journal->cleaning_up();
    throw;  // the cancellation goes on to whoever awaits this task
  }
}

inline asio::awaitable<Ended> cancel_after(asio::awaitable<void> task,
                                           std::chrono::milliseconds after) {
  auto ex = co_await asio::this_coro::executor;
  // create_task: start it now, with a signal's slot bound to it (its "cancel button"), and a
  // completion handler that posts how it ended into a channel we can await later. The task
  // may end after this frame is gone (when our own caller cancels us), so the signal and the
  // channel it touches are shared with it, not kept on this frame.
  struct Handle {
    explicit Handle(asio::any_io_executor ex) : ended(ex, 1) {}
    asio::cancellation_signal cancel;
    asio::experimental::channel<void(boost::system::error_code, std::exception_ptr)> ended;
  };
  auto handle = std::make_shared<Handle>(ex);
  auto on_end = [handle](std::exception_ptr e) {
    handle->ended.try_send(boost::system::error_code{}, e);
  };
  asio::co_spawn(ex, std::move(task), asio::bind_cancellation_slot(handle->cancel.slot(), on_end));

  std::exception_ptr error;
  try {
    asio::steady_timer timer(ex, after);
    co_await timer.async_wait(asio::use_awaitable);                     // await asyncio.sleep(...)
    handle->cancel.emit(asio::cancellation_type::terminal);             // task.cancel()
    error = co_await handle->ended.async_receive(asio::use_awaitable);  // await task
  } catch (...) {
    // Our own caller cancelled us: the task goes too (asyncio cancels the task a cancelled
    // coroutine awaits), instead of running on with nobody left to stop it.
    handle->cancel.emit(asio::cancellation_type::terminal);
    throw;
  }
  if (!error) co_return Ended::finished;
  try {
    std::rethrow_exception(error);
  } catch (const boost::system::system_error& e) {
    if (e.code() != asio::error::operation_aborted) throw;
  }
  co_return Ended::cancelled;  // except CancelledError: "Task was cancelled"
}

}  // namespace ch04
