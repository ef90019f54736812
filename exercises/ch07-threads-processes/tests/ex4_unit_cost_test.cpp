// Exercise 4: the cost of 10,000 coroutines and 1,000 threads, measured in this run.
//
// Only structure and ratios are asserted, never absolute speeds or sizes: every unit
// finished; a waiting coroutine costs far less resident memory than a waiting thread; a
// thread's virtual size grows by about its stack size (the course's "8 MB") while its
// resident size grows by a small fraction of that. The figures are printed and recorded.
#include "ex4_unit_cost.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <gtest/gtest.h>

#include <malloc.h>
#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace {

using asynclings::testkit::diagnose;
using asynclings::testkit::figure;

constexpr std::size_t kCoroutines = 10'000;
constexpr std::size_t kThreads = 1'000;

double default_stack_kb() {
  pthread_attr_t attr;
  ::pthread_getattr_default_np(&attr);
  std::size_t size = 0;
  ::pthread_attr_getstacksize(&attr, &size);
  ::pthread_attr_destroy(&attr);
  return double(size) / 1024.0;
}

// <measure>(n) on a thread of its own, waited for at most 15 s: a release that never comes (a
// gate never cancelled, notify_one() for a thousand threads, a notify before the flag is set)
// leaves the call waiting forever, and the test must still say so. A call that never returns
// is left behind, blocked (it ends with the test program), and <hung> keeps the test from
// calling it again; one that returns is joined.
template <typename Measure>
std::optional<ch07::UnitCost> measured_within_15s(Measure measure, std::size_t n, bool& hung) {
  if (hung) return std::nullopt;
  auto result = std::make_shared<std::promise<ch07::UnitCost>>();
  auto done = result->get_future();
  std::thread worker([result, measure, n] {
    try {
      result->set_value(measure(n));
    } catch (...) {
      result->set_exception(std::current_exception());
    }
  });
  if (done.wait_for(std::chrono::seconds{15}) != std::future_status::ready) {
    hung = true;
    worker.detach();
    return std::nullopt;
  }
  // Gone for good before the next measurement reads the memory: a thread that is still
  // winding down (its stack, its heap arena) would change the figures under it.
  worker.join();
  return done.get();
}

bool coroutines_hung = false;
bool threads_hung = false;

// Gives freed heap pages back to the system first: otherwise coroutine frames reuse pages an
// earlier test already made resident, and their cost reads as nearly zero.
std::optional<ch07::UnitCost> coroutines_measured(std::size_t n) {
  ::malloc_trim(0);
  return measured_within_15s([](std::size_t k) { return ch07::measure_coroutines(k); }, n, coroutines_hung);
}

std::optional<ch07::UnitCost> threads_measured(std::size_t n) {
  return measured_within_15s([](std::size_t k) { return ch07::measure_threads(k); }, n, threads_hung);
}

// True (with the diagnosis) when a measure_* call never returned.
bool never_returned(const std::optional<ch07::UnitCost>& measured, const std::string& call,
                    const std::string& what_to_do) {
  if (measured) return false;
  diagnose("units-never-released", call + " did not return within 15 s: " + what_to_do);
  return true;
}

bool coroutines_never_returned(const std::optional<ch07::UnitCost>& c) {
  return never_returned(c, "measure_coroutines(" + std::to_string(kCoroutines) + ")",
                        "the coroutines were never released, so io.run() waits for them "
                        "forever. Open the gate (gate.cancel()) once the memory is read, "
                        "then io.run() lets them finish");
}

bool threads_never_returned(const std::optional<ch07::UnitCost>& t) {
  return never_returned(t, "measure_threads(" + std::to_string(kThreads) + ")",
                        "some threads were never released, so joining them never ends. "
                        "notify_one() wakes one waiting thread of the thousand; set the flag "
                        "under the mutex, then notify_all() to release them all");
}

double rss_per_unit_kb(const ch07::UnitCost& c) {
  return double(c.during.rss_kb - c.before.rss_kb) / double(c.units);
}
double vsz_per_unit_kb(const ch07::UnitCost& c) {
  return double(c.during.vsz_kb - c.before.vsz_kb) / double(c.units);
}

void report(const char* what, const ch07::UnitCost& c) {
  std::printf("[ ch07 ] %zu %s: created in %.1f ms (%.2f us each); VmRSS +%ld kB (%.2f kB each); VmSize +%ld kB (%.1f kB each)\n",
              c.units, what, c.create_ms, 1000.0 * c.create_ms / double(c.units), c.during.rss_kb - c.before.rss_kb,
              rss_per_unit_kb(c), c.during.vsz_kb - c.before.vsz_kb, vsz_per_unit_kb(c));
  const std::string p = what;
  figure(p + "_create_ms", c.create_ms, "ms", "measured");
  figure(p + "_rss_kb_each", rss_per_unit_kb(c), "kB", "measured");
  figure(p + "_vsz_kb_each", vsz_per_unit_kb(c), "kB", "measured");
}

// The fastest of up to three runs, per unit: one run preempted by another program on a busy
// machine says nothing about what starting a unit costs, three in a row would.
template <typename Measure>
double fastest_start_us(const ch07::UnitCost& first, std::size_t n, Measure measure_again) {
  double best = 1000.0 * first.create_ms / double(n);
  for (int run = 1; run < 3; ++run) best = std::min(best, 1000.0 * measure_again().create_ms / double(n));
  return best;
}

