// Exercise 2: a process pool over pipes, with the bundled worker (support/worker.cpp).
//
// Every test passes its workers a unique tag and, at the end, looks for any process carrying
// it (tests/worker_processes.hpp): none may survive — neither a worker nor the helper each
// worker starts. The fixture kills whatever is left, so a failing test leaves nothing behind.
//
// Whether the workers really run at the same time is judged twice: by CPU-seconds per
// wall-second (needs a free core, skips on a saturated machine), and without any free core
// by workers that nap 40 ms per job and log when each job ran (support/worker.cpp
// --nap-ms/--log): on any machine, a pool of 2 has 2 jobs in progress at once.
#include "ex2_process_pool.hpp"
#include "cpu_scaling.hpp"
#include "worker_processes.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using ch07_test::fixed2;

constexpr std::size_t kPoolSize = 2;

class ProcessPool : public ::testing::Test {
 protected:
  void SetUp() override {
    std::signal(SIGPIPE, SIG_IGN);  // a write to a dead worker's pipe must fail, not kill us
    tag_ = ch07_test::unique_worker_tag();
  }
  void TearDown() override {
    ch07_test::kill_tagged(tag_);
    std::remove(log_path().c_str());
  }

  ch07::WorkerCommand worker() const { return {ASYNCLINGS_WORKER_PATH, {tag_}}; }
  // Workers that nap `nap_ms` per job and log each job's pid, start and end.
  ch07::WorkerCommand napping_worker(int nap_ms) const {
    return {ASYNCLINGS_WORKER_PATH,
            {tag_, "--nap-ms=" + std::to_string(nap_ms), "--log=" + log_path()}};
  }
  std::string log_path() const {
    // $TMPDIR when set: a graded run may write only in its own folder (docs/grading-integrity.md).
    return (std::filesystem::temp_directory_path() /
            ("asynclings-ch07-" + tag_.substr(tag_.find('=') + 1) + ".log"))
        .string();
  }
  struct Job {
    int pid = 0;
    long long start_ns = 0, end_ns = 0;
  };
  std::vector<Job> logged_jobs() const {
    std::vector<Job> jobs;
    std::ifstream in(log_path());
    Job j;
    while (in >> j.pid >> j.start_ns >> j.end_ns) jobs.push_back(j);
    return jobs;
  }

  template <typename T>
  T run(asio::awaitable<T> work, std::chrono::seconds limit = std::chrono::seconds{30}) {
    asio::io_context io;
    auto result = asio::co_spawn(io, std::move(work), asio::use_future);
    io.run_for(limit);
    if (result.wait_for(std::chrono::seconds{0}) != std::future_status::ready) {
      throw std::runtime_error("the pool did not finish within " + std::to_string(limit.count()) + " s");
    }
    return result.get();
  }

  // Records a diagnosis when any tagged process is still alive; true when none is.
  bool no_survivors(const std::string& when) {
    const auto left = ch07_test::survivors(tag_);
    figure("surviving_processes", double(left.size()), "", "0");
    if (left.empty()) return true;
    diagnose("orphaned-workers",
             std::to_string(left.size()) + " process(es) were still running " + when + ": " +
                 ch07_test::describe(left) +
                 ". Killing a worker (what destroying a bp2::process does) does not kill the "
                 "processes it started. Start each worker in its own process group "
                 "(NewProcessGroup) and kill the whole group, ::kill(-pid, SIGKILL), whenever "
                 "the pool is done with a worker — and never detach() one");
    return false;
  }

  std::string tag_;
};

