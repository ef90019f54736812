// Which threads belong to a thread pool, so a test can tell work the pool ran from work run on
// a thread of the student's own (std::async, a std::thread, a second pool). Chapters that hand
// work to a pool (blocking, threads and processes) share it.
//
//   asio::thread_pool pool(2);
//   const auto pool_threads = thread_ids_of(pool, 2);
//   ... run the code under test ...
//   EXPECT_TRUE(pool_threads.count(worker_thread_id));
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstddef>
#include <latch>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace asynclings::testkit {

// The ids of the pool's `threads` threads (the size the pool was made with). One job per
// thread, each held until all have started: no thread can take two, so every thread is seen.
// Call it before handing the pool to the code under test: the jobs need every thread free.
inline std::set<std::thread::id> thread_ids_of(boost::asio::thread_pool& pool,
                                               std::size_t threads) {
  struct Shared {
    explicit Shared(std::ptrdiff_t n) : all_started(n) {}
    std::latch all_started;
    std::mutex mutex;
    std::set<std::thread::id> ids;
  };
  auto shared = std::make_shared<Shared>(static_cast<std::ptrdiff_t>(threads));
  for (std::size_t i = 0; i < threads; ++i) {
    boost::asio::post(pool, [shared] {
      {
        std::lock_guard lock(shared->mutex);
        shared->ids.insert(std::this_thread::get_id());
      }
      shared->all_started.arrive_and_wait();
    });
  }
  shared->all_started.wait();
  std::lock_guard lock(shared->mutex);
  return shared->ids;
}

}  // namespace asynclings::testkit
