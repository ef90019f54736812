// Shared by ch07's tests: calibrated CPU work, CPU-seconds per wall-second, and a judge of
// "did this use two cores?" that survives a shared machine.
//
// A ratio of CPU time to wall time says how many cores a run kept busy, whatever the speed
// of the machine. On a machine that other programs load, even a perfect two-thread run gets
// less than two cores; so when a run stays under the 1.6 bar the judge measures, in the same
// run and interleaved with it, a reference two-thread version of the same work: it passes a
// run that reaches 75% of what the reference got just after it, and skips (with a message
// saying so) when the reference itself cannot reach 1.5 right now.
#pragma once

#include <ch07/monte_carlo.hpp>

#include <asynclings/testkit/timing.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace ch07_test {

using asynclings::testkit::process_cpu_ms;
using asynclings::testkit::Stopwatch;

// CPU time of the children this process has waited for (worker processes), in ms.
inline double children_cpu_ms() {
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  auto ms = [](const timeval& t) { return double(t.tv_sec) * 1000.0 + double(t.tv_usec) / 1000.0; };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

struct Measured {
  double wall_ms = 0;
  double cpu_ms = 0;  // this process and the children it reaped during the run
  double ratio() const { return wall_ms > 0 ? cpu_ms / wall_ms : 0.0; }
};

template <typename F>
Measured measure(F&& run) {
  const double cpu0 = process_cpu_ms() + children_cpu_ms();
  Stopwatch watch;
  run();
  const double wall = watch.elapsed_ms();
  return Measured{wall, process_cpu_ms() + children_cpu_ms() - cpu0};
}

// Samples per millisecond of hits_in_chunk on this machine now (fastest of three: a
// preempted timing only reads slower).
inline double samples_per_ms() {
  static const double rate = [] {
    double best = 0;
    for (int i = 0; i < 3; ++i) {
      const ch07::Chunk probe{99, 200'000};
      Stopwatch watch;
      volatile auto sink = ch07::hits_in_chunk(probe);
      (void)sink;
      best = std::max(best, double(probe.samples) / std::max(watch.elapsed_ms(), 0.01));
    }
    return best;
  }();
  return rate;
}

// `count` chunks (seeds first_seed, first_seed+1, …) that take about `total_ms` of CPU in all.
inline std::vector<ch07::Chunk> calibrated_chunks(double total_ms, std::size_t count,
                                                  std::uint64_t first_seed = 1) {
  const auto per_chunk = std::uint64_t(samples_per_ms() * total_ms / double(count));
  std::vector<ch07::Chunk> chunks;
  for (std::size_t i = 0; i < count; ++i) chunks.push_back({first_seed + i, std::max<std::uint64_t>(per_chunk, 1000)});
  return chunks;
}

inline std::uint64_t sequential_hits(const std::vector<ch07::Chunk>& chunks) {
  std::uint64_t hits = 0;
  for (const auto& c : chunks) hits += ch07::hits_in_chunk(c);
  return hits;
}

// The test's own two versions, to compare against: threads with their own counters, and the
// same with one lock held while computing (the simulated GIL).
inline std::uint64_t reference_threads(const std::vector<ch07::Chunk>& chunks, unsigned threads,
                                       bool gil = false) {
  static std::mutex lock;
  std::vector<std::uint64_t> hits(threads, 0);
  {
    std::vector<std::jthread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (std::size_t i = t; i < chunks.size(); i += threads) {
          if (gil) {
            std::lock_guard hold(lock);
            hits[t] += ch07::hits_in_chunk(chunks[i]);
          } else {
            hits[t] += ch07::hits_in_chunk(chunks[i]);
          }
        }
      });
    }
  }
  std::uint64_t total = 0;
  for (auto h : hits) total += h;
  return total;
}

inline constexpr double kScalingBar = 1.6;

enum class Verdict { scaled, busy_machine, did_not_scale };

struct Scaling {
  Verdict verdict = Verdict::did_not_scale;
  double best = 0;       // the best CPU-seconds per wall-second of the run under test
  double reference = 0;  // the best of the reference two-thread run (0 if not needed)
  Measured best_run;
};

// Up to five tries of <run>; after each one that stays under the bar, one reference run right
// after it. Each try is judged against its own reference (measured moments apart, so both
// see the same load): a burst of load from elsewhere lowers both, not just the one under
// test. A run that takes turns (about 1.0) against a reference near 2.0 fails every pair.
template <typename F>
Scaling judge_scaling(F&& run, const std::vector<ch07::Chunk>& chunks) {
  constexpr int kTries = 5;
  // A run that takes turns reaches about 1.0; against a reference of at least 1.5 that is at
  // most 67%, well under the share a parallel run keeps of its reference even when the
  // machine is loaded (80-95% measured with the other core busy).
  constexpr double kShareOfReference = 0.75;
  constexpr double kReferenceCanScale = 1.5;
  Scaling s;
  bool reference_could_scale = false;
  for (int attempt = 0; attempt < kTries; ++attempt) {
    const Measured m = measure(run);
    if (m.ratio() > s.best) {
      s.best = m.ratio();
      s.best_run = m;
    }
    if (m.ratio() >= kScalingBar) {
      s.verdict = Verdict::scaled;
      return s;
    }
    const double reference = measure([&] { reference_threads(chunks, 2); }).ratio();
    s.reference = std::max(s.reference, reference);
    if (reference < kReferenceCanScale) continue;  // this moment the machine could not show parallelism
    reference_could_scale = true;
    if (m.ratio() >= kShareOfReference * reference) {
      s.verdict = Verdict::scaled;
      return s;
    }
  }
  s.verdict = reference_could_scale ? Verdict::did_not_scale : Verdict::busy_machine;
  return s;
}

inline std::string fixed2(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", v);
  return text;
}

}  // namespace ch07_test