std::vector<ch07::Chunk> small_chunks(std::size_t n) {
  std::vector<ch07::Chunk> chunks;
  for (std::size_t i = 0; i < n; ++i) chunks.push_back({100 + i, 20'000 + i * 100});
  return chunks;
}

bool judge_pool_shape(const std::vector<ch07::ItemResult>& results, std::size_t items) {
  std::set<int> pids;
  for (const auto& r : results) {
    if (r.worker_pid != 0) pids.insert(r.worker_pid);
  }
  figure("distinct_worker_pids", double(pids.size()), "", "<= " + std::to_string(kPoolSize));
  if (pids.size() > kPoolSize) {
    diagnose("process-per-item",
             std::to_string(items) + " items ran in " + std::to_string(pids.size()) +
                 " different worker processes with a pool of " + std::to_string(kPoolSize) +
                 ": a process was started per item. Start pool_size workers once and give each "
                 "one item after another over its pipes");
    return false;
  }
  for (const auto& r : results) {
    if (r.worker_pid != 0 && r.worker_pgid != r.worker_pid) {
      diagnose("not-own-process-group",
               "worker " + std::to_string(r.worker_pid) + " ran in process group " +
                   std::to_string(r.worker_pgid) +
                   ", not one of its own: pass NewProcessGroup{} to the bp2::process "
                   "constructor, so ::kill(-pid, SIGKILL) can end the worker and its children");
      return false;
    }
  }
  return true;
}

TEST_F(ProcessPool, GivesEachChunkTheSequentialResultInInputOrder) {
  auto chunks = small_chunks(9);
  chunks[0].samples = 3'000'000;  // the first answer comes last: completion order != input order
  const auto results = run(ch07::map_in_process_pool(worker(), chunks, kPoolSize));
  ASSERT_EQ(results.size(), chunks.size());
  std::multiset<std::uint64_t> want, got;
  bool in_order = true;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    want.insert(ch07::hits_in_chunk(chunks[i]));
    if (results[i].hits) got.insert(*results[i].hits);
    in_order = in_order && results[i].hits == ch07::hits_in_chunk(chunks[i]);
  }
  if (!in_order && want == got) {
    diagnose("results-out-of-order",
             "every chunk's answer came back, but not in the place of its chunk: results[i] "
             "must be chunk i's answer. Remember which index a worker is working on and store "
             "its answer at that index, instead of appending answers as they arrive");
    return;
  }
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_TRUE(results[i].error.empty()) << "item " << i << ": " << results[i].error;
    ASSERT_TRUE(results[i].hits.has_value()) << "item " << i << " has no result";
    EXPECT_EQ(*results[i].hits, ch07::hits_in_chunk(chunks[i])) << "item " << i << " (results in input order)";
  }
  if (!judge_pool_shape(results, chunks.size())) return;
  no_survivors("after the pool returned");
}

TEST_F(ProcessPool, AnEmptyListOfChunksGivesNoResults) {
  const auto results = run(ch07::map_in_process_pool(worker(), {}, kPoolSize));
  EXPECT_TRUE(results.empty());
  const auto one = run(ch07::map_in_process_pool(worker(), small_chunks(1), kPoolSize));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].hits, ch07::hits_in_chunk(small_chunks(1)[0]));
  no_survivors("after the pool returned");
}

TEST_F(ProcessPool, RefusesAPoolOfZeroWorkersWithInvalidArgument) {
  for (std::size_t n : {std::size_t{3}, std::size_t{0}}) {
    try {
      const auto results = run(ch07::map_in_process_pool(worker(), small_chunks(n), 0));
      std::size_t answered = 0;
      for (const auto& r : results) answered += r.hits ? 1 : 0;
      diagnose("zero-workers-accepted",
               "map_in_process_pool(…, " + std::to_string(n) + " chunks, pool_size 0) returned " +
                   std::to_string(results.size()) + " results (" + std::to_string(answered) +
                   " answered) instead of refusing: a pool of no workers can compute nothing. "
                   "Throw std::invalid_argument when pool_size == 0, before starting anything");
      return;
    } catch (const std::invalid_argument&) {
    }
  }
  EXPECT_TRUE(ch07_test::survivors(tag_).empty()) << "no worker may be started for a pool of 0";
}

