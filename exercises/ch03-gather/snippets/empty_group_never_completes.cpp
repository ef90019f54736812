// Boost 1.81: a parallel group over an EMPTY vector never completes. io.run() simply runs
// out of work and returns; the code after the co_await never runs. Special-case empty input.
#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <cstdio>
#include <vector>

namespace asio = boost::asio;

bool finished = false;

asio::awaitable<void> wait_for_nothing() {
  auto ex = co_await asio::this_coro::executor;
  using Op = decltype(asio::co_spawn(ex, std::declval<asio::awaitable<int>>(), asio::deferred));
  std::vector<Op> none;
  auto group = asio::experimental::make_parallel_group(std::move(none));
  co_await group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  finished = true;  // never reached in 1.81
}

int main() {
  asio::io_context io;
  asio::co_spawn(io, wait_for_nothing(), asio::detached);
  io.run();
  std::printf("io.run() returned; the empty group %s\n", finished ? "completed" : "never completed");
  return finished ? 1 : 0;
}
