// call_soon and call_later on Asio: post() queues a handler, a steady_timer schedules one,
// and the one thread that calls io.run() runs them all, in order.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

int main() {
  boost::asio::io_context io;  // the event loop
  std::vector<std::string> events;
  const auto loop_thread = std::this_thread::get_id();
  bool one_thread = true;
  auto note = [&](const char* what) {
    events.push_back(what);
    one_thread = one_thread && std::this_thread::get_id() == loop_thread;
  };

  boost::asio::steady_timer timer(io, std::chrono::milliseconds(20));  // loop.call_later(0.02, …)
  timer.async_wait([&](boost::system::error_code) { note("timer"); });
  boost::asio::post(io, [&] {  // loop.call_soon(…)
    note("A");
    boost::asio::post(io, [&] { note("B, posted by A"); });  // queued behind C
  });
  boost::asio::post(io, [&] { note("C"); });

  io.run();  // runs handlers until nothing is left: no work, no pending timer
  for (const auto& e : events) std::printf("%s\n", e.c_str());
  const std::vector<std::string> expected{"A", "C", "B, posted by A", "timer"};
  return events == expected && one_thread ? 0 : 1;
}
