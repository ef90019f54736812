// Exercise 1: a loop-lag monitor, and a sleep that does not block the loop.
//
//   ch05::LagMonitor monitor(io.get_executor(), std::chrono::milliseconds{10});
//   monitor.start();                 // ticks every 10 ms on the loop
//   ...                              // run the program
//   monitor.stop();
//   monitor.max_lag_ms();            // how late the latest-firing tick was
//
//   co_await ch05::async_sleep(std::chrono::milliseconds{200});   // asyncio.sleep(0.2)
//
// A timer that should fire every 10 ms can only fire when the loop's thread is free. If a
// coroutine blocks that thread for 150 ms, the tick due in the middle fires 150 ms late
// (give or take one interval): the lateness of a periodic timer *is* the time the loop was
// blocked. (asyncio's debug mode reports "Executing <Task …> took 0.150 seconds" the same way.)
//
// What the tests check: with a task that calls std::this_thread::sleep_for(150 ms) the
// monitor reports a max lag of at least the block minus one interval; with a task that waits
// 150 ms on a timer it reports well under half of that, and ticks all along; after stop()
// nothing is left on the loop, so io_context::run() returns at once (the pending wait is
// cancelled, not left to expire). The lag is a tick's lateness, not the time between two
// ticks: on a free loop a 100 ms monitor reports a lag near 0, not 100. The first tick is due
// one interval after the ticking coroutine first runs (not after start(), which may come well
// before the loop runs). start() refuses an interval <= 0 with std::invalid_argument.
// async_sleep waits at least the given time and leaves the loop free and idle meanwhile (a
// separate probe watches; a "sleep" that re-queues itself until the time is up is not idle;
// eight sleeps side by side all overlap); a cancelled async_sleep ends at once with
// operation_aborted, as asyncio.sleep raises CancelledError.
//
// Replace every ASYNCLINGS_TODO. Read README.md first; `grader hint ch05 ex1` helps.
#pragma once

#include <asynclings/todo.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <stdexcept>

namespace ch05 {

class LagMonitor {
 public:
  using clock = std::chrono::steady_clock;

  LagMonitor(boost::asio::any_io_executor loop, std::chrono::milliseconds interval)
      : loop_(loop), timer_(loop), interval_(interval) {}
  LagMonitor(const LagMonitor&) = delete;
  LagMonitor& operator=(const LagMonitor&) = delete;

  // Starts ticking on the loop: every `interval`, note how late the tick fired.
  // The monitor must outlive the loop's run (the tests keep it alive until run() returns).
  void start() {
    // TODO: throw std::invalid_argument when interval_ is not positive; then co_spawn a
    //       coroutine (tick(), below) on the loop; boost::asio::detached is fine here: tick()
    //       catches its own cancellation.
    ASYNCLINGS_TODO("LagMonitor::start");
  }

  // Stops ticking: afterwards nothing of the monitor is left waiting on the loop.
  // Called on the loop's thread.
  void stop() {
    // TODO: make tick() end, and cancel the wait it is in.
    ASYNCLINGS_TODO("LagMonitor::stop");
  }

  double max_lag_ms() const { return std::chrono::duration<double, std::milli>(max_lag_).count(); }
  std::size_t ticks() const { return ticks_; }

 private:
  // The ticking coroutine: wait until the next tick is due, note how late it fired
  // (max_lag_, ticks_), work out when the next one is due, and again, until stopped.
  boost::asio::awaitable<void> tick() {
    // TODO
    ASYNCLINGS_TODO("LagMonitor::tick");
    co_return;
  }

  boost::asio::any_io_executor loop_;
  boost::asio::steady_timer timer_;
  std::chrono::milliseconds interval_;
  clock::duration max_lag_{};
  std::size_t ticks_ = 0;
  bool running_ = false;
};

// asyncio.sleep(d): suspend this coroutine for d, leaving the loop free for everything else.
inline boost::asio::awaitable<void> async_sleep(std::chrono::milliseconds d) {
  // TODO: not std::this_thread::sleep_for(d), which would freeze the loop for d.
  (void)d;
  ASYNCLINGS_TODO("async_sleep");
  co_return;
}

}  // namespace ch05
