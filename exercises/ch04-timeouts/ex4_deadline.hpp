// Exercise 4: one deadline for a sequence of steps — Python's asyncio.timeout().
//
//   async with asyncio.timeout(0.4):   # one budget for everything inside
//       a = await step_one()
//       b = await step_two()
//       c = await step_three()
//
// Write run_steps(steps, budget): await the steps one after another and return their results
// in order — unless the whole sequence takes longer than `budget`, in which case cancel the
// step that is running when the budget runs out and throw ch04::DeadlineExceeded. The budget
// is for the sequence, not for each step: three 150 ms steps do not fit in 400 ms (the third
// is cut off at 400 ms, 100 ms into it), while 40 + 40 + 200 ms do (the time the quick steps
// did not use is left for the slow one).
//
// What the tests check: the server sees the steps one after another; with three 150 ms steps
// and a 400 ms budget the first two complete, the third is aborted at ≈ 400 ms and
// DeadlineExceeded comes then; steps that fit return their values in order as soon as the
// last one finishes, with no timer left armed; 40 + 40 + 200 ms steps fit a 400 ms budget;
// a step's own error reaches the caller at once, as that error, and no later step starts; a
// budget of 0 throws DeadlineExceeded at once (never a shorter list of results); a cancel of
// the caller from outside aborts the running step, starts no other, and comes out as
// operation_aborted — a cancellation is not the budget running out.
//
// Replace the ASYNCLINGS_TODO. `grader hint ch04 ex4` helps.
#pragma once

#include <asynclings/todo.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ch04 {

namespace asio = boost::asio;

// What run_steps throws when the budget runs out (Python's TimeoutError from timeout()).
struct DeadlineExceeded : std::runtime_error {
  explicit DeadlineExceeded(std::chrono::milliseconds budget)
      : std::runtime_error("the steps did not finish within " + std::to_string(budget.count()) +
                           " ms"),
        budget(budget) {}
  std::chrono::milliseconds budget;
};

// T is the steps' result type (not void).
template <typename T>
asio::awaitable<std::vector<T>> run_steps(std::vector<asio::awaitable<T>> steps,
                                          std::chrono::milliseconds budget) {
  // TODO: one deadline for the whole sequence. Await the steps in order, each raced against
  //       the same deadline; when the deadline wins, cancel the running step and throw
  //       DeadlineExceeded(budget).
  (void)steps;
  (void)budget;
  ASYNCLINGS_TODO("run_steps");
}

}  // namespace ch04
