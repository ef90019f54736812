// Exercise 1: a loop-lag monitor, and a sleep that does not block the loop.
//
// The monitor tests run a small program on an io_context: the monitor ticks every 10 ms
// while a task first waits 30 ms on a timer, then either blocks the thread for 150 ms with
// std::this_thread::sleep_for or waits 150 ms on a timer, then waits 30 ms more and stops
// the monitor. The async_sleep tests use the chapter's own probe (tests/loop_lag_probe.hpp),
// so they judge async_sleep whatever state the monitor is in.
#include "ex1_lag_monitor.hpp"
#include "loop_lag_probe.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <chrono>
#include <string>
#include <thread>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asynclings::testkit::diagnose;
using asynclings::testkit::figure;
using asynclings::testkit::tolerant_ms;

constexpr auto kInterval = 10ms;
constexpr auto kBlock = 150ms;
constexpr double kBlockMs = 150.0;

asio::awaitable<void> timer_wait(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
}

// The program the monitor watches: settle, block or wait for kBlock, settle, stop.
asio::awaitable<void> watched_task(ch05::LagMonitor& monitor, bool block) {
  co_await timer_wait(30ms);
  if (block) {
    std::this_thread::sleep_for(kBlock);  // the mistake, on purpose: the loop freezes
  } else {
    co_await timer_wait(kBlock);          // the right way: the loop keeps running
  }
  co_await timer_wait(30ms);
  monitor.stop();
}

struct Watched {
  double max_lag_ms;
  std::size_t ticks;
};

Watched watch(bool block) {
  asio::io_context io;
  ch05::LagMonitor monitor(io.get_executor(), kInterval);
  monitor.start();
  asio::co_spawn(io, watched_task(monitor, block), asio::detached);
  io.run_for(std::chrono::milliseconds(long(tolerant_ms(5000))));
  return {monitor.max_lag_ms(), monitor.ticks()};
}

TEST(LagMonitor, ReportsAMaxLagAsLongAsTheBlockWhenATaskCallsSleepFor) {
  const auto seen = watch(/*block=*/true);
  const double floor = kBlockMs - 10.0 - 1.0;  // the block minus one interval
  figure("max_loop_lag_ms", seen.max_lag_ms, "ms", ">= " + std::to_string(int(floor)));
  figure("ticks", double(seen.ticks), "ticks", ">= 3");
  if (seen.ticks == 0) {
    diagnose("monitor-never-ticks",
             "the monitor never fired: start() must co_spawn a coroutine that waits on a "
             "steady_timer in a loop, and each wake-up counts as a tick");
    return;
  }
  if (seen.max_lag_ms < floor) {
    diagnose("lag-not-measured",
             "the task blocked the loop for 150 ms but the monitor reported a max lag of " +
                 std::to_string(int(seen.max_lag_ms)) +
                 " ms: measure each tick's lateness as now minus the time the tick was due "
                 "(the timer's expiry), and keep the largest");
    return;
  }
  EXPECT_LE(seen.max_lag_ms, kBlockMs + tolerant_ms(150))
      << "the lag is the lateness of one tick, not a sum over ticks";
}

TEST(LagMonitor, ReportsNearZeroLagWhileATaskAwaitsATimerInstead) {
  const auto seen = watch(/*block=*/false);
  figure("max_loop_lag_ms", seen.max_lag_ms, "ms", "< " + std::to_string(int(tolerant_ms(kBlockMs / 2))));
  figure("ticks", double(seen.ticks), "ticks", ">= 5");
  if (seen.ticks == 0) {
    diagnose("monitor-never-ticks",
             "the monitor never fired: start() must co_spawn a coroutine that waits on a "
             "steady_timer in a loop, and each wake-up counts as a tick");
    return;
  }
  EXPECT_LT(seen.max_lag_ms, tolerant_ms(kBlockMs / 2))
      << "nothing blocked the loop, so no tick should be late by much";
  EXPECT_GE(seen.ticks, 5u) << "over about 210 ms a 10 ms monitor should tick many times: it "
                               "must re-arm its timer after every tick";
}

TEST(LagMonitor, LeavesNothingOnTheLoopOnceStopped) {
  asio::io_context io;
  ch05::LagMonitor monitor(io.get_executor(), kInterval);
  monitor.start();
  auto stopper = [](ch05::LagMonitor& m) -> asio::awaitable<void> {
    co_await timer_wait(50ms);
    m.stop();
  };
  asio::co_spawn(io, stopper(monitor), asio::detached);
  asynclings::testkit::Stopwatch watch;
  io.run_for(std::chrono::milliseconds(long(tolerant_ms(1000))));
  const bool returned = io.stopped();
  figure("run_ms", watch.elapsed_ms(), "ms", "about 50");
  if (!returned) {
    diagnose("monitor-keeps-running",
             "after stop() the loop still had work: io_context::run() did not return. stop() "
             "must end the ticking coroutine (a flag it checks) and cancel its pending wait");
    return;
  }
  const auto ticks_at_stop = monitor.ticks();
  EXPECT_GE(ticks_at_stop, 1u) << "in 50 ms a 10 ms monitor should have ticked";
}

TEST(AsyncSleep, WaitsAtLeastTheGivenTime) {
  auto slept = [] () -> asio::awaitable<int> {
    co_await ch05::async_sleep(120ms);
    co_return 1;
  };
  const auto run = ch05_test::run_probed(slept());
  figure("wall_ms", run.wall_ms, "ms", ">= 120");
  EXPECT_GE(run.wall_ms, 119.0) << "async_sleep(120ms) returned early";
  EXPECT_LE(run.wall_ms, 120.0 + tolerant_ms(200));
}

TEST(AsyncSleep, LeavesTheLoopFreeWhileItWaits) {
  // Two sleeps side by side: on a free loop they overlap and the probe keeps ticking.
  auto both = [] () -> asio::awaitable<int> {
    using namespace asio::experimental::awaitable_operators;
    co_await (ch05::async_sleep(kBlock) && ch05::async_sleep(kBlock));
    co_return 2;
  };
  const auto run = ch05_test::run_probed(both());
  const double bound = tolerant_ms(kBlockMs / 2);
  figure("max_loop_lag_ms", run.max_lag_ms, "ms", "< " + std::to_string(int(bound)));
  figure("wall_ms", run.wall_ms, "ms", "about 150 (the two sleeps overlap)");
  if (run.max_lag_ms >= bound) {
    diagnose("blocked-the-loop",
             "the loop was blocked for " + std::to_string(int(run.max_lag_ms)) +
                 " ms: async_sleep froze the thread (std::this_thread::sleep_for?) instead of "
                 "suspending the coroutine. Wait on a steady_timer with "
                 "co_await timer.async_wait(use_awaitable)");
    return;
  }
  EXPECT_LT(run.wall_ms, kBlockMs + tolerant_ms(kBlockMs / 2))
      << "two 150 ms sleeps side by side should take about 150 ms, not 300";
}

}  // namespace