TEST_F(ProcessPool, TwoWorkersHaveAJobEachAtTheSameTimeOnAnyMachine) {
  constexpr int kNapMs = 40;
  const auto chunks = small_chunks(8);
  const auto results = run(ch07::map_in_process_pool(napping_worker(kNapMs), chunks, kPoolSize));
  ASSERT_EQ(results.size(), chunks.size());
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    ASSERT_EQ(results[i].hits, ch07::hits_in_chunk(chunks[i])) << "item " << i << ": " << results[i].error;
  }
  if (!judge_pool_shape(results, chunks.size())) return;
  const auto jobs = logged_jobs();
  ASSERT_EQ(jobs.size(), chunks.size()) << "the workers logged every job they ran";
  // The most jobs in progress at one moment: sweep the starts and ends.
  std::vector<std::pair<long long, int>> edges;
  for (const auto& j : jobs) {
    edges.push_back({j.start_ns, +1});
    edges.push_back({j.end_ns, -1});
  }
  std::sort(edges.begin(), edges.end());  // an end sorts before a start at the same instant
  int now = 0, peak = 0;
  for (const auto& e : edges) peak = std::max(peak, now += e.second);
  figure("peak_jobs_in_progress", peak, "", "exactly " + std::to_string(kPoolSize));
  if (peak > int(kPoolSize)) {
    diagnose(diagnoses::pool_size_ignored,
             std::to_string(peak) + " jobs were in progress at once with a pool of " +
                 std::to_string(kPoolSize) + ": never more workers busy than pool_size");
    return;
  }
  if (peak < int(kPoolSize)) {
    diagnose("pool-not-parallel",
             "with a pool of 2 and 8 jobs of 40 ms each, never more than " + std::to_string(peak) +
                 " job was in progress at a time: the workers took turns. Send every worker its "
                 "next chunk as soon as it answered, all workers at once — one coroutine per "
                 "worker in a parallel group, not a loop that waits for each answer before "
                 "asking the next worker");
    return;
  }
  no_survivors("after the pool returned");
}

TEST_F(ProcessPool, AWorkerThatCrashesCostsOnlyTheInputItCrashedOn) {
  auto chunks = small_chunks(8);
  chunks[2].seed = ch07::kPoisonSeed;
  chunks[5].seed = ch07::kPoisonSeed;
  std::vector<ch07::ItemResult> results;
  try {
    results = run(ch07::map_in_process_pool(worker(), chunks, kPoolSize));
  } catch (const std::exception& e) {
    diagnose("crash-not-isolated", std::string("one crashing worker made the whole pool fail (") +
                                       e.what() + "): report the crash as that item's error and "
                                       "go on with a fresh worker");
    no_survivors("after the pool failed");
    return;
  }
  ASSERT_EQ(results.size(), chunks.size());
  std::size_t completed = 0;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    if (i == 2 || i == 5) {
      if (results[i].hits.has_value() || results[i].error.empty()) {
        diagnose("crash-not-reported",
                 "item " + std::to_string(i) + " crashed its worker, yet its result has " +
                     (results[i].hits ? "hits" : "no error message") +
                     ": when the worker's stdout ends before the answer, set that item's error "
                     "and leave its hits empty");
        return;
      }
      continue;
    }
    if (results[i].hits == ch07::hits_in_chunk(chunks[i])) ++completed;
  }
  figure("completed_items", double(completed), "", "6 of 8 (2 poisoned)");
  figure("crash_message", 0, "", results[2].error);
  if (completed != 6) {
    diagnose("crash-not-isolated",
             "only " + std::to_string(completed) + " of the 6 healthy items got their result: a "
             "crash must cost only the input it happened on. Start a fresh worker for the items "
             "after it");
    no_survivors("after the pool returned");
    return;
  }
  no_survivors("after workers crashed (a crashed worker's own children count)");
}

TEST_F(ProcessPool, NoWorkerOutlivesAPoolItsCallerGaveUpOn) {
  using namespace asio::experimental::awaitable_operators;
  auto chunks = small_chunks(4);
  chunks[1].seed = ch07::kSleepySeed;  // this worker would answer only after 60 s
  auto give_up = [](std::vector<ch07::Chunk> c, ch07::WorkerCommand w) -> asio::awaitable<bool> {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(300));
    auto pool = ch07::map_in_process_pool(std::move(w), std::move(c), kPoolSize);
    auto wait = timer.async_wait(asio::use_awaitable);
    auto outcome = co_await (std::move(pool) || std::move(wait));
    co_return outcome.index() == 1;
  };
  asynclings::testkit::Stopwatch watch;
  const bool timer_won = run(give_up(chunks, worker()));
  figure("gave_up_after_ms", watch.elapsed_ms(), "ms", "about 300");
  EXPECT_TRUE(timer_won) << "the pool cannot finish: one of its workers sleeps for 60 s";
  no_survivors("after the caller cancelled the pool");
}

