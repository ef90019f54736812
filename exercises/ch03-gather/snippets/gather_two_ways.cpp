// gather in C++: `&&` for a fixed handful, a parallel group for a vector of any length.
#include <asynclings/client/async_client.hpp>
#include <asynclings/server/delay_server.hpp>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using asynclings::client::AsyncClient;

asio::awaitable<int> fetch(AsyncClient client, std::string target) {
  auto response = co_await client.get(std::move(target));
  co_return response.status;
}

asio::awaitable<bool> demo(AsyncClient client) {
  // 1. A fixed number of awaitables: `a && b` runs both at once, returns a tuple.
  auto [a, b] = co_await (fetch(client, "/delay/200ms") && fetch(client, "/status/404"));
  std::printf("&&: %d %d\n", a, b);

  // 2. Any number: co_spawn each into a deferred operation, wait for the group.
  auto ex = co_await asio::this_coro::executor;
  using Op = decltype(asio::co_spawn(ex, fetch(client, ""), asio::deferred));
  std::vector<Op> ops;
  for (std::string target : {"/delay/300ms", "/status/201", "/delay/100ms"}) {
    ops.push_back(asio::co_spawn(ex, fetch(client, target), asio::deferred));
  }
  auto group = asio::experimental::make_parallel_group(std::move(ops));
  auto [order, errors, statuses] =
      co_await group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  std::printf("finished in order %zu %zu %zu; statuses in input order %d %d %d\n", order[0],
              order[1], order[2], statuses[0], statuses[1], statuses[2]);
  co_return a == 200 && b == 404 && statuses == std::vector<int>{200, 201, 200} &&
      order.back() == 0 && !errors[0];
}

int main() {
  asynclings::server::DelayServer server;
  server.start();
  AsyncClient client{{"127.0.0.1", server.port(), "snippet"}};
  asio::io_context io;
  auto done = asio::co_spawn(io, demo(client), asio::use_future);
  io.run();
  return done.get() ? 0 : 1;
}
