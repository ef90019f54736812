// Exercise 3: a mixed workload — fetch, then compute — the course's "asyncio + process pool".
//
//   auto results = co_await ch07::process_async_offloaded(client, pool.get_executor(), items);
//
// Each item is one request to the delay server (I/O: waiting) followed by one chunk of the
// Monte Carlo work (CPU: computing). Three versions, as in the course's table:
//   - process_sequential (given): one item after another, blocking client, CPU on the caller;
//   - process_async: every item's request at once on the loop, the CPU work on the loop —
//     the waits overlap, but the computing is still one chunk after another (the loop has one
//     thread): the course's "Asyncio" row;
//   - process_async_offloaded: the same, with each chunk handed to a thread pool and awaited
//     there — the waits overlap AND the chunks compute in parallel: the course's
//     "Asyncio + ProcessPool" row. C++ has no GIL, so a thread pool does what Python needs
//     processes for (ex2's process pool would do too).
// Replace every ASYNCLINGS_TODO. `grader hint ch07 ex3` helps.
//
// crunch() (given) records which thread computed a chunk and when, for the tests.
#pragma once

#include <asynclings/client/async_client.hpp>
#include <asynclings/client/blocking_client.hpp>
#include <asynclings/todo.hpp>
#include <ch07/monte_carlo.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace ch07 {

namespace asio = boost::asio;
namespace client = asynclings::client;

// ---- given ------------------------------------------------------------------------------

struct MixedItem {
  std::string target;  // e.g. "/delay/150ms"
  Chunk chunk;
};

struct Crunched {
  std::uint64_t hits = 0;
  std::thread::id thread;  // which thread computed the chunk
  std::chrono::steady_clock::time_point start, end;
};

struct MixedResult {
  int status = 0;  // the response's HTTP status
  Crunched cpu;
};

// The CPU part of an item, with a record of where and when it ran.
inline Crunched crunch(const Chunk& chunk) {
  Crunched c;
  c.thread = std::this_thread::get_id();
  c.start = std::chrono::steady_clock::now();
  c.hits = hits_in_chunk(chunk);
  c.end = std::chrono::steady_clock::now();
  return c;
}

inline std::vector<MixedResult> process_sequential(const client::BlockingClient& client,
                                                   const std::vector<MixedItem>& items) {
  std::vector<MixedResult> results;
  for (const auto& item : items) {
    MixedResult r;
    r.status = client.get(item.target).status;
    r.cpu = crunch(item.chunk);
    results.push_back(r);
  }
  return results;
}

// ---- yours ------------------------------------------------------------------------------

// Every item at once on the loop: its request, then crunch(item.chunk) right on the loop.
// Results in input order. (Python: asyncio.gather over the items, CPU work inline.)
inline asio::awaitable<std::vector<MixedResult>> process_async(client::AsyncClient client,
                                                               std::vector<MixedItem> items) {
  // TODO: one coroutine per item (request, then crunch), all run together in a parallel group.
  (void)client;
  (void)items;
  ASYNCLINGS_TODO("process_async");
}

// The same, with each chunk computed on `pool` and awaited (the loop only waits).
// (Python: await loop.run_in_executor(process_pool, crunch, chunk).)
inline asio::awaitable<std::vector<MixedResult>> process_async_offloaded(
    client::AsyncClient client, asio::thread_pool::executor_type pool,
    std::vector<MixedItem> items) {
  // TODO: as process_async, but each item awaits co_spawn(pool, <coroutine returning
  //       crunch(chunk)>, use_awaitable) for its CPU part.
  (void)client;
  (void)pool;
  (void)items;
  ASYNCLINGS_TODO("process_async_offloaded");
}

}  // namespace ch07
