// An executor says where code runs. co_spawn picks the executor; co_await comes back to yours.
#include <boost/asio.hpp>

#include <cstdio>
#include <thread>

namespace asio = boost::asio;

asio::awaitable<std::thread::id> where_am_i() { co_return std::this_thread::get_id(); }

asio::awaitable<bool> hop(asio::thread_pool& pool) {
  // Ask the coroutine machinery for the executor this coroutine runs on (a cheap handle).
  asio::any_io_executor loop = co_await asio::this_coro::executor;
  const auto loop_thread = std::this_thread::get_id();

  // Start a coroutine on the pool's executor, and wait for it from here.
  const auto pool_thread =
      co_await asio::co_spawn(pool.get_executor(), where_am_i(), asio::use_awaitable);
  // ...and resume on our own executor: the loop's thread again.
  const bool back_home = std::this_thread::get_id() == loop_thread;

  // post: run a plain function on an executor, later, from any thread.
  bool posted = false;
  co_await asio::post(loop, asio::use_awaitable);  // Python's `await asyncio.sleep(0)`
  asio::post(loop, [&posted] { posted = true; });
  co_await asio::post(loop, asio::use_awaitable);

  std::printf("pool thread differs: %d, back on the loop's thread: %d, posted: %d\n",
              pool_thread != loop_thread, back_home, posted);
  co_return pool_thread != loop_thread&& back_home&& posted;
}

int main() {
  asio::io_context io;  // the loop: run() below makes this thread its thread
  asio::thread_pool pool(2);
  auto ok = asio::co_spawn(io, hop(pool), asio::use_future);
  io.run();
  pool.join();
  return ok.get() ? 0 : 1;
}
