// Exercise 3: a mixed workload, measured three ways in the same run.
//
// Four items, each a 150 ms request then about 80 ms of CPU (calibrated). Structure comes
// first: the server's trace says whether the requests overlapped; crunch()'s records say on
// which thread each chunk ran and whether chunks ran at the same time. Wall-clock only as
// ratios between the three versions measured one after another in this run.
#include "ex3_mixed_workload.hpp"
#include "cpu_scaling.hpp"

#include <asynclings/testkit/pool_threads.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <gtest/gtest.h>

#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using asynclings::testkit::thread_ids_of;
using asynclings::testkit::Stopwatch;
using ch07_test::fixed2;

constexpr int kItems = 4;
constexpr int kDelayMs = 150;

// Item i asks for /delay/150ms?item=i, so the trace says which request was whose. The first
// chunk is the largest: finished first, it is not (input order differs from completion order).
std::vector<ch07::MixedItem> mixed_items() {
  auto chunks = ch07_test::calibrated_chunks(80.0 * kItems, kItems, 40);
  chunks[0].samples += chunks[0].samples / 2;
  chunks[kItems - 1].samples /= 2;
  std::vector<ch07::MixedItem> items;
  for (int i = 0; i < kItems; ++i)
    items.push_back({"/delay/" + std::to_string(kDelayMs) + "ms?item=" + std::to_string(i), chunks[i]});
  return items;
}

bool results_correct(const std::vector<ch07::MixedResult>& results, const std::vector<ch07::MixedItem>& items) {
  EXPECT_EQ(results.size(), items.size());
  if (results.size() != items.size()) return false;
  std::multiset<std::uint64_t> want, got;
  bool in_order = true;
  for (std::size_t i = 0; i < items.size(); ++i) {
    want.insert(ch07::hits_in_chunk(items[i].chunk));
    got.insert(results[i].cpu.hits);
    in_order = in_order && results[i].cpu.hits == ch07::hits_in_chunk(items[i].chunk);
  }
  if (!in_order && want == got) {
    diagnose("results-in-completion-order",
             "every item's result came back, but in the order the items finished, not the order "
             "of the items: results[i] must be item i's. Collect the values of a parallel group "
             "(they come in input order) instead of appending each result as it completes");
    return false;
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(results[i].status, 200) << "item " << i;
    EXPECT_EQ(results[i].cpu.hits, ch07::hits_in_chunk(items[i].chunk)) << "item " << i << " (input order)";
  }
  return !::testing::Test::HasFailure();
}

// How many pairs of chunks computed at the same moment.
int overlapping_chunks(const std::vector<ch07::MixedResult>& results) {
  int pairs = 0;
  for (std::size_t i = 0; i < results.size(); ++i)
    for (std::size_t j = i + 1; j < results.size(); ++j)
      if (results[i].cpu.start < results[j].cpu.end && results[j].cpu.start < results[i].cpu.end) ++pairs;
  return pairs;
}

class MixedWorkload : public asynclings::testkit::ServerTest {
 protected:
  // Runs on a loop on this thread; returns the loop's thread id via `loop_thread`.
  std::vector<ch07::MixedResult> run_loop(asio::awaitable<std::vector<ch07::MixedResult>> work) {
    return run(std::move(work), std::chrono::seconds{20});
  }

  // Each item's chunk must start after that item's response arrived: fetch, then compute.
  bool fetched_before_computing(const std::vector<ch07::MixedResult>& results,
                                const std::string& who) {
    auto t = trace(kItems);
    int early = 0;
    for (int i = 0; i < kItems && i < int(results.size()); ++i) {
      const auto mine = t.with_target_prefix("/delay/" + std::to_string(kDelayMs) + "ms?item=" + std::to_string(i));
      if (mine.empty() || !mine.front().finish) continue;
      if (results[i].cpu.start < *mine.front().finish) ++early;
    }
    figure(who + "_chunks_started_before_their_response", early, "", "0");
    if (early > 0) {
      diagnose("cpu-before-io",
               who + ": " + std::to_string(early) + " of the " + std::to_string(kItems) +
                   " chunks were computed before their item's response had arrived. An item is "
                   "a request THEN its chunk: computing first keeps the loop (or the pool) busy "
                   "while no request is in flight yet, so the waits cannot overlap the "
                   "computing. co_await the request first, then compute");
      return false;
    }
    return true;
  }

