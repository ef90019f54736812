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

#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>

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
  const auto run = ch05_test::run_probed(ch05::count_primes_offloaded(pool.get_executor(), n));
  pool.join();
  figure("n", double(n), "", "calibrated");
  if (!loop_stayed_responsive(run, "count_primes_offloaded")) return;
  EXPECT_EQ(run.value, expected);
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
  try {
    const auto run = ch05_test::run_probed(ch05::count_primes_in_chunks(1'000, 0),
                                           std::chrono::milliseconds{5}, std::chrono::milliseconds{1000});
    diagnose("zero-chunk-accepted",
             "count_primes_in_chunks(1000, 0) returned " + std::to_string(run.value) +
                 " instead of refusing: chunks of 0 numbers never get anywhere. Throw "
                 "std::invalid_argument when chunk == 0");
  } catch (const std::invalid_argument&) {
  } catch (const std::runtime_error& e) {
    diagnose("zero-chunk-accepted",
             std::string("count_primes_in_chunks(1000, 0) never finished (") + e.what() +
                 "): with chunks of 0 numbers the loop never advances. Throw "
                 "std::invalid_argument when chunk == 0");
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
