// Exercise 4: what a coroutine and a thread really cost — measured, not assumed.
//
//   auto coroutines = ch07::measure_coroutines(10'000);
//   auto threads = ch07::measure_threads(1'000);
//
// Each function starts `n` units that all wait at once for one release signal, reads the
// process's memory (read_memory_status, given: VmRSS and VmSize from /proc/self/status)
// while all of them are waiting, then releases them, waits until every one has finished, and
// reports how many did. create_ms is the time from the first start until every unit waits.
//
//   coroutines: co_spawn n coroutines on an io_context, each co_awaiting one shared
//               steady_timer (the "gate", set to expire never); io.poll() runs each up to
//               its wait; gate.cancel() releases them all and io.run() lets them finish.
//   threads:    n std::jthreads, each counting down a std::latch and then waiting on a
//               condition variable; the latch says when all are waiting; setting a flag and
//               notify_all() releases them; the jthreads join as they go out of scope.
//
// The course says a thread costs "8 MB": that is the VIRTUAL size of its stack (VmSize).
// What a thread really occupies in memory (VmRSS) is the few pages it touched.
#pragma once

#include <asynclings/todo.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <fstream>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ch07 {

namespace asio = boost::asio;

// ---- given ------------------------------------------------------------------------------

struct MemoryStatus {
  long rss_kb = 0;  // VmRSS: resident memory, really in RAM
  long vsz_kb = 0;  // VmSize: virtual address space reserved
};

inline MemoryStatus read_memory_status() {
  MemoryStatus m;
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:")
      status >> m.rss_kb;
    else if (key == "VmSize:")
      status >> m.vsz_kb;
  }
  return m;
}

struct UnitCost {
  std::size_t units = 0;      // how many were started
  std::size_t completed = 0;  // how many finished after the release
  double create_ms = 0;       // from the first start until all of them wait
  MemoryStatus before;        // just before the first start
  MemoryStatus during;        // while all of them wait
};

// ---- yours ------------------------------------------------------------------------------

inline asio::awaitable<void> wait_at_gate(asio::steady_timer& gate, std::size_t& completed) {
  co_await gate.async_wait(asio::as_tuple(asio::use_awaitable));  // cancelled = released
  ++completed;
}

inline UnitCost measure_coroutines(std::size_t n) {
  UnitCost cost;
  cost.units = n;
  asio::io_context io;
  asio::steady_timer gate(io, asio::steady_timer::time_point::max());
  std::size_t completed = 0;
  cost.before = read_memory_status();
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i)
    asio::co_spawn(io, wait_at_gate(gate, completed), asio::detached);
  io.poll();  // each coroutine runs up to its co_await
  cost.create_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  cost.during = read_memory_status();
  gate.cancel();
  io.run();
  cost.completed = completed;
  return cost;
}

inline UnitCost measure_threads(std::size_t n) {
  UnitCost cost;
  cost.units = n;
  std::latch all_waiting(static_cast<std::ptrdiff_t>(n));
  std::mutex mutex;
  std::condition_variable released;
  bool go = false;
  std::atomic<std::size_t> completed{0};
  cost.before = read_memory_status();
  {
    std::vector<std::jthread> threads;
    threads.reserve(n);
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < n; ++i) {
      threads.emplace_back([&] {
        std::unique_lock lock(mutex);
        all_waiting.count_down();
        released.wait(lock, [&] { return go; });
        ++completed;
      });
    }
    all_waiting.wait();
    cost.create_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    cost.during = read_memory_status();
    {
      std::lock_guard lock(mutex);
      go = true;
    }
    released.notify_all();
  }  // joins
  cost.completed = completed;
  return cost;
}

}  // namespace ch07
