// Mistake: the threads "fix" the shared counter by holding one mutex while they compute —
// the result is right, but only one thread computes at a time: a GIL of one's own.
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
  (void)gil;
  std::uint64_t shared = 0;
  std::mutex lock;
  {
    std::vector<std::jthread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (std::size_t i = t; i < chunks.size(); i += threads) {
          std::lock_guard hold(lock);  // WRONG: held while computing
          shared += hits_in_chunk(chunks[i]);
        }
      });
    }
  }
  return shared;
}

}  // namespace ch07
