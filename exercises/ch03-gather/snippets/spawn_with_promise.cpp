// create_task in C++: co_spawn with use_promise starts the work now; co_await it later.
#include <boost/asio.hpp>
#include <boost/asio/experimental/promise.hpp>
#include <boost/asio/experimental/use_promise.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::vector<std::string> output;

void say(std::string line) {
  std::printf("%s\n", line.c_str());
  output.push_back(std::move(line));
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
}

asio::awaitable<int> background_work() {
  co_await sleep_for(200ms);  // the course sleeps 1 s; the lesson scales it down
  say("Background work done");
  co_return 42;
}

asio::awaitable<void> main_flow() {
  auto ex = co_await asio::this_coro::executor;
  auto task = asio::co_spawn(ex, background_work(), asio::experimental::use_promise);
  say("Main continues immediately");
  co_await sleep_for(100ms);
  say("Main did some other work");
  int value = co_await task(asio::use_awaitable);  // value, or the task's exception
  say("All done (" + std::to_string(value) + ")");
}

int main() {
  asio::io_context io;
  asio::co_spawn(io, main_flow(), asio::detached);
  io.run();
  const std::vector<std::string> expected{"Main continues immediately", "Main did some other work",
                                          "Background work done", "All done (42)"};
  return output == expected ? 0 : 1;
}
