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
//
// What the tests check, on the delay server's trace: the blocking version sends each request
// after the previous one finished; the concurrent one has all N in flight at once and takes
// about one delay; every completion of the concurrent run happens on the calling thread; and
// at N = 20 the concurrent run is at least 15 times faster than the sequential one, both
// timed in the same test (the walls and the ratio are shown as figures). A request that fails
// (a refused connection) makes fetch_concurrent throw it, as asyncio.gather raises; n = 0
// sends nothing and returns an empty result.
//
// Replace every ASYNCLINGS_TODO. `grader hint ch02 ex4` helps.
#pragma once

#include <asynclings/todo.hpp>

#include <asynclings/client/async_client.hpp>
#include <asynclings/client/blocking_client.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
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
  // TODO: client.get(target) blocks until the whole response is in.
  (void)client;
  (void)target;
  (void)n;
  ASYNCLINGS_TODO("fetch_sequential");
}

// One request of the concurrent run: await the response, then record where it completed.
// (Parameters by value; <done> belongs to fetch_concurrent, which outlives every request.)
inline boost::asio::awaitable<void> fetch_one(asynclings::client::AsyncClient client,
                                              std::string target, int index,
                                              std::vector<Completion>& done) {
  // TODO: co_await the response, then push_back a Completion (std::this_thread::get_id()).
  (void)client;
  (void)target;
  (void)index;
  (void)done;
  ASYNCLINGS_TODO("fetch_one");
  co_return;
}

// benchmark_async: all <n> GETs in flight at once on one io_context, run by the calling
// thread (as asyncio.run runs its loop). Returns a Completion per request, in completion
// order; rethrows the first failure.
inline std::vector<Completion> fetch_concurrent(asynclings::client::AsyncClient client,
                                                std::string target, int n) {
  // TODO: an io_context; co_spawn a fetch_one per request (each with a completion handler
  //       that keeps the first exception); then run the loop — on this thread, once.
  (void)client;
  (void)target;
  (void)n;
  ASYNCLINGS_TODO("fetch_concurrent");
}

}  // namespace ch02
