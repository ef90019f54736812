// Exercise 5: calling async code from plain (synchronous) code.
//
//   def sync_function():
//       return asyncio.run(async_work())                  # a fresh loop, run to the end
//
//   # the loop already runs on another thread (a GUI, a server, a test harness…):
//   future = asyncio.run_coroutine_threadsafe(async_work(), loop)
//   return future.result()                                # blocks THIS thread, not the loop's
//
// Write both:
// - run_sync(work): runs <work> on a brand-new io_context on the calling thread and returns its
//   value, or rethrows its exception (asyncio.run).
// - run_on(io, work): <io> is already being run by another thread; hand <work> to it and block
//   the calling thread until it is done, then return its value or rethrow its exception
//   (run_coroutine_threadsafe(...).result()). Called from io's own thread, blocking would
//   wait for work that can never run (the thread that would run it is the one waiting): throw
//   WouldDeadlock instead.
// - run_sync can be called again and again: each call gets a loop of its own (asyncio.run
//   does the same), nothing is left running after it returns.
// - run_on only waits: the loop's own thread runs the work, and the loop keeps serving after
//   run_on returns (run_on never runs, stops or restarts io itself).
// - An exception thrown by the work reaches the caller of either; neither may then hang.
//
// What the tests check: values and exceptions (the awaitable's own exception type) come back
// from both; run_on's work runs on the loop's thread, and three plain threads calling run_on at
// once have their requests in flight at the same time on the server (the loop serves them all);
// run_on from the loop's own thread throws WouldDeadlock instead of hanging; run_sync runs the
// work on the calling thread and works a second time; every call is watched, so a hang
// (a loop nobody runs, a loop run twice, an exception that never arrives) is named.
#pragma once

#include <asynclings/todo.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <stdexcept>
#include <utility>

namespace ch06 {

namespace asio = boost::asio;

struct WouldDeadlock : std::logic_error {
  using std::logic_error::logic_error;
};

template <typename T>
T run_sync(asio::awaitable<T> work) {
  asio::io_context io;
  std::future<T> result = asio::co_spawn(io, std::move(work), asio::use_future);
  io.run();             // returns when nothing is left to do: the work has finished
  return result.get();  // the value, or the work's exception rethrown
}

template <typename T>
T run_on(asio::io_context& io, asio::awaitable<T> work) {
  if (io.get_executor().running_in_this_thread()) {
    throw WouldDeadlock(
        "run_on called from the io_context's own thread: co_await the work instead");
  }
  std::future<T> result = asio::co_spawn(io, std::move(work), asio::use_future);  // thread-safe
  return result.get();  // blocks this thread only; the loop's thread runs the work
}

}  // namespace ch06
