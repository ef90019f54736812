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
  using asynclings::client::Response;
  auto job = [client, target]() -> boost::asio::awaitable<Response> {
    co_return client.get(target);
  };
  co_return co_await boost::asio::co_spawn(pool, std::move(job), boost::asio::use_awaitable);
}

// Every target's GET with the blocking client, on a pool of `threads` threads that this
// function owns; responses in the order of `targets`. The loop is never blocked.
inline boost::asio::awaitable<std::vector<asynclings::client::Response>> fetch_all_on_pool(
    std::size_t threads, asynclings::client::BlockingClient client,
    std::vector<std::string> targets) {
  using asynclings::client::Response;
  if (threads == 0) throw std::invalid_argument("a pool needs at least one thread");
  if (targets.empty()) co_return std::vector<Response>{};
  boost::asio::thread_pool pool(threads);  // max_workers: the bound
  auto loop = co_await boost::asio::this_coro::executor;
  using Op = decltype(boost::asio::co_spawn(loop, std::declval<boost::asio::awaitable<Response>>(),
                                            boost::asio::deferred));
  std::vector<Op> ops;
  for (const auto& target : targets) {
    // All queued at once; the pool runs `threads` of them at a time. Each completes on the
    // loop, so the parallel group is only ever touched from the loop's thread.
    ops.push_back(boost::asio::co_spawn(loop, get_on_pool(pool.get_executor(), client, target),
                                        boost::asio::deferred));
  }
  auto group = boost::asio::experimental::make_parallel_group(std::move(ops));
  auto [order, errors, responses] = co_await group.async_wait(
      boost::asio::experimental::wait_for_all(), boost::asio::use_awaitable);
  pool.join();  // every job has finished: the threads exit at once
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  co_return std::move(responses);
}

}  // namespace ch05
