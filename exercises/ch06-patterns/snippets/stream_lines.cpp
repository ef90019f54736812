// `async for line in response.aiter_lines()` in C++: each line as soon as it arrives.
#include <asynclings/client/async_client.hpp>
#include <asynclings/server/delay_server.hpp>
#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <string>

namespace asio = boost::asio;
using asynclings::client::AsyncClient;
using Clock = std::chrono::steady_clock;

asio::awaitable<int> read_lines(AsyncClient client) {
  const auto start = Clock::now();
  auto stream = co_await client.stream("/stream/3?interval=50ms");
  int lines = 0;
  while (auto line = co_await stream.next_line()) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    std::printf("line %d at %3lld ms: %.40s...\n", ++lines, static_cast<long long>(ms), line->c_str());
  }
  co_return lines;  // ~0, 50, 100 ms: not all at 100
}

int main() {
  asynclings::server::DelayServer server;
  server.start();
  asio::io_context io;
  auto lines = asio::co_spawn(io, read_lines(AsyncClient{{"127.0.0.1", server.port(), "snippet"}}),
                              asio::use_future);
  io.run();
  return lines.get() == 3 ? 0 : 1;
}
