// The chapter's CPU-bound work, shared by the exercises, the tests and the bundled worker:
// the course's Monte Carlo estimate of pi, cut into chunks that each have their own seed.
// A chunk's result depends only on its seed and size, never on which thread or process
// computes it, so every parallel version must give exactly the sequential total.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

namespace ch07 {

struct Chunk {
  std::uint64_t seed = 0;
  std::uint64_t samples = 0;
};

// Inputs the bundled worker treats specially (the tests use them; ordinary seeds are small).
inline constexpr std::uint64_t kPoisonSeed = 0xDEADBEEF;  // the worker abort()s: a crash
inline constexpr std::uint64_t kSleepySeed = 0x5EE95EE9;  // the worker sleeps 60 s first

// A tiny deterministic random number generator (SplitMix64).
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double unit() { return double(next() >> 11) * 0x1.0p-53; }  // uniform in [0, 1)
};

// One random point in the unit square: is it inside the quarter circle?
inline bool next_point_inside(SplitMix64& rng) {
  const double x = rng.unit();
  const double y = rng.unit();
  return x * x + y * y <= 1.0;
}

// For the tests only (exercises never touch it): a test may install an observer that hears
// when each chunk's computation begins and ends, on the thread computing it, so it can see
// which threads computed and which chunks ran at the same time. None is installed otherwise.
class ChunkObserver {
 public:
  virtual void chunk_started(const Chunk& chunk) = 0;
  virtual void chunk_finished(const Chunk& chunk) = 0;

 protected:
  ~ChunkObserver() = default;
};

inline std::atomic<ChunkObserver*>& chunk_observer() {
  static std::atomic<ChunkObserver*> observer{nullptr};
  return observer;
}

// How many of the chunk's points fall inside. Pure computation: seconds of CPU, no waiting.
inline std::uint64_t hits_in_chunk(const Chunk& chunk) {
  ChunkObserver* observer = chunk_observer().load(std::memory_order_acquire);
  if (observer) observer->chunk_started(chunk);
  SplitMix64 rng{chunk.seed};
  std::uint64_t hits = 0;
  for (std::uint64_t i = 0; i < chunk.samples; ++i) {
    if (next_point_inside(rng)) ++hits;
  }
  if (observer) observer->chunk_finished(chunk);
  return hits;
}

inline std::uint64_t total_samples(const std::vector<Chunk>& chunks) {
  std::uint64_t n = 0;
  for (const Chunk& c : chunks) n += c.samples;
  return n;
}

inline double estimate_pi(std::uint64_t hits, std::uint64_t samples) {
  return samples == 0 ? 0.0 : 4.0 * double(hits) / double(samples);
}

}  // namespace ch07
