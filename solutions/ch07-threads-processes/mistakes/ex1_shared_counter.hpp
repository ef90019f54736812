// Mistake: every thread increments one shared counter, unsynchronised (a data race). The
// increments of two threads running at once overwrite each other, and hits are lost.
#pragma once

#include <asynclings/todo.hpp>
#include <ch07/monte_carlo.hpp>

#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ch07 {

enum class Gil { none, simulated };

inline std::mutex& simulated_gil() {
  static std::mutex gil;
  return gil;
}

inline std::uint64_t count_hits_sequential(const std::vector<Chunk>& chunks) {
  std::uint64_t hits = 0;
  for (const Chunk& chunk : chunks) hits += hits_in_chunk(chunk);
  return hits;
}

inline std::uint64_t count_hits_threads(const std::vector<Chunk>& chunks, unsigned threads,
                                        Gil gil = Gil::none) {
  if (threads == 0) throw std::invalid_argument("count_hits_threads needs at least one thread");
  std::uint64_t shared = 0;  // WRONG: written by every thread at once
  {
    std::vector<std::jthread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&chunks, &shared, threads, gil, t] {
        for (std::size_t i = t; i < chunks.size(); i += threads) {
          std::unique_lock hold(simulated_gil(), std::defer_lock);
          if (gil == Gil::simulated) hold.lock();
          SplitMix64 rng{chunks[i].seed};
          for (std::uint64_t k = 0; k < chunks[i].samples; ++k) {
            if (next_point_inside(rng)) ++shared;
          }
        }
      });
    }
  }
  return shared;
}

}  // namespace ch07
