// Exercise 1: CPU-bound work on threads, with and without a simulated GIL.
//
// Correctness first: for fixed seeds the number of hits is fixed, so every thread count must
// give exactly the sequential total. Then scaling, judged by CPU-seconds per wall-second of
// the run (see cpu_scaling.hpp): two threads on two cores reach >= 1.6, the simulated GIL
// stays near 1. The work is calibrated to about 300 ms of CPU per run.
//
// Scaling needs a free core, so its test skips on a saturated machine. Every mistake is also
// caught without one: the "napping" tests make each chunk sleep 30 ms at its start
// (tests/chunk_watch.hpp) and look at the structure — which chunks were computed and how
// often, how many were in progress at once, how many threads ran at once, whether every
// thread had exited when the function returned. Sleeping threads overlap on any machine.
#include "ex1_cpu_threads.hpp"
#include "chunk_watch.hpp"
#include "cpu_scaling.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;
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

constexpr auto kNap = std::chrono::milliseconds{30};

// Small chunks with distinct seeds: with a nap each, computing them is all sleeping.
std::vector<ch07::Chunk> napping_chunks(std::size_t n) {
  std::vector<ch07::Chunk> chunks;
  for (std::uint64_t i = 0; i < n; ++i) chunks.push_back({500 + i, 2'000});
  return chunks;
}

// Each chunk computed exactly once: lost or repeated chunks first, before any total.
bool every_chunk_once(const ch07_test::ChunkWatch& watch, const std::vector<ch07::Chunk>& chunks,
                      const std::string& how) {
  const auto computed = watch.computed();
  std::size_t missing = 0, repeated = 0;
  for (const auto& c : chunks) {
    const auto it = computed.find(c.seed);
    if (it == computed.end()) ++missing;
    else if (it->second > 1) ++repeated;
  }
  figure("chunks_never_computed", double(missing), "", "0");
  figure("chunks_computed_twice", double(repeated), "", "0");
  if (missing > 0) {
    diagnose("chunks-skipped",
             how + ": " + std::to_string(missing) + " of the " + std::to_string(chunks.size()) +
                 " chunks were never computed. When the chunks do not divide evenly among the "
                 "threads, the last ones are easily forgotten: give thread t the chunks t, "
                 "t + threads, t + 2*threads, … up to the end");
    return false;
  }
  if (repeated > 0) {
    diagnose("chunk-counted-twice",
             how + ": " + std::to_string(repeated) + " chunks were computed more than once: "
                 "each chunk belongs to exactly one thread (thread t takes t, t + threads, …)");
    return false;
  }
  return true;
}

// Every thread the call started must have exited by the time it returned.
bool threads_all_finished(ch07_test::ChunkWatch& watch, const std::string& how) {
  const auto started = watch.worker_threads();
  const auto exited = watch.threads_exited();
  figure("threads_still_running_at_return", double(started - exited), "", "0");
  if (exited < started) {
    watch.wait_for_exits();
    diagnose("threads-left-running",
             how + ": " + std::to_string(started - exited) + " of the " + std::to_string(started) +
                 " threads were still running when count_hits_threads returned: they were "
                 "detached (or never joined). A detached thread cannot be waited for; keep the "
                 "std::jthreads in a vector that goes out of scope (joining them) before you "
                 "add up and return");
    return false;
  }
  return true;
}

TEST(CountHitsThreads, RefusesZeroThreadsWithInvalidArgument) {
  const auto chunks = napping_chunks(3);
  try {
    const auto got = ch07::count_hits_threads(chunks, 0);
    diagnose(diagnoses::zero_threads_accepted,
             "count_hits_threads(chunks, 0) returned " + std::to_string(got) +
                 " instead of refusing: no thread can compute anything, so an answer is a lie. "
                 "Throw std::invalid_argument when threads == 0, before starting anything");
  } catch (const std::invalid_argument&) {
  }
}

TEST(CountHitsThreads, ComputesEveryChunkExactlyOnceForAnyNumberOfThreads) {
  const auto chunks = napping_chunks(7);  // 7 divides by none of 2, 3, 4
  const auto expected = ch07::count_hits_sequential(chunks);
  for (unsigned threads : {2u, 3u, 4u, 1u, 9u}) {
    ch07_test::Watching watch;
    const auto got = ch07::count_hits_threads(chunks, threads);
    const std::string how = std::to_string(threads) + " threads on 7 chunks";
    if (!every_chunk_once(*watch, chunks, how)) return;
    if (!judge_total(got, expected, how).empty()) return;
  }
}

// The structure of a run of `threads` threads on napping chunks, judged in the order of the
// mistakes: threads left running, too many threads, threads that never ran at once, chunks
// that never ran at once.
void judge_parallel_structure(unsigned threads, std::size_t chunk_count) {
  const auto chunks = napping_chunks(chunk_count);
  const auto expected = ch07::count_hits_sequential(chunks);
  const std::string how = std::to_string(threads) + " threads on " + std::to_string(chunk_count) +
                          " chunks of " + std::to_string(kNap.count()) + " ms each";
  ch07_test::Watching watch(kNap, std::chrono::milliseconds{20});
  asynclings::testkit::Stopwatch clock;
  const auto got = ch07::count_hits_threads(chunks, threads);
  figure("wall_ms", clock.elapsed_ms(), "ms",
         "about " + std::to_string(kNap.count() * ((chunk_count + threads - 1) / threads)));
  if (!threads_all_finished(*watch, how)) return;
  if (!every_chunk_once(*watch, chunks, how)) return;
  if (!judge_total(got, expected, how).empty()) return;
  const std::size_t want = std::min<std::size_t>(threads, chunk_count);
  const std::size_t used = watch->worker_threads() + (watch->caller_computed() ? 1 : 0);
  figure("threads_that_computed", double(used), "", "<= " + std::to_string(threads));
  figure("peak_threads_alive", double(watch->peak_live_threads()), "", std::to_string(want));
  figure("peak_chunks_in_progress", double(watch->peak_in_progress()), "", std::to_string(want));
  if (used > threads) {
    diagnose("thread-count-ignored",
             how + ": " + std::to_string(used) + " threads computed chunks, more than the " +
                 std::to_string(threads) + " asked for. `threads` is the number of threads to "
                 "start (not one per chunk, not hardware_concurrency()): share the chunks out "
                 "among exactly that many");
    return;
  }
  if (watch->peak_in_progress() < want) {
    if (watch->peak_live_threads() <= 1) {
      diagnose("threads-joined-one-by-one",
               how + ": never more than one thread existed at a time — each thread was joined "
                   "right after it was started (a join() in the start loop, or a temporary "
                   "std::jthread that joins at the end of its statement). Start them all, "
                   "keep them in a vector, and join after the loop");
    } else {
      diagnose("no-parallelism",
               how + ": " + std::to_string(watch->peak_live_threads()) + " threads were alive "
                   "together, yet no more than " + std::to_string(watch->peak_in_progress()) +
                   " chunk was in progress at a time: the threads took turns. Is a lock held "
                   "while computing (a GIL of your own)? Compute without any lock, into a "
                   "counter of each thread's own");
    }
    return;
  }
  EXPECT_EQ(watch->peak_in_progress(), want);
}

TEST(CountHitsThreads, TwoThreadsComputeTwoChunksAtOnceAndAllHaveExitedWhenItReturns) {
  judge_parallel_structure(2, 8);
}

TEST(CountHitsThreads, FourThreadsComputeFourChunksAtOnceAndSurplusThreadsComputeEveryChunkAtOnce) {
  judge_parallel_structure(4, 8);
  if (::testing::Test::HasFailure()) return;
  judge_parallel_structure(5, 3);  // more threads than chunks: every chunk still at once
}

TEST(CountHitsThreads, UnderTheSimulatedGilNeverTwoChunksAtOnceOnAnyMachine) {
  const auto chunks = napping_chunks(6);
  const auto expected = ch07::count_hits_sequential(chunks);
  ch07_test::Watching watch(kNap, std::chrono::milliseconds{20});
  const auto got = ch07::count_hits_threads(chunks, 2, ch07::Gil::simulated);
  const std::string how = "2 threads under the simulated GIL";
  if (!threads_all_finished(*watch, how)) return;
  if (!every_chunk_once(*watch, chunks, how)) return;
  if (!judge_total(got, expected, how).empty()) return;
  figure("peak_chunks_in_progress", double(watch->peak_in_progress()), "", "1");
  if (watch->peak_in_progress() > 1) {
    diagnose("gil-not-held",
             "under Gil::simulated " + std::to_string(watch->peak_in_progress()) +
                 " chunks were computed at the same moment: hold "
                 "std::lock_guard(simulated_gil()) around each hits_in_chunk call");
  }
}

TEST(CountHitsThreads, GivesExactlyTheSequentialTotalForAnyNumberOfThreads) {
  const auto chunks = correctness_chunks();
  const auto expected = ch07::count_hits_sequential(chunks);
  for (unsigned threads : {2u, 3u, 1u, 4u, 11u}) {
    ch07_test::Watching watch;
    const auto got = ch07::count_hits_threads(chunks, threads);
    if (!every_chunk_once(*watch, chunks, std::to_string(threads) + " threads")) return;
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
    ch07_test::Watching watch;
    const auto got = ch07::count_hits_threads(chunks, threads, ch07::Gil::simulated);
    if (!every_chunk_once(*watch, chunks, std::to_string(threads) + " threads under the simulated GIL")) return;
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
