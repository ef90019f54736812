// MISTAKE FIXTURE (several-threads): the io_context is run by a pool of four threads.
// Exercise 4: the real loop — the course's benchmark on boost::asio::io_context.
//
// The course times N requests to httpbin's /delay/1 twice:
//
//   def benchmark_sync(url, count):            # requests: one after another
//       for i in range(count):
//           requests.get(url)
//
//   async def benchmark_async(url, count):     # httpx + one event loop: all at once
//       async with httpx.AsyncClient() as client:
//           await asyncio.gather(*[client.get(url) for i in range(count)])
//
// and finds 17x at N = 20. Here the blocking client is the `requests`, the AsyncClient the
// `httpx`, and an io_context run by ONE thread is the event loop: co_spawn is create_task,
// io.run() is asyncio.run. Every request's completion runs on that one thread, one at a
// time — concurrency without parallelism.
#pragma once

#include <asynclings/client/async_client.hpp>
#include <asynclings/client/blocking_client.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ch02 {

// What one concurrent request reports when it completes.
struct Completion {
  int index = 0;           // which request, 0 … n-1
  int status = 0;          // the response's HTTP status
  std::thread::id thread;  // the thread the code after `co_await client.get(…)` ran on
};

// benchmark_sync: <n> GETs of <target>, one after another; the statuses in order.
inline std::vector<int> fetch_sequential(asynclings::client::BlockingClient client,
                                         std::string target, int n) {
  std::vector<int> statuses;
  for (int i = 0; i < n; ++i) statuses.push_back(client.get(target).status);
  return statuses;
}

// One request of the concurrent run: await the response, then record where it completed.
// (Parameters by value; <done> belongs to fetch_concurrent, which outlives every request.)
inline boost::asio::awaitable<void> fetch_one(asynclings::client::AsyncClient client,
                                              std::string target, int index,
                                              std::vector<Completion>& done) {
  auto response = co_await client.get(std::move(target));
  static std::mutex mutex;  // handlers now run in parallel: the vector needs a lock
  std::lock_guard lock(mutex);
  done.push_back(Completion{index, response.status, std::this_thread::get_id()});
}

// benchmark_async: all <n> GETs in flight at once on one io_context, run by the calling
// thread (as asyncio.run runs its loop). Returns a Completion per request, in completion
// order; rethrows the first failure.
inline std::vector<Completion> fetch_concurrent(asynclings::client::AsyncClient client,
                                                std::string target, int n) {
  boost::asio::io_context io;
  std::vector<Completion> done;
  std::exception_ptr first_error;
  // co_spawn = create_task: each request starts when io.run() gets to it; none waits for
  // another. (The handler gets each coroutine's exception: `detached` would drop it.)
  for (int i = 0; i < n; ++i) {
    boost::asio::co_spawn(io, fetch_one(client, target, i, done),
                          [&first_error](std::exception_ptr error) {
                            if (error && !first_error) first_error = error;
                          });
  }
  // WRONG: "more threads, more speed" — four threads run the same io_context.
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t) pool.emplace_back([&io] { io.run(); });
  for (auto& thread : pool) thread.join();
  if (first_error) std::rethrow_exception(first_error);
  return done;
}

}  // namespace ch02
