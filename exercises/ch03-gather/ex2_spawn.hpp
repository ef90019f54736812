// Exercise 2: spawn now, await later — the course's create_task example.
//
//   async def main():
//       task = asyncio.create_task(background_work())   # starts now
//       print("Main continues immediately")
//       await asyncio.sleep(0.5)                         # the caller's own work
//       print("Main did some other work")
//       await task                                       # only now wait for it
//       print("All done")
//
// Write main_flow, the same program against the delay server: start
// background_work(client, background_target, log) so that it runs *now*, in the background;
// note "Main continues immediately"; do the caller's own work (co_await a request to
// own_target); note "Main did some other work"; then wait for the background work, note
// "All done", and return the background work's value. If the background work throws, the
// exception must reach main_flow's caller.
//
// An asio::awaitable is lazy (chapter 1): calling background_work() sends nothing, and
// co_spawn(ex, work, use_awaitable) only starts it when you co_await the result. co_spawn with
// a completion handler (or asio::experimental::use_promise) starts it at once. Beware the
// promise in Boost 1.81: if the work FAILS while you are already waiting on the promise, the
// wait yields a default value and no exception. Have the completion handler hand the
// outcome (std::exception_ptr and value) to something you can co_await later, e.g. an
// asio::experimental::channel.
//
// What the tests check: the log lines and their order; the server saw the background
// request arrive before main_flow finished its own work (both were in flight together);
// main_flow returns only after the background work finished, with its value (the background
// response's request id); an exception thrown by the background work reaches the caller,
// both when it happens before main_flow waits for it and when it happens while main_flow is
// already waiting; "All done" is logged only when the background work succeeded; a
// background result that is ready before main_flow waits for it is kept until it does; and
// the wait itself suspends main_flow (no loop that checks a flag and yields, which spins).
//
// Replace the ASYNCLINGS_TODO in main_flow. `grader hint ch03 ex2` helps.
#pragma once

#include <asynclings/client/async_client.hpp>
#include <asynclings/todo.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/promise.hpp>
#include <boost/asio/experimental/use_promise.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ch03 {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;

// The program's output, with the moment each line was written (the tests compare those
// moments with the server's trace). Shared through a shared_ptr: coroutines take their
// parameters by value.
struct Log {
  std::vector<std::string> lines;
  std::vector<std::chrono::steady_clock::time_point> times;
  void note(std::string line) {
    lines.push_back(std::move(line));
    times.push_back(std::chrono::steady_clock::now());
  }
};

struct BackgroundFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Given: the course's background_work(). One request; notes "Background work done" and
// returns the server's id for the request (its X-Request-Id header).
inline asio::awaitable<int> background_work(AsyncClient client, std::string target,
                                            std::shared_ptr<Log> log) {
  auto response = co_await client.get(std::move(target));
  if (!response.ok()) {
    throw BackgroundFailed("background request failed with status " +
                           std::to_string(response.status));
  }
  log->note("Background work done");
  co_return std::stoi(response.header("X-Request-Id").value_or("0"));
}

inline asio::awaitable<int> main_flow(AsyncClient client, std::string background_target,
                                      std::string own_target, std::shared_ptr<Log> log) {
  // TODO: start background_work(client, background_target, log) now; note "Main continues
  //       immediately"; co_await a request to own_target; note "Main did some other work";
  //       wait for the background work; note "All done"; return its value.
  (void)client;
  (void)background_target;
  (void)own_target;
  (void)log;
  ASYNCLINGS_TODO("main_flow");
}

}  // namespace ch03
