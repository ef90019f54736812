// loop.call_soon_threadsafe(fn) in Asio: asio::post(loop_executor, fn) from any thread.
// The function runs on the loop's thread, where the loop's objects may be touched safely.
#include <boost/asio.hpp>

#include <cstdio>
#include <thread>
#include <vector>

namespace asio = boost::asio;

int main() {
  asio::io_context loop;
  auto guard = asio::make_work_guard(loop);  // keep run() going until the worker reports
  std::vector<int> results;                  // touched only on the loop's thread
  std::thread::id loop_thread, ran_on;

  std::thread worker([&] {
    int value = 6 * 7;  // some blocking or heavy work, off the loop
    asio::post(loop, [&, value] {
      results.push_back(value);
      ran_on = std::this_thread::get_id();
      guard.reset();  // nothing else to wait for
    });
  });
  loop_thread = std::this_thread::get_id();
  loop.run();
  worker.join();
  std::printf("result %d, delivered on the loop's thread: %s\n", results.at(0),
              ran_on == loop_thread ? "yes" : "no");
  return results == std::vector<int>{42} && ran_on == loop_thread ? 0 : 1;
}