  bool requests_overlapped(const std::string& who) {
    auto t = trace(kItems);
    figure(who + "_peak_in_flight", double(t.peak_in_flight()), "", std::to_string(kItems));
    if (t.peak_in_flight() < std::size_t(kItems)) {
      diagnose(diagnoses::sequential_awaits,
               who + ": at most " + std::to_string(t.peak_in_flight()) + " of the " +
                   std::to_string(kItems) + " requests were in flight together: the items ran "
                   "one after another. Start every item's coroutine at once (a parallel group) "
                   "instead of co_awaiting each item in a loop");
      return false;
    }
    return true;
  }
};

TEST_F(MixedWorkload, AsyncOverlapsTheRequestsButComputesOneChunkAtATimeOnTheLoop) {
  const auto items = mixed_items();
  const auto results = run_loop(ch07::process_async(async_client(), items));
  if (!results_correct(results, items)) return;
  if (!fetched_before_computing(results, "async")) return;
  if (!requests_overlapped("async")) return;
  const auto loop = std::this_thread::get_id();
  for (const auto& r : results) {
    EXPECT_EQ(r.cpu.thread, loop) << "process_async computes on the loop (offloading is the next function)";
  }
  EXPECT_EQ(overlapping_chunks(results), 0) << "the loop has one thread: its chunks cannot overlap";
}

TEST_F(MixedWorkload, AsyncWithOffloadingOverlapsTheRequestsAndComputesChunksInParallelOffTheLoop) {
  const auto items = mixed_items();
  asio::thread_pool pool(2);
  const auto pool_threads = thread_ids_of(pool, 2);
  const auto results = run_loop(ch07::process_async_offloaded(async_client(), pool.get_executor(), items));
  pool.join();
  if (!results_correct(results, items)) return;
  if (!fetched_before_computing(results, "offloaded")) return;
  if (!requests_overlapped("offloaded")) return;
  const auto loop = std::this_thread::get_id();
  int on_loop = 0, elsewhere = 0;
  for (const auto& r : results) {
    on_loop += r.cpu.thread == loop ? 1 : 0;
    elsewhere += r.cpu.thread != loop && !pool_threads.count(r.cpu.thread) ? 1 : 0;
  }
  figure("chunks_on_the_loop", on_loop, "", "0");
  figure("chunks_off_the_pool", elsewhere, "", "0");
  if (on_loop > 0) {
    diagnose(diagnoses::cpu_on_the_loop,
             std::to_string(on_loop) + " of the " + std::to_string(kItems) +
                 " chunks were computed on the loop's thread: co_await co_spawn(pool, "
                 "<a coroutine that returns crunch(chunk)>, use_awaitable) runs it on the pool");
    return;
  }
  if (elsewhere > 0) {
    diagnose(diagnoses::off_the_pool,
             std::to_string(elsewhere) + " of the " + std::to_string(kItems) +
                 " chunks were computed on threads that are not the given pool's (std::async, a "
                 "std::thread of your own?): the pool is what bounds the computing, and a thread "
                 "you start yourself can only be waited for by blocking or polling the loop. "
                 "co_await co_spawn(pool, <a coroutine that returns crunch(chunk)>, "
                 "use_awaitable)");
    return;
  }
  const int pairs = overlapping_chunks(results);
  figure("overlapping_chunk_pairs", pairs, "", ">= 1");
  if (pairs == 0) {
    diagnose("waited-for-the-pool-on-the-loop",
             "the chunks ran on the pool, but never two at a time although the pool has two "
             "threads: the loop's thread waited for each chunk (a future's .get(), a blocking "
             "wait) instead of suspending, so the next item could not hand its chunk over. "
             "co_await co_spawn(pool, …, use_awaitable) suspends only this item");
  }
}

