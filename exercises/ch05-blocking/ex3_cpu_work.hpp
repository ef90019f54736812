// Exercise 3: CPU-heavy work inside an async program, with the loop kept responsive.
//
//   auto n = co_await ch05::count_primes_offloaded(pool.get_executor(), 2'000'000);
//   auto m = co_await ch05::count_primes_in_chunks(2'000'000, 20'000);
//
// Counting primes is pure computation: no I/O, nothing to await. Called straight from a
// coroutine, count_primes(0, n) holds the loop's thread until it returns, exactly like a
// blocking sleep would. Two ways out:
//   - offload: run it on a thread pool and await the result (the loop only waits);
//   - chunk: do it on the loop in small pieces and yield to the loop between pieces, so
//     timers and I/O get their turn every few milliseconds (asyncio: `await asyncio.sleep(0)`).
//
// What the tests check: both give count_primes(0, n) exactly, for chunk sizes that do and do
// not divide n; and while each counts for a couple of hundred milliseconds, a probe on the
// loop keeps ticking: its max lag stays under half the time the counting took. The counting
// of count_primes_offloaded runs on the given pool (not on a thread of its own), and its
// caller carries on on the loop's thread; count_primes_in_chunks gives the loop a turn after
// every chunk, and refuses a chunk of 0 with std::invalid_argument (it would never advance),
// whatever n is.
//
// Replace every ASYNCLINGS_TODO. `grader hint ch05 ex3` helps.
#pragma once

#include <asynclings/todo.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace ch05 {

// ---- given: the CPU-heavy work (no TODO here) ------------------------------------------

inline bool is_prime(std::uint64_t n) {
  if (n < 2) return false;
  for (std::uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

// How many primes p with from <= p < to. Pure computation: it never yields.
inline std::uint64_t count_primes(std::uint64_t from, std::uint64_t to) {
  std::uint64_t count = 0;
  for (std::uint64_t k = from; k < to; ++k) count += is_prime(k) ? 1 : 0;
  return count;
}

// ---- yours ---------------------------------------------------------------------------

// count_primes(0, n) on the pool; the caller resumes on its own executor with the count.
// (Python: await loop.run_in_executor(pool, count_primes, 0, n).)
inline boost::asio::awaitable<std::uint64_t> count_primes_offloaded(
    boost::asio::thread_pool::executor_type pool, std::uint64_t n) {
  // TODO: as ex2's to_thread, with count_primes(0, n) as the job.
  (void)pool;
  (void)n;
  ASYNCLINGS_TODO("count_primes_offloaded");
}

// count_primes(0, n) on the loop itself, `chunk` numbers at a time, giving the loop a turn
// after every chunk. (Python: a loop over slices with `await asyncio.sleep(0)` in it.)
inline boost::asio::awaitable<std::uint64_t> count_primes_in_chunks(std::uint64_t n,
                                                                    std::uint64_t chunk) {
  // TODO: add up count_primes over [0, chunk), [chunk, 2*chunk), … (the last one ends at n),
  //       and after each piece let the loop run whatever is waiting before going on.
  //       Throw std::invalid_argument when chunk == 0.
  (void)n;
  (void)chunk;
  ASYNCLINGS_TODO("count_primes_in_chunks");
}

}  // namespace ch05
