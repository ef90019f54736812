// The course's "A started, B started, B finished, A finished" on asio::io_context:
// co_spawn is create_task, a steady_timer awaited with use_awaitable is asyncio.sleep.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::vector<std::string> events;

// Parameters by value: the coroutine runs long after the caller's arguments are gone.
asio::awaitable<void> work(std::string name, std::chrono::milliseconds delay) {
  events.push_back(name + " started");
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);  // await asyncio.sleep(delay)
  events.push_back(name + " finished");
}

int main() {
  asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  asio::co_spawn(io, work("A", 200ms), asio::detached);  // create_task(work("A", 2))
  asio::co_spawn(io, work("B", 100ms), asio::detached);  // create_task(work("B", 1))
  io.run();                                              // until both have finished
  const auto wall = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
  for (const auto& e : events) std::printf("%s\n", e.c_str());
  std::printf("total: %.0f ms (the longest delay, not the sum)\n", wall.count());
  const std::vector<std::string> expected{"A started", "B started", "B finished", "A finished"};
  return events == expected && wall < 300ms ? 0 : 1;
}