TEST_F(ProcessPool, ProcessesScaleLikeThreadsWhileASimulatedGilDoesNotAllMeasuredInTheSameRun) {
  // The student's pool first: a stub fails here on any machine.
  const auto warmup = run(ch07::map_in_process_pool(worker(), small_chunks(2), kPoolSize));
  ASSERT_EQ(warmup.size(), 2u);
  if (std::thread::hardware_concurrency() < 2) {
    GTEST_SKIP() << "this machine has 1 core: neither threads nor processes can run at the same "
                    "time, so there is no scaling to compare";
  }
  const auto chunks = ch07_test::calibrated_chunks(300, 8);
  const auto expected = ch07_test::sequential_hits(chunks);
  const auto sequential = ch07_test::measure([&] { ch07_test::sequential_hits(chunks); });
  const auto threads = ch07_test::measure([&] { ch07_test::reference_threads(chunks, 2); });
  const auto gil = ch07_test::measure([&] { ch07_test::reference_threads(chunks, 2, true); });
  std::uint64_t got = 0;
  bool all_ok = true;
  const auto processes = ch07_test::judge_scaling(
      [&] {
        const auto results = run(ch07::map_in_process_pool(worker(), chunks, kPoolSize));
        got = 0;
        for (const auto& r : results) {
          if (r.hits) got += *r.hits; else all_ok = false;
        }
      },
      chunks);
  figure("sequential_wall_ms", sequential.wall_ms, "ms", "calibrated to about 300");
  figure("threads_wall_ms", threads.wall_ms, "ms", "about half the sequential");
  figure("simulated_gil_wall_ms", gil.wall_ms, "ms", "about the sequential");
  figure("processes_wall_ms", processes.best_run.wall_ms, "ms", "about half the sequential");
  figure("threads_cpu_per_wall", threads.ratio(), "cpu-s/s", "about 2");
  figure("simulated_gil_cpu_per_wall", gil.ratio(), "cpu-s/s", "about 1");
  figure("processes_cpu_per_wall", processes.best, "cpu-s/s", ">= 1.6 (or >= 75% of the reference threads when loaded)");
  std::printf("[ ch07 ] sequential %.0f ms (%.2f cpu-s/s) | 2 threads %.0f ms (%.2f) | simulated GIL %.0f ms (%.2f) | 2 processes %.0f ms (%.2f)\n",
              sequential.wall_ms, sequential.ratio(), threads.wall_ms, threads.ratio(), gil.wall_ms,
              gil.ratio(), processes.best_run.wall_ms, processes.best);
  ASSERT_TRUE(all_ok) << "an item failed in the pool";
  EXPECT_EQ(got, expected) << "the processes' total differs from the sequential count";
  EXPECT_LE(gil.ratio(), 1.25) << "the simulated GIL (the test's own) should not scale";
  if (processes.verdict == ch07_test::Verdict::busy_machine) {
    GTEST_SKIP() << "the machine is too busy to show parallelism right now: two reference "
                    "threads reached only " << fixed2(processes.reference)
                 << " CPU-seconds per second (your pool: " << fixed2(processes.best) << ")";
  }
  if (processes.verdict == ch07_test::Verdict::did_not_scale) {
    diagnose("pool-not-parallel",
             "a pool of 2 workers used only " + fixed2(processes.best) +
                 " CPU-seconds per wall-second (two threads: " + fixed2(processes.reference) +
                 "): the workers took turns. Send every worker its next chunk as soon as it "
                 "answered, all workers at once — one coroutine per worker, not a loop that "
                 "waits for each answer before asking the next worker");
  }
  no_survivors("after the pool returned");
}

}  // namespace
