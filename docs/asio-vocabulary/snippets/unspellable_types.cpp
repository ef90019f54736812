// A deferred operation's type is long and internal: name it with auto or decltype, never by
// hand. A parallel group then hands back results in one of two shapes.
#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <cstdio>
#include <exception>
#include <vector>

namespace asio = boost::asio;
using asio::experimental::make_parallel_group;
using asio::experimental::wait_for_all;

asio::awaitable<int> square(int n) { co_return n* n; }

asio::awaitable<bool> demo() {
  auto ex = co_await asio::this_coro::executor;

  // 1. A fixed handful: `auto` names each operation. The group's result is one flat list:
  //    the completion order, then each operation's results in turn (exception_ptr, value).
  auto a = asio::co_spawn(ex, square(2), asio::deferred);
  auto b = asio::co_spawn(ex, square(3), asio::deferred);
  auto [order, a_error, a_value, b_error, b_value] =
      co_await make_parallel_group(std::move(a), std::move(b))
          .async_wait(wait_for_all(), asio::use_awaitable);

  // 2. Any number: a vector needs the element type spelled, so ask the compiler for it.
  //    The result: the order, then one vector per result (all errors, all values).
  using Op = decltype(asio::co_spawn(ex, square(0), asio::deferred));
  std::vector<Op> ops;
  for (int n : {4, 5, 6}) ops.push_back(asio::co_spawn(ex, square(n), asio::deferred));
  auto [ranged_order, errors, values] =
      co_await make_parallel_group(std::move(ops)).async_wait(wait_for_all(), asio::use_awaitable);

  std::printf("fixed: %d %d (first done: #%zu)  ranged: %d %d %d\n", a_value, b_value, order[0],
              values[0], values[1], values[2]);
  co_return !a_error && !b_error && a_value == 4 && b_value == 9 && ranged_order.size() == 3 &&
      !errors[0] && values == std::vector<int>{16, 25, 36};
}

int main() {
  asio::io_context io;
  auto ok = asio::co_spawn(io, demo(), asio::use_future);
  io.run();
  return ok.get() ? 0 : 1;
}
