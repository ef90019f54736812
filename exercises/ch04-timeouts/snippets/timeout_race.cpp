// wait_for in Asio: race the operation against a timer with `||`; the loser is cancelled,
// and a cancelled request closes its connection, so the server sees it aborted.
#include <asynclings/client/async_client.hpp>
#include <asynclings/server/delay_server.hpp>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <chrono>
#include <cstdio>

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;

asio::awaitable<bool> fetch_with_timeout(asynclings::client::AsyncClient client) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex, 100ms);
  auto slow = client.get("/delay/300ms");
  auto winner = co_await (std::move(slow) || timer.async_wait(asio::use_awaitable));
  co_return winner.index() == 1;  // 1: the timer won, and the request has been cancelled
}

int main() {
  asynclings::server::DelayServer server;
  server.start();
  asynclings::client::AsyncClient client{{"127.0.0.1", server.port(), "snippet"}};
  asio::io_context io;
  bool timed_out = false;
  asio::co_spawn(io, fetch_with_timeout(client), [&](std::exception_ptr, bool t) { timed_out = t; });
  io.run();
  server.trace().wait_settled("snippet", 1s);
  auto requests = server.trace().records("snippet");
  bool aborted = requests.size() == 1 &&
                 requests[0].outcome == asynclings::server::Outcome::client_aborted;
  std::printf("timed out: %d, the server saw the request aborted: %d\n", timed_out, aborted);
  return timed_out && aborted ? 0 : 1;
}
