// Exercise 1: CPU-bound work on threads, with and without a simulated GIL.
//
// Correctness first: for fixed seeds the number of hits is fixed, so every thread count must
// give exactly the sequential total. Then scaling, judged by CPU-seconds per wall-second of
// the run (see cpu_scaling.hpp): two threads on two cores reach >= 1.6, the simulated GIL
// stays near 1. The work is calibrated to about 300 ms of CPU per run.
#include "ex1_cpu_threads.hpp"
#include "cpu_scaling.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace {

using asynclings::testkit::diagnose;
using asynclings::testkit::figure;
using ch07_test::fixed2;

std::string judge_total(std::uint64_t got, std::uint64_t expected, const std::string& how) {
  if (got == expected) return {};
  if (got < expected) {
    diagnose("data-race",
             how + " counted " + std::to_string(got) + " hits where the sequential count is " +
                 std::to_string(expected) + ": " + std::to_string(expected - got) +
                 " increments were lost. Several threads updated one shared counter without "
                 "synchronisation (a data race): give each thread its own counter and add them "
                 "up after join()");
  } else {
    diagnose("wrong-total", how + " counted " + std::to_string(got) + " hits, more than the " +
                                std::to_string(expected) +
                                " of the sequential count: a chunk was counted twice (each "
                                "chunk belongs to exactly one thread)");
  }
  return "wrong";
}

// Enough chunks and samples that a racy ++counter loses updates on every run: millions of
// increments from threads running at the same time.
std::vector<ch07::Chunk> correctness_chunks() {
  std::vector<ch07::Chunk> chunks;
  for (std::uint64_t seed = 11; seed < 19; ++seed) chunks.push_back({seed, 250'000 + seed * 1'000});
  return chunks;
}

TEST(CountHitsThreads, GivesExactlyTheSequentialTotalForAnyNumberOfThreads) {
  const auto chunks = correctness_chunks();
  const auto expected = ch07::count_hits_sequential(chunks);
  for (unsigned threads : {2u, 3u, 1u, 4u, 11u}) {
    const auto got = ch07::count_hits_threads(chunks, threads);
    if (!judge_total(got, expected, std::to_string(threads) + " threads").empty()) return;
  }
  // A race loses updates when two threads run at the same moment, or when a thread is
  // preempted between reading and writing the counter. A machine busy with other programs
  // makes the first rarer: repeat for a while (with more threads than cores every other
  // time, for more preemptions), so that a racy counter is caught on every run of this test.
  asynclings::testkit::Stopwatch watch;
  int repeats = 0;
  for (; repeats < 30 && watch.elapsed_ms() < 1500; ++repeats) {
    const unsigned threads = repeats % 2 == 0 ? 2u : 8u;  // more threads, more preemptions
    const auto got = ch07::count_hits_threads(chunks, threads);
    if (!judge_total(got, expected, std::to_string(threads) + " threads (repeat " + std::to_string(repeats + 1) + ")").empty()) return;
  }
  figure("repeats", repeats, "", "up to 30 within 1.5 s");
  const double pi = ch07::estimate_pi(expected, ch07::total_samples(chunks));
  figure("pi_estimate", pi, "", "about 3.14");
  EXPECT_NEAR(pi, 3.1416, 0.01);
}

TEST(CountHitsThreads, GivesTheSameTotalUnderTheSimulatedGil) {
  const auto chunks = correctness_chunks();
  const auto expected = ch07::count_hits_sequential(chunks);
  for (unsigned threads : {2u, 3u}) {
    const auto got = ch07::count_hits_threads(chunks, threads, ch07::Gil::simulated);
    if (!judge_total(got, expected, std::to_string(threads) + " threads under the simulated GIL").empty()) return;
  }
  EXPECT_EQ(ch07::count_hits_threads({}, 2), 0u) << "no chunks, no hits";
}

TEST(CountHitsThreads, TwoThreadsKeepTwoCoresBusyAtLeastOnePointSixCpuSecondsPerSecond) {
  // Run the student's code once before anything else, so a stub fails here on any machine.
  const auto small = std::vector<ch07::Chunk>{{5, 1000}, {6, 1000}};
  ASSERT_EQ(ch07::count_hits_threads(small, 2), ch07::count_hits_sequential(small));
  if (std::thread::hardware_concurrency() < 2) {
    GTEST_SKIP() << "this machine has " << std::thread::hardware_concurrency()
                 << " core: two threads cannot run at the same time, so there is no scaling "
                    "to measure (the correctness tests still ran)";
  }
  const auto chunks = ch07_test::calibrated_chunks(300, 8);
  const auto expected = ch07::count_hits_sequential(chunks);
  const auto sequential = ch07_test::measure([&] { ch07::count_hits_sequential(chunks); });
  std::uint64_t got = 0;
  const auto s = ch07_test::judge_scaling([&] { got = ch07::count_hits_threads(chunks, 2); }, chunks);
  figure("sequential_cpu_per_wall", sequential.ratio(), "cpu-s/s", "about 1");
  figure("threads_cpu_per_wall", s.best, "cpu-s/s", ">= 1.6 (or >= 75% of the reference when the machine is loaded)");
  figure("threads_wall_ms", s.best_run.wall_ms, "ms", "about half the sequential");
  figure("sequential_wall_ms", sequential.wall_ms, "ms", "calibrated to about 300");
  if (s.reference > 0) figure("reference_threads_cpu_per_wall", s.reference, "cpu-s/s", "what this machine gives two threads now");
  if (judge_total(got, expected, "2 threads") != "") return;
  if (s.verdict == ch07_test::Verdict::busy_machine) {
    GTEST_SKIP() << "the machine is too busy to show parallelism right now: the test's own "
                    "two-thread reference reached only "
                 << fixed2(s.reference) << " CPU-seconds per second (yours: " << fixed2(s.best)
                 << "). Run it again on a quieter machine.";
  }
  if (s.verdict == ch07_test::Verdict::did_not_scale) {
    diagnose("no-parallelism",
             "two threads used only " + fixed2(s.best) + " CPU-seconds per wall-second (a "
             "reference two-thread run reached " + fixed2(s.reference) + " just now): the "
             "threads took turns. Is a lock held while computing (a GIL of your own), or is "
             "each thread joined right after it starts? Compute without any lock, into a "
             "counter of each thread's own");
  }
}

TEST(CountHitsThreads, UnderTheSimulatedGilOnlyOneThreadComputesAtATime) {
  const auto chunks = ch07_test::calibrated_chunks(300, 8);
  const auto expected = ch07::count_hits_sequential(chunks);
  std::uint64_t got = 0;
  const auto gil = ch07_test::measure([&] { got = ch07::count_hits_threads(chunks, 2, ch07::Gil::simulated); });
  figure("simulated_gil_cpu_per_wall", gil.ratio(), "cpu-s/s", "<= 1.25 (one thread at a time)");
  figure("simulated_gil_wall_ms", gil.wall_ms, "ms", "about the sequential time");
  if (judge_total(got, expected, "2 threads under the simulated GIL") != "") return;
  if (gil.ratio() > 1.25) {
    diagnose("gil-not-held",
             "under Gil::simulated two threads used " + fixed2(gil.ratio()) +
                 " CPU-seconds per wall-second: they computed at the same time. Hold "
                 "std::lock_guard(simulated_gil()) around each hits_in_chunk call");
  }
}

}  // namespace
