// Test code, not student code: watching the chunks a run computes, whatever the load.
//
// hits_in_chunk tells an installed ch07::ChunkObserver when each chunk begins and ends, on the
// thread computing it. ChunkWatch records that, and can make every chunk take a fixed time by
// sleeping at its start ("nap"): sleeping threads overlap in time even on a machine whose
// cores are all busy, so "were two chunks in progress at the same moment?" has the same
// answer on an idle and on a saturated machine — unlike CPU-seconds per wall-second.
//
// It also sees threads end: the first chunk a thread computes gives that thread a
// thread_local sentinel whose destructor (run when the thread exits, before join() returns)
// waits `linger` and then counts the thread as gone. A function that joins its threads
// returns after every sentinel ran; one that detaches them returns before.
//
// Watches are never freed: a detached thread may still call into one after the test moved on.
#pragma once

#include <ch07/monte_carlo.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace ch07_test {

class ChunkWatch final : public ch07::ChunkObserver {
 public:
  using clock = std::chrono::steady_clock;

  struct Run {
    std::uint64_t seed = 0;
    std::thread::id thread;
    clock::time_point start, end;
    bool finished = false;
  };

  // Installs a new watch (replacing any other) and returns it.
  static ChunkWatch& install(std::chrono::milliseconds nap = {},
                             std::chrono::milliseconds linger = {}) {
    auto* watch = new ChunkWatch(nap, linger);  // never freed: see above
    ch07::chunk_observer().store(watch, std::memory_order_release);
    return *watch;
  }
  void uninstall() {
    ChunkObserver* self = this;
    ch07::chunk_observer().compare_exchange_strong(self, nullptr);
  }

  void chunk_started(const ch07::Chunk& chunk) override {
    const auto me = std::this_thread::get_id();
    bool new_thread = false;
    {
      std::lock_guard lock(mutex_);
      runs_.push_back({chunk.seed, me, clock::now(), {}, false});
      ++computed_[chunk.seed];
      peak_in_progress_ = std::max(peak_in_progress_, ++in_progress_);
      if (me != caller_ && threads_.insert(me).second) {
        new_thread = true;
        peak_live_ = std::max(peak_live_, ++live_);
      }
    }
    if (new_thread) sentinel().watch = this;
    if (nap_.count() > 0) std::this_thread::sleep_for(nap_);
  }

  void chunk_finished(const ch07::Chunk& chunk) override {
    const auto me = std::this_thread::get_id();
    std::lock_guard lock(mutex_);
    --in_progress_;
    for (auto& run : runs_) {
      if (!run.finished && run.thread == me && run.seed == chunk.seed) {
        run.end = clock::now();
        run.finished = true;
        break;
      }
    }
  }

  // Chunks computed at the same moment, at most (counted as they began and ended).
  std::size_t peak_in_progress() const { std::lock_guard l(mutex_); return peak_in_progress_; }
  // Threads other than the caller's that computed, and how many of them ran at once at most
  // (from their first chunk to their exit).
  std::size_t worker_threads() const { std::lock_guard l(mutex_); return threads_.size(); }
  std::size_t peak_live_threads() const { std::lock_guard l(mutex_); return peak_live_; }
  std::size_t threads_exited() const { std::lock_guard l(mutex_); return exited_; }
  bool caller_computed() const {
    std::lock_guard l(mutex_);
    return std::any_of(runs_.begin(), runs_.end(), [&](const Run& r) { return r.thread == caller_; });
  }
  // How often each seed was computed.
  std::map<std::uint64_t, int> computed() const { std::lock_guard l(mutex_); return computed_; }
  std::vector<Run> runs() const { std::lock_guard l(mutex_); return runs_; }

  // Waits (up to `limit`) until every thread that computed has exited: cleanup after a
  // function that left its threads running, so they end before the next test.
  void wait_for_exits(std::chrono::milliseconds limit = std::chrono::seconds{5}) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, limit, [&] { return exited_ >= threads_.size(); });
  }

 private:
  struct Sentinel {
    ChunkWatch* watch = nullptr;
    ~Sentinel() {
      if (watch) watch->thread_exiting();
    }
  };
  static Sentinel& sentinel() {
    static thread_local Sentinel s;
    return s;
  }

  ChunkWatch(std::chrono::milliseconds nap, std::chrono::milliseconds linger)
      : nap_(nap), linger_(linger), caller_(std::this_thread::get_id()) {}

  void thread_exiting() {
    if (linger_.count() > 0) std::this_thread::sleep_for(linger_);
    std::lock_guard lock(mutex_);
    --live_;
    ++exited_;
    changed_.notify_all();
  }

  const std::chrono::milliseconds nap_, linger_;
  const std::thread::id caller_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Run> runs_;
  std::map<std::uint64_t, int> computed_;
  std::set<std::thread::id> threads_;
  std::size_t in_progress_ = 0, peak_in_progress_ = 0, live_ = 0, peak_live_ = 0, exited_ = 0;
};

// Installs a watch for one scope.
class Watching {
 public:
  explicit Watching(std::chrono::milliseconds nap = {}, std::chrono::milliseconds linger = {})
      : watch_(ChunkWatch::install(nap, linger)) {}
  ~Watching() { watch_.uninstall(); }
  ChunkWatch* operator->() { return &watch_; }
  ChunkWatch& operator*() { return watch_; }

 private:
  ChunkWatch& watch_;
};

}  // namespace ch07_test
