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
// Replace every ASYNCLINGS_TODO. `grader hint ch07 ex4` helps.
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

// n coroutines waiting at once on one steady_timer; fills every field of UnitCost.
inline UnitCost measure_coroutines(std::size_t n) {
  // TODO: before = read_memory_status(); co_spawn n coroutines that co_await the gate (use
  //       as_tuple: a cancelled wait is the release) and then count themselves completed;
  //       io.poll(); create_ms; during = read_memory_status(); gate.cancel(); io.run().
  (void)n;
  ASYNCLINGS_TODO("measure_coroutines");
}

// n threads waiting at once on one condition variable; fills every field of UnitCost.
inline UnitCost measure_threads(std::size_t n) {
  // TODO: before; start n std::jthreads that count down a std::latch and wait for a flag;
  //       latch.wait(); create_ms; during = read_memory_status(); set the flag, notify_all();
  //       let the jthreads join; completed.
  (void)n;
  ASYNCLINGS_TODO("measure_threads");
}

}  // namespace ch07
