// Exercise 4: a bounded pool (concurrent.futures.ThreadPoolExecutor(max_workers=threads)).
//
//   auto responses = co_await ch05::fetch_all_on_pool(4, client, targets);   // 20 targets
//
// A thread pool of 4 threads runs at most 4 blocking calls at a time; the other calls wait
// in the pool's queue for a free thread. 20 calls of one delay each on 4 threads therefore
// take about 5 delays, and the server never sees more than 4 of them at once. The pool's size
// is the concurrency limit: choose it, don't let the number of jobs choose it.
//
// What the tests check: 20 calls of 100 ms on 4 threads: the server's peak in flight is
// exactly 4 (not more: bounded; not less: the pool is kept busy), the whole takes about 5
// delays, the loop stays responsive, responses come back in the order of the targets; 10
// calls on 10 threads all overlap; 0 threads is refused with std::invalid_argument before any
// request is sent (Asio 1.81's thread_pool::join() with no threads never returns).
//
// Replace every ASYNCLINGS_TODO. `grader hint ch05 ex4` helps.
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

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ch05 {

// One blocking GET on the pool, awaited from the loop: the caller resumes on the loop.
inline boost::asio::awaitable<asynclings::client::Response> get_on_pool(
    boost::asio::thread_pool::executor_type pool, asynclings::client::BlockingClient client,
    std::string target) {
  // TODO: co_spawn a coroutine that calls client.get(target) onto the pool and co_await
  //       it with use_awaitable (as ex2's to_thread).
  (void)pool;
  (void)client;
  (void)target;
  ASYNCLINGS_TODO("get_on_pool");
}

// Every target's GET with the blocking client, on a pool of `threads` threads that this
// function owns; responses in the order of `targets`. The loop is never blocked.
inline boost::asio::awaitable<std::vector<asynclings::client::Response>> fetch_all_on_pool(
    std::size_t threads, asynclings::client::BlockingClient client,
    std::vector<std::string> targets) {
  // TODO: refuse 0 threads (std::invalid_argument); make a boost::asio::thread_pool of
  //       `threads` threads; start every get_on_pool at once and wait for all; join the pool.
  (void)threads;
  (void)client;
  (void)targets;
  ASYNCLINGS_TODO("fetch_all_on_pool");
}

}  // namespace ch05
