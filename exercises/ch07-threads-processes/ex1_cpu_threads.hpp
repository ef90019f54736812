// Exercise 1: CPU-bound work on threads — and what Python's GIL would do to it.
//
//   std::vector<ch07::Chunk> chunks = {{1, 200'000}, {2, 200'000}, {3, 200'000}};
//   auto hits = ch07::count_hits_threads(chunks, 2);                    // both cores
//   auto same = ch07::count_hits_threads(chunks, 2, ch07::Gil::simulated);  // one at a time
//   double pi = ch07::estimate_pi(hits, ch07::total_samples(chunks));
//
// The work is the course's Monte Carlo estimate of pi (support/include/ch07/monte_carlo.hpp):
// each chunk has its own seed, so its number of hits is fixed, whoever computes it.
// count_hits_threads spreads the chunks over `threads` std::jthreads and adds up the hits.
// C++ has no GIL: two threads really compute at the same time on two cores, and the process
// uses about two CPU-seconds per wall-second. Gil::simulated makes every thread hold one
// global mutex (simulated_gil()) while it computes a chunk — what CPython's GIL does to
// pure-Python code — and the gain disappears.
//
// Replace the ASYNCLINGS_TODO. `grader hint ch07 ex1` helps.
//
// What the tests check: the total equals the sequential count for any number of threads
// (including more threads than chunks); two threads reach >= 1.6 CPU-seconds per
// wall-second (measured in the same run; skipped on a 1-core machine); the simulated GIL
// stays near 1.
#pragma once

#include <asynclings/todo.hpp>
#include <ch07/monte_carlo.hpp>

#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ch07 {

// ---- given ------------------------------------------------------------------------------

enum class Gil { none, simulated };

// The one lock of the simulated GIL.
inline std::mutex& simulated_gil() {
  static std::mutex gil;
  return gil;
}

inline std::uint64_t count_hits_sequential(const std::vector<Chunk>& chunks) {
  std::uint64_t hits = 0;
  for (const Chunk& chunk : chunks) hits += hits_in_chunk(chunk);
  return hits;
}

// ---- yours ------------------------------------------------------------------------------

inline std::uint64_t count_hits_threads(const std::vector<Chunk>& chunks, unsigned threads,
                                        Gil gil = Gil::none) {
  // TODO: start `threads` std::jthreads; each computes hits_in_chunk for its share of the
  //       chunks (under std::lock_guard(simulated_gil()) when gil == Gil::simulated), and the
  //       caller adds the shares up after every thread has finished. Throw
  //       std::invalid_argument when threads == 0.
  (void)chunks;
  (void)threads;
  (void)gil;
  ASYNCLINGS_TODO("count_hits_threads");
}

}  // namespace ch07