TEST_F(MixedWorkload, NoItemsGiveNoResultsAtOnceInBothVersions) {
  asio::thread_pool pool(2);
  for (int offloaded = 0; offloaded < 2; ++offloaded) {
    std::vector<ch07::MixedResult> results;
    try {
      results = offloaded ? run(ch07::process_async_offloaded(async_client(), pool.get_executor(), {}),
                                std::chrono::seconds{2})
                          : run(ch07::process_async(async_client(), {}), std::chrono::seconds{2});
    } catch (const std::runtime_error& e) {
      diagnose(diagnoses::empty_group_hangs,
               std::string(offloaded ? "process_async_offloaded" : "process_async") +
                   " with no items never finished (" + e.what() + "): a parallel group of no "
                   "operations never completes in Asio 1.81. Return an empty vector at once "
                   "when there are no items");
      pool.join();
      return;
    }
    EXPECT_TRUE(results.empty());
  }
  pool.join();
  EXPECT_EQ(trace_now().size(), 0u);
}

TEST_F(MixedWorkload, OffloadingBeatsSequentialAndAsyncAloneAsInTheCourseTableMeasuredInTheSameRun) {
  const auto items = mixed_items();
  // Wall-clock comparisons between runs made one after another are at the mercy of the
  // machine's load; the structure (overlap, threads) is asserted by the two tests above. Here
  // only what overlapping three of the four 150 ms waits guarantees: offloaded beats
  // sequential. A burst of load from elsewhere during one run is not the code's doing, so up
  // to three rounds are measured and one win is enough; code that is slower every time is
  // not. The other ratios are figures.
  constexpr int kRounds = 3;
  double offloaded_ms = 0, async_ms = 0, sequential_ms = 0, cpu_ms = 0;
  for (int round = 0; round < kRounds; ++round) {
    asio::thread_pool pool(2);
    Stopwatch watch;
    const auto offloaded = run_loop(ch07::process_async_offloaded(async_client(), pool.get_executor(), items));
    offloaded_ms = watch.elapsed_ms();
    if (!results_correct(offloaded, items)) return;
    watch.restart();
    const auto async_only = run_loop(ch07::process_async(async_client(), items));
    async_ms = watch.elapsed_ms();
    watch.restart();
    const auto sequential = ch07::process_sequential(blocking_client(), items);
    sequential_ms = watch.elapsed_ms();
    pool.join();
    cpu_ms = 0;
    for (const auto& r : sequential) cpu_ms += std::chrono::duration<double, std::milli>(r.cpu.end - r.cpu.start).count();
    if (offloaded_ms < sequential_ms) break;
  }
  figure("sequential_ms", sequential_ms, "ms", "about 4 x (150 + 80)");
  figure("async_ms", async_ms, "ms", "about 150 + 4 x 80");
  figure("async_offloaded_ms", offloaded_ms, "ms", "about 150 + 2 x 80 on two free cores");
  figure("sequential_over_offloaded", sequential_ms / offloaded_ms, "x", "> 1 (about 2.3 on two free cores)");
  figure("async_over_offloaded", async_ms / offloaded_ms, "x", "about 1.5 on two free cores (not asserted)");
  std::printf("[ ch07 ] 4 items of 150 ms I/O + %.0f ms CPU: sequential %.0f ms | async %.0f ms | async + pool %.0f ms\n",
              cpu_ms / kItems, sequential_ms, async_ms, offloaded_ms);
  EXPECT_LT(offloaded_ms, sequential_ms)
      << "the requests overlap, so async + pool must beat the sequential version (in one of " << kRounds
      << " rounds)";
}

}  // namespace