// Every unit must finish once released: a count of 0 means they were never released.
bool all_finished(const ch07::UnitCost& c, const std::string& what, std::size_t n) {
  if (c.units != n) {
    diagnose("units-not-reported",
             "asked for " + std::to_string(n) + " " + what + ", the result says units = " +
                 std::to_string(c.units) + ": fill in cost.units = n, so every figure per unit "
                 "is divided by the right number");
    return false;
  }
  figure(what + "_completed", double(c.completed), "", "all " + std::to_string(c.units));
  if (c.units > 0 && c.completed == 0) {
    diagnose("units-never-released",
             "none of the " + std::to_string(c.units) + " " + what + " finished: they were "
             "never released, or never given the chance to run after the release. For "
             "coroutines, gate.cancel() only queues their wake-ups: io.run() must then run them "
             "to the end. For threads, set the flag under the mutex and notify_all()");
    return false;
  }
  return true;
}

TEST(UnitCost, TenThousandCoroutinesAllWaitAtOnceAndAllFinish) {
  const auto measured = coroutines_measured(kCoroutines);
  if (coroutines_never_returned(measured)) return;
  const auto& c = *measured;
  report("coroutines", c);
  if (!all_finished(c, "coroutines", kCoroutines)) return;
  EXPECT_EQ(c.units, kCoroutines);
  EXPECT_EQ(c.completed, kCoroutines) << "every coroutine must finish after the gate opens";
  EXPECT_GT(c.during.rss_kb, 0) << "read the memory while the coroutines wait";
  EXPECT_GT(c.create_ms, 0.0);
}

TEST(UnitCost, AThousandThreadsAllWaitAtOnceAndAllFinish) {
  const auto measured = threads_measured(kThreads);
  if (threads_never_returned(measured)) return;
  const auto& t = *measured;
  report("threads", t);
  if (!all_finished(t, "threads", kThreads)) return;
  EXPECT_EQ(t.units, kThreads);
  EXPECT_EQ(t.completed, kThreads) << "every thread must finish after the release";
  EXPECT_GT(t.create_ms, 0.0);
}

TEST(UnitCost, AThreadsEightMegabytesAreVirtualAndACoroutineCostsFarLessResidentMemory) {
  const auto coroutines = coroutines_measured(kCoroutines);
  if (coroutines_never_returned(coroutines)) return;
  const auto& c = *coroutines;
  const auto outside = ch07::read_memory_status();  // the test's own reading, just before
  const auto measured = threads_measured(kThreads);
  if (threads_never_returned(measured)) return;
  const auto& t = *measured;
  report("coroutines", c);
  report("threads", t);
  const double stack_kb = default_stack_kb();
  figure("default_thread_stack_kb", stack_kb, "kB", "8192 on a default Linux");
  if (!all_finished(t, "threads", kThreads) || !all_finished(c, "coroutines", kCoroutines)) return;
  ASSERT_EQ(t.completed, kThreads);
  ASSERT_EQ(c.completed, kCoroutines);
  // `before` must be read before the first thread starts: it may not already hold their stacks.
  const double before_growth_kb = double(t.before.vsz_kb - outside.vsz_kb);
  figure("threads_before_minus_test_reading_kb", before_growth_kb, "kB", "about 0");
  figure("coroutines_rss_kb_each_seen", rss_per_unit_kb(c), "kB", ">= 0.25 (a frame each)");
  if (rss_per_unit_kb(c) < 0.25) {
    diagnose("baseline-read-late",
             "the coroutines' resident memory grew by only " + std::to_string(rss_per_unit_kb(c)) +
                 " kB each, less than one frame: `before` was read after the coroutines had "
                 "been created. Read `before` first, then co_spawn them");
    return;
  }
  if (before_growth_kb > 0.5 * stack_kb * double(kThreads)) {
    diagnose("baseline-read-late",
             "`before` already held " + std::to_string(int(before_growth_kb / 1024)) + " MB more "
                 "virtual memory than the test read just before the call: it was read after the "
                 "threads had started, so the difference measures nothing. Read `before` first, "
                 "then start the units");
    return;
  }
  if (vsz_per_unit_kb(t) < 0.5 * stack_kb) {
    diagnose("measured-too-late",
             "while the threads waited, the virtual size grew by only " +
                 std::to_string(int(vsz_per_unit_kb(t))) + " kB per thread, far below the " +
                 std::to_string(int(stack_kb)) + " kB stack each one reserves: the memory was "
                 "read when the threads were no longer there. Read it after the latch says all "
                 "wait, before releasing and joining them");
    return;
  }
  EXPECT_LE(vsz_per_unit_kb(t), 1.5 * stack_kb + 1024) << "about one stack per thread";
  EXPECT_LT(rss_per_unit_kb(t), stack_kb / 8)
      << "a waiting thread touches only a few pages of its stack: resident << virtual";
  EXPECT_LT(rss_per_unit_kb(c), rss_per_unit_kb(t) / 2)
      << "a waiting coroutine is a heap frame, much smaller than a thread's touched stack";
  EXPECT_LT(fastest_start_us(c, kCoroutines, [] { return coroutines_measured(kCoroutines).value(); }),
            fastest_start_us(t, kThreads, [] { return ch07::measure_threads(kThreads); }))
      << "starting a coroutine is a heap allocation; starting a thread is a system call";
}

}  // namespace
