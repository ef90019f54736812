// asyncio.to_thread in Asio: co_spawn the blocking call onto a thread_pool and co_await it
// with use_awaitable. The caller resumes on its own executor (the loop), on the loop's thread.
#include <asynclings/client/blocking_client.hpp>
#include <asynclings/server/delay_server.hpp>

#include <boost/asio.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

namespace asio = boost::asio;
using asynclings::client::BlockingClient;

asio::awaitable<int> status_off_the_loop(asio::thread_pool::executor_type pool,
                                         BlockingClient client, bool& back_on_loop) {
  const auto loop_thread = std::this_thread::get_id();
  // Give the lambda a name before the co_await (g++ 12 mishandles one written inside it).
  auto job = [client]() -> asio::awaitable<int> { co_return client.get("/delay/200ms").status; };
  int status = co_await asio::co_spawn(pool, std::move(job), asio::use_awaitable);
  back_on_loop = std::this_thread::get_id() == loop_thread;
  co_return status;
}

int main() {
  asynclings::server::DelayServer server;
  server.start();
  BlockingClient client({"127.0.0.1", server.port(), "to-thread"});

  asio::io_context loop;
  asio::thread_pool pool(3);
  int statuses[3] = {};
  bool back_on_loop[3] = {};
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(loop, status_off_the_loop(pool.get_executor(), client, back_on_loop[i]),
                   [&statuses, i](std::exception_ptr, int status) { statuses[i] = status; });
  }
  loop.run();  // three 200 ms blocking calls, side by side on three pool threads
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  pool.join();
  std::printf("3 blocking calls of 200 ms took %.0f ms; statuses %d %d %d; back on the loop: %d %d %d\n",
              ms, statuses[0], statuses[1], statuses[2], back_on_loop[0], back_on_loop[1], back_on_loop[2]);
  return statuses[0] == 200 && statuses[1] == 200 && statuses[2] == 200 && back_on_loop[0] &&
                 back_on_loop[1] && back_on_loop[2] && ms < 600
             ? 0
             : 1;
}
