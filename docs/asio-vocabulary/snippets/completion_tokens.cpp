// One operation, five completion tokens: the last argument decides how you hear it finished.
#include <boost/asio.hpp>
#include <boost/asio/experimental/promise.hpp>
#include <boost/asio/experimental/use_promise.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::vector<std::string> heard;

asio::awaitable<int> answer() {
  heard.push_back("answer runs");
  co_return 42;
}

asio::awaitable<void> tour() {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex, 10ms);

  // use_awaitable: the coroutine waits here; an error would be thrown as system_error.
  co_await timer.async_wait(asio::use_awaitable);
  heard.push_back("use_awaitable: waited");

  // as_tuple(use_awaitable): the error comes back as a value instead of an exception.
  timer.expires_after(1s);
  asio::post(ex, [&timer] { timer.cancel(); });
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  heard.push_back("as_tuple: " +
                  std::string(ec == asio::error::operation_aborted ? "operation_aborted" : "?"));

  // deferred: nothing starts; you get an operation to start later (once).
  auto later = asio::co_spawn(ex, answer(), asio::deferred);
  heard.push_back("deferred: not started yet");
  int value = co_await std::move(later)(asio::use_awaitable);
  heard.push_back("deferred: " + std::to_string(value));

  // use_promise: starts now; await the promise when you need the result.
  auto started = asio::co_spawn(ex, answer(), asio::experimental::use_promise);
  co_await asio::post(ex, asio::use_awaitable);  // one turn of the loop: it has run
  heard.push_back("use_promise: " + std::to_string(co_await started(asio::use_awaitable)));

  // detached: runs on its own; nobody hears how it ends (an exception is dropped).
  asio::co_spawn(ex, answer(), asio::detached);
  co_await asio::post(ex, asio::use_awaitable);  // one turn of the loop: it has run
}

int main() {
  asio::io_context io;
  // A plain callback is a completion token too: the handler runs when the operation ends.
  asio::co_spawn(io, tour(), [](std::exception_ptr error) {
    heard.push_back(error ? "tour failed" : "tour done");
  });
  io.run();
  for (const auto& line : heard) std::printf("%s\n", line.c_str());
  const std::vector<std::string> expected{"use_awaitable: waited",
                                          "as_tuple: operation_aborted",
                                          "deferred: not started yet",
                                          "answer runs",
                                          "deferred: 42",
                                          "answer runs",
                                          "use_promise: 42",
                                          "answer runs",
                                          "tour done"};
  return heard == expected ? 0 : 1;
}
