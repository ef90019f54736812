// Exercise 1: a loop-lag monitor, and a sleep that does not block the loop.
//
// The monitor tests run a small program on an io_context: the monitor ticks every 10 ms
// while a task first waits 30 ms on a timer, then either blocks the thread for 150 ms with
// std::this_thread::sleep_for or waits 150 ms on a timer, then waits 30 ms more and stops
// the monitor. The async_sleep tests use the chapter's own probe (tests/loop_lag_probe.hpp),
// so they judge async_sleep whatever state the monitor is in.
#include "ex1_lag_monitor.hpp"
#include "loop_lag_probe.hpp"

#include <asynclings/testkit/cancel_after.hpp>
#include <asynclings/testkit/requests.hpp>
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
#include <stdexcept>
#include <string>
#include <thread>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;
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

TEST(LagMonitor, ReportsTheLatenessOfATickNotTheTimeBetweenTicks) {
  // A slow monitor (100 ms) on a loop that nothing blocks: every tick fires about on time, so
  // the lag stays near zero, far below the 100 ms between two ticks.
  asio::io_context io;
  ch05::LagMonitor monitor(io.get_executor(), 100ms);
  monitor.start();
  auto stopper = [](ch05::LagMonitor& m) -> asio::awaitable<void> {
    co_await timer_wait(350ms);
    m.stop();
  };
  asio::co_spawn(io, stopper(monitor), asio::detached);
  io.run_for(std::chrono::milliseconds(long(tolerant_ms(3000))));
  const double bound = tolerant_ms(50);
  figure("max_loop_lag_ms", monitor.max_lag_ms(), "ms", "< " + std::to_string(int(bound)));
  figure("ticks", double(monitor.ticks()), "ticks", "3");
  if (monitor.ticks() == 0) {
    diagnose("monitor-never-ticks",
             "the monitor never fired: start() must co_spawn a coroutine that waits on a "
             "steady_timer in a loop, and each wake-up counts as a tick");
    return;
  }
  if (monitor.max_lag_ms() >= bound) {
    diagnose("measured-interval-not-lag",
             "nothing blocked the loop, yet a 100 ms monitor reported a max lag of " +
                 std::to_string(int(monitor.max_lag_ms())) +
                 " ms: that is the time between two ticks, not how late a tick fired. The lag "
                 "is now minus the time the tick was DUE (the expiry you set), not now minus "
                 "the previous tick");
    return;
  }
  EXPECT_GE(monitor.ticks(), 2u);
}

TEST(LagMonitor, CountsLagOnlyFromWhenTheLoopRunsItsFirstTick) {
  // start() is called, then the thread is busy for 120 ms BEFORE the loop runs at all: the
  // loop was never blocked while it ran, so the monitor must not report those 120 ms.
  asio::io_context io;
  ch05::LagMonitor monitor(io.get_executor(), kInterval);
  monitor.start();
  std::this_thread::sleep_for(120ms);  // not inside the loop: io.run() has not started
  auto stopper = [](ch05::LagMonitor& m) -> asio::awaitable<void> {
    co_await timer_wait(80ms);
    m.stop();
  };
  asio::co_spawn(io, stopper(monitor), asio::detached);
  io.run_for(std::chrono::milliseconds(long(tolerant_ms(3000))));
  const double bound = tolerant_ms(60);
  figure("max_loop_lag_ms", monitor.max_lag_ms(), "ms", "< " + std::to_string(int(bound)));
  if (monitor.max_lag_ms() >= bound) {
    diagnose("lag-counted-before-loop-ran",
             "the monitor reported " + std::to_string(int(monitor.max_lag_ms())) +
                 " ms of lag although the loop ran free: the first tick's due time was taken "
                 "in start(), before the loop ran. Work out the first due time inside the "
                 "ticking coroutine, when it first runs");
    return;
  }
  EXPECT_GE(monitor.ticks(), 1u);
}

