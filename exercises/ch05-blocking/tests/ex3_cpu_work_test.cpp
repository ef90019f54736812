// Exercise 3: CPU-heavy work inside an async program, with the loop kept responsive.
//
// The heavy tests count primes below an n calibrated once per run, so that counting takes
// about 200 ms on this machine as it is now (the debug build, the load of the moment). The
// lag bound is relative to the time the counting actually took in the test: the probe's max
// lag must stay under half of it (at least 40 ms). Counting on the loop's thread makes the
// lag about all of it.
#include "ex3_cpu_work.hpp"
#include "loop_lag_probe.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <exception>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

#include <pthread.h>

namespace {

namespace asio = boost::asio;
using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using asynclings::testkit::Stopwatch;
using asynclings::testkit::tolerant_ms;

std::string ms(double v) { return std::to_string(int(v)); }

// An n for which count_primes(0, n) takes about 200 ms: grow n until counting takes ~30 ms,
// take the fastest of three timings there (a preempted timing only reads slower), and scale
// (the cost grows about as n^1.5 for trial division).
std::uint64_t heavy_n() {
  static const std::uint64_t n = [] {
    auto time_it = [](std::uint64_t k) {
      Stopwatch watch;
      volatile auto sink = ch05::count_primes(0, k);
      (void)sink;
      return watch.elapsed_ms();
    };
    std::uint64_t k = 20'000;
    double took = time_it(k);
    while (took < 30.0 && k < (std::uint64_t{1} << 28)) {
      k *= 2;
      took = time_it(k);
    }
    took = std::min({took, time_it(k), time_it(k)});
    return std::uint64_t(double(k) * std::pow(200.0 / std::max(took, 1.0), 2.0 / 3.0));
  }();
  return n;
}

// The expected count, worked out directly (off the clock).
std::uint64_t expected_count(std::uint64_t n) {
  static std::uint64_t cached_n = 0, cached = 0;
  if (cached_n != n) {
    cached = ch05::count_primes(0, n);
    cached_n = n;
  }
  return cached;
}

// Judges the probe's figures for a heavy run: true when the loop stayed responsive.
bool loop_stayed_responsive(const ch05_test::Probed<std::uint64_t>& run, const std::string& who) {
  // Half the counting time; never under 40 ms, so scheduling noise on a loaded machine
  // cannot fail a loop that really was free (blocked, the lag is the whole counting time).
  const double bound = std::max(run.wall_ms / 2, 40.0);
  figure("counting_ms", run.wall_ms, "ms", "about 200 (calibrated)");
  figure("max_loop_lag_ms", run.max_lag_ms, "ms", "< " + ms(bound) + " (half the counting, at least 40)");
  figure("probe_ticks", double(run.ticks), "ticks", ">= 3");
  if (run.max_lag_ms >= bound) {
    diagnose(diagnoses::cpu_on_the_loop,
             "the loop was blocked for " + ms(run.max_lag_ms) + " ms of the " + ms(run.wall_ms) +
                 " ms the counting took: " + who +
                 " computed on the loop's own thread without giving the loop a turn. A "
                 "coroutine is not a thread: offload the computation to the pool, or cut it "
                 "into chunks and co_await asio::post(loop, use_awaitable) between them");
    return false;
  }
  EXPECT_GE(run.ticks, 3u) << "the probe should tick all through the counting";
  return true;
}

// CPU time, in ms, of a clock (a thread's or the process's).
double cpu_ms(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

// The CPU clock of the only thread of a one-thread pool.
clockid_t cpu_clock_of_the_thread_of(asio::thread_pool& pool) {
  std::promise<clockid_t> clock;
  asio::post(pool, [&clock] {
    clockid_t id{};
    pthread_getcpuclockid(pthread_self(), &id);
    clock.set_value(id);
  });
  return clock.get_future().get();
}

TEST(CountPrimesOffloaded, GivesTheSameCountAsCountingDirectly) {
  asio::thread_pool pool(2);
  const auto run = ch05_test::run_probed(ch05::count_primes_offloaded(pool.get_executor(), 10'000));
  const auto small = ch05_test::run_probed(ch05::count_primes_offloaded(pool.get_executor(), 2));
  pool.join();
  EXPECT_EQ(run.value, 1229u) << "there are 1229 primes below 10,000";
  EXPECT_EQ(small.value, 0u) << "there is no prime below 2";
}

TEST(CountPrimesOffloaded, KeepsTheLoopTickingWhileItCounts) {
  const auto n = heavy_n();
  const auto expected = expected_count(n);
  asio::thread_pool pool(1);
  // Whose CPU did the counting: the pool's one thread, or a thread of the student's own
  // (std::async, a std::thread, a static pool)? A ratio of CPU times, whatever the load.
  const clockid_t pool_clock = cpu_clock_of_the_thread_of(pool);
  const double pool_before = cpu_ms(pool_clock), process_before = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
  const auto run = ch05_test::run_probed(ch05::count_primes_offloaded(pool.get_executor(), n));
  const double pool_used = cpu_ms(pool_clock) - pool_before;
  const double process_used = cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - process_before;
  pool.join();
  figure("n", double(n), "", "calibrated");
  figure("pool_share_of_cpu", pool_used / std::max(process_used, 1.0), "", "≈ 1 (the pool counted)");
  if (!loop_stayed_responsive(run, "count_primes_offloaded")) return;
  EXPECT_EQ(run.value, expected);
  if (pool_used < 0.5 * process_used) {
    diagnose(diagnoses::off_the_pool,
             "the pool's thread used " + ms(pool_used) + " ms of CPU while the counting took " +
                 ms(process_used) + " ms in all: count_primes ran on a thread that is not the "
                 "given pool's (std::async, a std::thread, a pool of your own). Offload onto the "
                 "pool you are given: co_await co_spawn(pool, job, use_awaitable)");
  }
}

TEST(CountPrimesOffloaded, ResumesTheCallerOnTheLoopThread) {
  asio::thread_pool pool(2);
  auto work = [](asio::thread_pool::executor_type p) -> asio::awaitable<int> {
    const auto loop = std::this_thread::get_id();
    const auto n = co_await ch05::count_primes_offloaded(p, 10'000);
    co_return (std::this_thread::get_id() == loop ? 1 : 0) + (n == 1229u ? 2 : 0);
  };
  const auto run = ch05_test::run_probed(work(pool.get_executor()));
  pool.join();
  if ((run.value & 1) == 0) {
    diagnose(diagnoses::wrong_thread,
             "the code after co_await count_primes_offloaded(...) ran on a pool thread, not on "
             "the loop's: the coroutine hopped to the pool and stayed there. co_await "
             "co_spawn(pool, job, use_awaitable) brings the caller back to its own executor");
    return;
  }
  EXPECT_EQ(run.value & 2, 2) << "there are 1229 primes below 10,000";
}

TEST(CountPrimesInChunks, RefusesAChunkOfZero) {
  // Whatever n is: a chunk of 0 is a wrong argument even when there is nothing to count.
  for (const std::uint64_t n : {std::uint64_t{1'000}, std::uint64_t{0}}) {
    const std::string call = "count_primes_in_chunks(" + std::to_string(n) + ", 0)";
    try {
      const auto run = ch05_test::run_probed(ch05::count_primes_in_chunks(n, 0),
                                             std::chrono::milliseconds{5}, std::chrono::milliseconds{1000});
      diagnose("zero-chunk-accepted",
               call + " returned " + std::to_string(run.value) +
                   " instead of refusing: chunks of 0 numbers never get anywhere. Check the "
                   "arguments first — throw std::invalid_argument when chunk == 0, whatever n is");
      return;
    } catch (const std::invalid_argument&) {
    } catch (const std::runtime_error& e) {
      diagnose("zero-chunk-accepted",
               call + " never finished (" + e.what() +
                   "): with chunks of 0 numbers the loop never advances. Throw "
                   "std::invalid_argument when chunk == 0");
      return;
    }
  }
}

// A coroutine beside the counting re-queues itself and counts its turns: the loop runs queued
// handlers in order, so it gets a turn each time the counting yields — one per chunk when
// count_primes_in_chunks yields after every chunk, whatever the machine's speed or load.
TEST(CountPrimesInChunks, GivesTheLoopATurnAfterEveryChunk) {
  constexpr std::uint64_t n = 20'000, chunk = 400, chunks = n / chunk;
  asio::io_context io;
  bool done = false;
  std::size_t turns = 0;
  std::uint64_t value = 0;
  std::exception_ptr failure;
  auto count = [&]() -> asio::awaitable<void> {
    value = co_await ch05::count_primes_in_chunks(n, chunk);
    done = true;
  };
  auto turn_counter = [&]() -> asio::awaitable<void> {
    while (!done) {
      ++turns;
      co_await asio::post(io, asio::use_awaitable);
    }
  };
  asio::co_spawn(io, count(), [&](std::exception_ptr e) {
    failure = e;
    done = true;
  });
  asio::co_spawn(io, turn_counter(), [](std::exception_ptr) {});
  io.run_for(std::chrono::milliseconds(long(tolerant_ms(10'000))));
  if (failure) std::rethrow_exception(failure);
  figure("loop_turns", double(turns), "", ">= " + std::to_string(chunks - 5) + " (one per chunk)");
  ASSERT_TRUE(done) << "count_primes_in_chunks(20000, 400) did not finish";
  EXPECT_EQ(value, 2262u) << "there are 2262 primes below 20,000";
  if (turns < chunks - 5) {
    diagnose("chunks-without-a-turn",
             "in " + std::to_string(chunks) + " chunks, the loop got only " + std::to_string(turns) +
                 " turns: count_primes_in_chunks yielded only now and then. Yield after every "
                 "chunk (co_await asio::post(loop, use_awaitable)) — a chunk is the longest the "
                 "loop may wait");
  }
}

TEST(CountPrimesInChunks, GivesTheSameCountForAnyChunkSize) {
  auto counts = [](std::uint64_t n, std::uint64_t chunk) {
    return ch05_test::run_probed(ch05::count_primes_in_chunks(n, chunk)).value;
  };
  const auto uneven = counts(10'008, 1'000);
  if (counts(10'000, 1'000) == 1229u && uneven == 1229u) {
    diagnose("last-chunk-lost",
             "with chunks that divide n the count is right, but counting below 10,008 in chunks "
             "of 1,000 missed the prime 10,007: the last, shorter chunk was dropped. Loop while "
             "from < n and end each chunk at std::min(n, from + chunk)");
    return;
  }
  EXPECT_EQ(counts(10'000, 1'000), 1229u) << "chunks that divide n";
  EXPECT_EQ(counts(10'007, 1'000), 1229u) << "a last, shorter chunk (10,007 is prime but not below n)";
  EXPECT_EQ(counts(10'008, 1'000), 1230u) << "a last chunk that ends just after the prime 10,007";
  EXPECT_EQ(counts(10'000, 50'000), 1229u) << "one chunk bigger than n";
  EXPECT_EQ(counts(0, 100), 0u) << "nothing to count";
}

TEST(CountPrimesInChunks, KeepsTheLoopTickingWhileItCounts) {
  const auto n = heavy_n();
  const auto expected = expected_count(n);
  const auto run = ch05_test::run_probed(ch05::count_primes_in_chunks(n, n / 50 + 1));
  figure("n", double(n), "", "calibrated");
  figure("chunks", 50, "", "50");
  if (!loop_stayed_responsive(run, "count_primes_in_chunks")) return;
  EXPECT_EQ(run.value, expected);
}

}  // namespace
