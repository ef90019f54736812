// Calling a coroutine from plain code: co_spawn(..., use_future) gives a std::future.
#include <boost/asio.hpp>
#include <cstdio>
#include <future>
#include <stdexcept>
#include <thread>

namespace asio = boost::asio;

asio::awaitable<int> async_work(bool fail) {
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds{20});
  co_await timer.async_wait(asio::use_awaitable);
  if (fail) throw std::runtime_error("async_work failed");
  co_return 42;
}

int main() {
  // 1. asyncio.run(): a fresh loop on this thread, run until the work is done.
  asio::io_context fresh;
  std::future<int> answer = asio::co_spawn(fresh, async_work(false), asio::use_future);
  fresh.run();
  const int a = answer.get();

  // 2. run_coroutine_threadsafe(...).result(): the loop runs on another thread; this one waits.
  asio::io_context loop;
  auto guard = asio::make_work_guard(loop);
  std::thread loop_thread([&] { loop.run(); });
  std::future<int> failing = asio::co_spawn(loop, async_work(true), asio::use_future);
  bool rethrown = false;
  try {
    failing.get();  // blocks main only; never do this ON loop_thread (nobody would run the work)
  } catch (const std::runtime_error& e) {
    rethrown = true;
    std::printf("the coroutine's exception reached plain code: %s\n", e.what());
  }
  guard.reset();
  loop_thread.join();
  std::printf("asyncio.run equivalent returned %d\n", a);
  return a == 42 && rethrown ? 0 : 1;
}
