// The course's example, scaled to 200/100 ms: a task that calls std::this_thread::sleep_for
// (Python's time.sleep) keeps every other task from starting until it is done.
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

std::vector<std::string> log_lines;
void say(std::string line) {
  std::printf("%s\n", line.c_str());
  log_lines.push_back(std::move(line));
}

asio::awaitable<void> blocking() {
  say("Starting blocking operation");
  std::this_thread::sleep_for(200ms);  // no co_await: the loop's only thread sleeps
  say("Done");
  co_return;  // without a co_ keyword this would not even be a coroutine
}

asio::awaitable<void> polite() {
  say("Starting polite operation");
  asio::steady_timer timer(co_await asio::this_coro::executor, 200ms);
  co_await timer.async_wait(asio::use_awaitable);  // suspends this coroutine only
  say("Done");
}

asio::awaitable<void> other_work() {
  say("Other work starting");
  asio::steady_timer timer(co_await asio::this_coro::executor, 100ms);
  co_await timer.async_wait(asio::use_awaitable);
  say("Other work done");
}

std::vector<std::string> run(asio::awaitable<void> first) {
  log_lines.clear();
  asio::io_context io;
  asio::co_spawn(io, std::move(first) && other_work(), asio::detached);  // like gather()
  io.run();
  return log_lines;
}

int main() {
  std::printf("-- with sleep_for:\n");
  auto blocked = run(blocking());
  std::printf("-- with a timer:\n");
  auto free = run(polite());
  const bool ok =
      blocked == std::vector<std::string>{"Starting blocking operation", "Done",
                                          "Other work starting", "Other work done"} &&
      free == std::vector<std::string>{"Starting polite operation", "Other work starting",
                                       "Other work done", "Done"};
  return ok ? 0 : 1;
}