TEST(LagMonitor, StopCancelsThePendingTickAtOnce) {
  // A monitor with a long interval, stopped 50 ms in: run() must return right away, not when
  // the next tick would have been due (400 ms).
  asio::io_context io;
  ch05::LagMonitor monitor(io.get_executor(), 400ms);
  monitor.start();
  auto stopper = [](ch05::LagMonitor& m) -> asio::awaitable<void> {
    co_await timer_wait(50ms);
    m.stop();
  };
  asio::co_spawn(io, stopper(monitor), asio::detached);
  asynclings::testkit::Stopwatch watch;
  io.run_for(std::chrono::milliseconds(long(tolerant_ms(2000))));
  const double run_ms = watch.elapsed_ms();
  const double bound = 50 + tolerant_ms(150);
  figure("run_ms", run_ms, "ms", "about 50 (< " + std::to_string(int(bound)) + ")");
  if (!io.stopped()) {
    diagnose("monitor-keeps-running",
             "after stop() the loop still had work: io_context::run() did not return. stop() "
             "must end the ticking coroutine (a flag it checks) and cancel its pending wait");
    return;
  }
  if (run_ms >= bound) {
    diagnose(diagnoses::timer_left_armed,
             "run() returned only after " + std::to_string(int(run_ms)) + " ms although stop() "
                 "came at 50 ms: the monitor's wait stayed armed until its next tick. stop() "
                 "must cancel that wait, not only set the flag: wait on the member timer_ (not "
                 "on a timer of your own, such as async_sleep's) and call timer_.cancel()");
    return;
  }
}

TEST(LagMonitor, StopBeforeTheLoopRunsLeavesNothingToRun) {
  // start() then stop(), both before the loop runs: the ticking coroutine must see the stop
  // when it first runs, so run() finds nothing to wait for and returns at once.
  asio::io_context io;
  ch05::LagMonitor monitor(io.get_executor(), kInterval);
  monitor.start();
  monitor.stop();
  io.run_for(std::chrono::milliseconds(long(tolerant_ms(1000))));
  figure("ticks", double(monitor.ticks()), "ticks", "0");
  if (!io.stopped() || monitor.ticks() > 0) {
    diagnose("monitor-keeps-running",
             "stop() came before the loop had run the ticking coroutine, yet the monitor ticked " +
                 std::to_string(monitor.ticks()) + " times afterwards: the stop was undone "
                 "(the coroutine sets running_ = true itself when it starts?). Set the flag in "
                 "start(), and let the coroutine only read it");
  }
}

TEST(LagMonitor, LeavesTheLoopIdleBetweenTicks) {
  // The loop runs one handler at a time and counts them: a 20 ms monitor running for 200 ms
  // costs the loop about one handler per tick; a monitor that re-queues itself to look at the
  // clock until the next tick is due costs thousands, whatever the machine's speed or load.
  asio::io_context io;
  ch05::LagMonitor monitor(io.get_executor(), 20ms);
  monitor.start();
  bool stopped = false;
  auto stopper = [](ch05::LagMonitor& m, bool& flag) -> asio::awaitable<void> {
    co_await timer_wait(200ms);
    m.stop();
    flag = true;
  };
  asio::co_spawn(io, stopper(monitor, stopped), asio::detached);
  asynclings::testkit::Stopwatch watch;
  std::size_t handlers = 0;
  while (!stopped && watch.elapsed_ms() < tolerant_ms(3000)) {
    handlers += io.run_one_for(std::chrono::milliseconds(100));
    if (io.stopped()) break;
  }
  io.run_for(std::chrono::milliseconds(long(tolerant_ms(500))));  // what stop() left to end
  figure("handlers_run", double(handlers), "", "about one per tick (< 200)");
  figure("ticks", double(monitor.ticks()), "ticks", "about 10");
  if (handlers >= 200) {
    diagnose(diagnoses::busy_wait,
             "while a 20 ms monitor ran for 200 ms the loop ran " + std::to_string(handlers) +
                 " handlers: the monitor kept re-queueing itself (post / yield in a loop) to "
                 "look at the clock, which keeps the loop and a core busy. Wait on the timer "
                 "until the tick is due: timer_.expires_at(due), then co_await "
                 "timer_.async_wait(...)");
    return;
  }
  EXPECT_TRUE(stopped);
  EXPECT_GE(monitor.ticks(), 1u) << "in 200 ms a 20 ms monitor should have ticked";
}

