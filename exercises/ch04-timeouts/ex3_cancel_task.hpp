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
//
// What the tests check: cancel_after(long_running(..., 100 ms), 350 ms) — the server sees three
// ticks' requests complete and the fourth aborted at ≈ 350 ms, then nothing more; the cleanup
// ran once; the canceller reports Ended::cancelled. long_running cancelled by the test's own
// cancellation_signal rethrows operation_aborted after one cleanup. cancel_after on a task
// that returns by itself reports Ended::finished; a task that fails by itself with another
// error makes cancel_after rethrow that error.
//
// Replace the ASYNCLINGS_TODOs. `grader hint ch04 ex3` helps.
#pragma once

#include <asynclings/client/async_client.hpp>
#include <asynclings/todo.hpp>

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
  // TODO: loop forever: journal->working(), then co_await one request to /delay/{tick}ms
  //       (tick.count() is the number of milliseconds). On cancellation the co_await throws
  //       boost::system::system_error with code asio::error::operation_aborted: clean up
  //       (journal->cleaning_up(), once) and rethrow.
  (void)client;
  (void)journal;
  (void)tick;
  ASYNCLINGS_TODO("long_running");
}

inline asio::awaitable<Ended> cancel_after(asio::awaitable<void> task,
                                           std::chrono::milliseconds after) {
  // TODO: start `task` now (create_task) with a cancellation_signal's slot bound to it,
  //       wait `after`, emit a terminal cancellation, then wait for the task to end and
  //       say how it ended.
  (void)task;
  (void)after;
  ASYNCLINGS_TODO("cancel_after");
}

}  // namespace ch04
