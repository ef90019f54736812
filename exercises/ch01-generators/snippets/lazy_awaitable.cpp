// asio::awaitable is lazy too: calling the coroutine function only creates it.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>

int body_runs = 0;

boost::asio::awaitable<int> answer() {
  ++body_runs;
  co_return 42;
}

int main() {
  boost::asio::io_context io;
  auto work = answer();  // a coroutine object: nothing has run
  std::printf("after creating it: body ran %d times\n", body_runs);
  int result = 0;
  boost::asio::co_spawn(io, std::move(work), [&](std::exception_ptr, int value) { result = value; });
  std::printf("after co_spawn: body ran %d times\n", body_runs);  // still 0: spawn only queues it
  io.run();  // the event loop runs it
  std::printf("after io.run(): body ran %d times, result %d\n", body_runs, result);
  return body_runs == 1 && result == 42 ? 0 : 1;
}