TEST(LagMonitor, StartRefusesAnIntervalOfZero) {
  asio::io_context io;
  ch05::LagMonitor monitor(io.get_executor(), 0ms);
  try {
    monitor.start();
    diagnose("zero-interval-accepted",
             "start() accepted an interval of 0 ms: such a monitor re-arms at once, forever, "
             "and keeps the loop busy. Throw std::invalid_argument from start() when the "
             "interval is not positive");
  } catch (const std::invalid_argument&) {
    EXPECT_EQ(io.poll(), 0u) << "nothing may be queued on the loop";
  }
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
  // Eight sleeps side by side: on a free loop they all overlap and the probe keeps ticking. (A
  // few threads sleeping on the sleeps' behalf would serve them a few at a time.)
  auto eight = [] () -> asio::awaitable<int> {
    using namespace asio::experimental::awaitable_operators;
    auto s = [] { return ch05::async_sleep(kBlock); };
    co_await (s() && s() && s() && s() && s() && s() && s() && s());
    co_return 8;
  };
  const auto run = ch05_test::run_probed(eight());
  const double bound = tolerant_ms(kBlockMs / 2);
  figure("max_loop_lag_ms", run.max_lag_ms, "ms", "< " + std::to_string(int(bound)));
  figure("wall_ms", run.wall_ms, "ms", "about 150 (the two sleeps overlap)");
  if (run.max_lag_ms >= bound) {
    diagnose(diagnoses::blocked_the_loop,
             "the loop was blocked for " + std::to_string(int(run.max_lag_ms)) +
                 " ms: async_sleep froze the thread (std::this_thread::sleep_for?) instead of "
                 "suspending the coroutine. Wait on a steady_timer with "
                 "co_await timer.async_wait(use_awaitable)");
    return;
  }
  if (run.wall_ms >= 2 * kBlockMs) {
    diagnose("sleeps-take-turns",
             "eight 150 ms sleeps side by side took " + std::to_string(int(run.wall_ms)) +
                 " ms: they took turns, a few at a time (threads sleeping on their behalf?). A "
                 "sleeping coroutine needs no thread at all: co_await a steady_timer's async_wait");
    return;
  }
  EXPECT_LT(run.wall_ms, kBlockMs + tolerant_ms(kBlockMs / 2))
      << "eight 150 ms sleeps side by side should take about 150 ms";
}

TEST(AsyncSleep, LeavesTheLoopIdleInsteadOfSpinning) {
  // The loop runs one handler at a time and counts them: a sleeping coroutine costs the loop
  // one handler (the timer's completion), a coroutine that "sleeps" by re-queueing itself
  // until the time is up costs thousands, whatever the machine's speed or load.
  asio::io_context io;
  bool done = false;
  auto sleeper = [](bool& flag) -> asio::awaitable<void> {
    co_await ch05::async_sleep(150ms);
    flag = true;
  };
  asio::co_spawn(io, sleeper(done), asio::detached);
  asynclings::testkit::Stopwatch watch;
  std::size_t handlers = 0;
  while (!done && watch.elapsed_ms() < tolerant_ms(3000)) {
    handlers += io.run_one_for(std::chrono::milliseconds(100));
    if (io.stopped()) break;
  }
  figure("handlers_run", double(handlers), "", "a handful (< 100)");
  figure("wall_ms", watch.elapsed_ms(), "ms", ">= 150");
  if (handlers >= 100) {
    diagnose("busy-wait-sleep",
             "while async_sleep(150ms) waited, the loop ran " + std::to_string(handlers) +
                 " handlers: the sleep kept re-queueing itself (a loop around post / "
                 "yield until the time is up), which keeps the loop and a core busy. Wait on a "
                 "steady_timer: co_await timer.async_wait(use_awaitable) costs nothing meanwhile");
    return;
  }
  EXPECT_TRUE(done);
  EXPECT_GE(watch.elapsed_ms(), 149.0);
}

// asyncio.sleep raises CancelledError when its task is cancelled: a cancelled async_sleep ends
// at once with operation_aborted — it neither returns normally nor waits out its time.
// (Last in the file: a sleep that cannot be cancelled may take the process down.)
TEST(AsyncSleep, ACancelledSleepEndsAtOnceWithOperationAborted) {
  constexpr auto kSleep = 400ms, kCancel = 50ms;
  const auto run = ch05_test::run_probed(asynclings::testkit::cancel_after(ch05::async_sleep(kSleep), kCancel));
  const auto& e = run.value;
  if (e.error) asynclings::testkit::rethrow_if_not_implemented(e.error);
  const double after_cancel_ms =
      std::chrono::duration<double, std::milli>(e.ended_at - e.cancelled_at).count();
  figure("ended_after_the_cancel_ms", after_cancel_ms, "ms", "≈ 0, with operation_aborted");
  ASSERT_TRUE(e.cancelled) << "the sleep ended before the cancel was due";
  if (!e.error) {
    diagnose("cancelled-sleep-returned",
             "async_sleep was cancelled " + std::to_string(kCancel.count()) + " ms into a " +
                 std::to_string(kSleep.count()) + " ms sleep and returned normally " +
                 std::to_string(int(after_cancel_ms)) + " ms later: the caller thinks it slept. "
                 "Let the timer's operation_aborted reach the caller (asyncio.sleep raises "
                 "CancelledError): do not swallow the wait's error code");
    return;
  }
  EXPECT_TRUE(asynclings::testkit::is_operation_aborted(e.error)) << "a cancelled sleep should end with operation_aborted";
  EXPECT_LE(after_cancel_ms, tolerant_ms(60)) << "a cancelled sleep should end at once, not at its time";
}

}  // namespace
