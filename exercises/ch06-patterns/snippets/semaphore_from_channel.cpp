// A semaphore made of a channel: the buffer holds the free permits as tokens.
// acquire() = take a token out (waits while there is none); release() = put one back.
#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <cstdio>
#include <vector>

namespace asio = boost::asio;
using Tokens = asio::experimental::channel<void(boost::system::error_code)>;

// (tokens and entered live in main, which outlives the coroutines: references are safe here.)
asio::awaitable<void> worker(Tokens& tokens, std::vector<int>& entered, int id) {
  co_await tokens.async_receive(asio::use_awaitable);  // acquire
  entered.push_back(id);
}

int main() {
  asio::io_context io;
  Tokens tokens(io, 2);  // capacity 2 = at most 2 permits
  tokens.try_send(boost::system::error_code{});
  tokens.try_send(boost::system::error_code{});
  std::vector<int> entered;
  for (int id = 1; id <= 3; ++id) asio::co_spawn(io, worker(tokens, entered, id), asio::detached);
  io.poll();  // run what is ready, don't wait
  std::printf("before a release: %zu workers got in\n", entered.size());  // 2
  const bool limited = entered.size() == 2;
  tokens.try_send(boost::system::error_code{});  // release
  io.poll();
  std::printf("after one release: %zu workers got in\n", entered.size());  // 3
  return limited && entered.size() == 3 ? 0 : 1;
}
