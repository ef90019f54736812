// Exercise 1: a semaphore, and a rate-limited fetch_all on top of it.
//
//   async def fetch_all(client, paths, limit):
//       semaphore = asyncio.Semaphore(limit)
//       async def fetch_one(path):
//           async with semaphore:              # at most `limit` bodies in here at once
//               return await client.get(path)
//       return await asyncio.gather(*(fetch_one(p) for p in paths))
//
// Asio 1.81 has no semaphore, so you build one first. The design the lesson explains: a
// channel with room for `permits` tokens, filled at the start. acquire() takes a token out
// (and waits when there is none left); release() puts one back.
//
// Then fetch_all(client, paths, limit): GET every path, never more than `limit` at once, and
// return the responses in the order of `paths`. A limit of 0 could never let a request through:
// throw std::invalid_argument before sending anything. When a GET throws (a network failure),
// its permit goes back all the same and the other paths are still fetched (as with
// asyncio.gather, one failure does not cancel the rest); once every path has ended, fetch_all
// rethrows the first failure. Cancelling fetch_all aborts the requests in flight and starts no
// more.
//
// What the tests check: the semaphore admits `permits` holders and makes the next one wait for
// a release; for limits 1, 3 and 5 (with a number of paths the limit does not divide) the
// server's peak in-flight count is EXACTLY the limit — not more (limit ignored), not less
// (limit under-used) — and the whole run takes about ceil(N / limit) delays; a permit given back
// lets the next path start at once (batches of `limit` that wait for their slowest do not);
// results come back in input order, not in the order they finished; an empty list returns at
// once; a limit of 0 throws std::invalid_argument; a path whose GET throws (a proxy hangs up on
// it) gives its permit back, once, the others still run, then the error reaches the caller; a
// cancel aborts the requests in flight and no waiting path starts.
//
// Replace every ASYNCLINGS_TODO. `grader hint ch06 ex1` helps.
#pragma once

#include <asynclings/client/async_client.hpp>
#include <asynclings/todo.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ch06 {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;
using asynclings::client::Response;

class Semaphore {
 public:
  // A semaphore with <permits> free permits, whose waiters are resumed on <ex>.
  Semaphore(asio::any_io_executor ex, std::size_t permits) : tokens_(ex, permits) {
    // TODO: put <permits> tokens into the channel (try_send does not wait).
    ASYNCLINGS_TODO("Semaphore::Semaphore");
  }

  // Takes a permit; suspends while none is free.
  asio::awaitable<void> acquire() {
    // TODO: take a token out of the channel (async_receive waits while it is empty).
    ASYNCLINGS_TODO("Semaphore::acquire");
  }

  // Gives a permit back.
  void release() {
    // TODO: put the token back.
    ASYNCLINGS_TODO("Semaphore::release");
  }

 private:
  // A channel of "tokens": messages that carry nothing but their presence.
  asio::experimental::channel<void(boost::system::error_code)> tokens_;
};

// GET every path, at most <limit> at a time; the responses in the order of <paths>.
// (Parameters by value: the coroutine must own what it uses after its first suspension.)
inline asio::awaitable<std::vector<Response>> fetch_all(AsyncClient client,
                                                        std::vector<std::string> paths,
                                                        std::size_t limit) {
  // TODO: a Semaphore(ex, limit) here; one coroutine per path that acquires, GETs, releases
  //       (also when the GET throws); run them all concurrently (ch03's gather) and return
  //       the responses in input order. Mind the empty list and a limit of 0.
  (void)client;
  (void)paths;
  (void)limit;
  ASYNCLINGS_TODO("fetch_all");
}

}  // namespace ch06
