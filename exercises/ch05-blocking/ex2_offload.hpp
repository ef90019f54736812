// Exercise 2: offload a blocking call to a thread pool (asyncio.to_thread / run_in_executor).
//
//   boost::asio::thread_pool pool(8);
//   // inside a coroutine on the loop:
//   Response r = co_await ch05::to_thread(pool.get_executor(), [client] { return client.get("/delay/200ms"); });
//   auto all = co_await ch05::fetch_all_offloaded(pool.get_executor(), client, targets);
//
// BlockingClient (the course's `requests`) holds its calling thread until the whole response
// is in. Called on the loop, it freezes every other coroutine for the length of the request.
// Called on a pool thread, it blocks only that thread: the loop keeps running, and N calls on
// N pool threads wait side by side. When the call returns, the awaiting coroutine must carry
// on where it was: on the loop's thread, not on the pool thread that did the work.
//
// What the tests check: to_thread runs the function on one of the given pool's threads (not
// the loop's, nor a thread or pool of its own), returns its value (or rethrows its
// exception), and the code after the co_await runs on the loop's thread again; while a
// 200 ms blocking call runs in the pool a probe on the loop keeps ticking (max lag well
// under half the delay); fetch_all_offloaded's N calls all overlap at the server (peak in
// flight N), finish in about one delay, and come back in the order of the targets.
//
// Replace every ASYNCLINGS_TODO. `grader hint ch05 ex2` helps.
#pragma once

#include <asynclings/client/blocking_client.hpp>
#include <asynclings/todo.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace ch05 {

using Pool = boost::asio::thread_pool::executor_type;  // cheap to copy: take it by value

// asyncio.to_thread(f): run f() on the pool, suspend the caller meanwhile, and resume the
// caller on its own executor (the loop) with f's result, or with the exception f threw.
template <typename F>
boost::asio::awaitable<std::invoke_result_t<F&>> to_thread(Pool pool, F f) {
  // TODO: co_spawn a coroutine that calls f() onto the pool, and co_await it with
  //       use_awaitable. (g++ 12: give a lambda a name before it appears in a co_await.)
  (void)pool;
  (void)f;
  ASYNCLINGS_TODO("to_thread");
}

// Every target's GET with the blocking client, all offloaded at once; responses in the
// order of `targets`. (Python: await asyncio.gather(*(asyncio.to_thread(client.get, t) …)).)
inline boost::asio::awaitable<std::vector<asynclings::client::Response>> fetch_all_offloaded(
    Pool pool, asynclings::client::BlockingClient client, std::vector<std::string> targets) {
  // TODO: start every call through to_thread before awaiting any, then wait for all.
  (void)pool;
  (void)client;
  (void)targets;
  ASYNCLINGS_TODO("fetch_all_offloaded");
}

}  // namespace ch05
