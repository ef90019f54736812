// Boost 1.81: channel::close() throws away the messages still in the buffer (fixed in 1.82).
// Ending a queue with close() loses items; an end-of-stream value per consumer does not.
#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <cstdio>
#include <vector>

namespace asio = boost::asio;
using Items = asio::experimental::channel<void(boost::system::error_code, int)>;
constexpr int kEndOfStream = -1;

// (items and got live in drain, which outlives the coroutine: references are safe here.)
asio::awaitable<void> consume(Items& items, std::vector<int>& got) {
  for (;;) {
    auto [ec, item] = co_await items.async_receive(asio::as_tuple(asio::use_awaitable));
    if (ec || item == kEndOfStream) co_return;  // closed, or the end-of-stream marker
    got.push_back(item);
  }
}

// Sends 1, 2, 3 into a channel with room for 4, ends the stream one way or the other, and only
// then lets a consumer read: what does it get?
std::vector<int> drain(bool close_it) {
  asio::io_context io;
  Items items(io, 4);  // three items and the marker fit
  for (int i = 1; i <= 3; ++i) items.try_send(boost::system::error_code{}, i);
  if (close_it) items.close();
  else items.try_send(boost::system::error_code{}, kEndOfStream);
  std::vector<int> got;
  asio::co_spawn(io, consume(items, got), asio::detached);
  io.run();
  return got;
}

int main() {
  const auto closed = drain(true);
  const auto marked = drain(false);
  std::printf("close(): consumer got %zu of 3 items\n", closed.size());        // 0 in Boost 1.81
  std::printf("end-of-stream: consumer got %zu of 3 items\n", marked.size());  // 3
  return closed.empty() && marked.size() == 3 ? 0 : 1;
}
