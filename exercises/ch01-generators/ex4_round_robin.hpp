// Exercise 4: cooperative multitasking with nothing but co_yield (a round-robin scheduler).
//
// Python, before asyncio existed:
//
//   def worker(name, steps):
//       for i in range(1, steps + 1):
//           yield f"{name}{i}"          # "I did a step; someone else may run now"
//
//   def round_robin(jobs):
//       queue = deque(jobs)
//       while queue:
//           job = queue.popleft()
//           try:
//               done.append(next(job))
//               queue.append(job)       # back of the line
//           except StopIteration:
//               pass                    # finished: leaves the rotation
//
// Each job runs until it *chooses* to pause (co_yield); the scheduler decides who goes next.
// That is an event loop without the I/O: chapter 2 adds timers and sockets.
//
// The Job type is given. Write worker() and round_robin() at the bottom, replacing each
// ASYNCLINGS_TODO. `grader hint ch01 ex4` helps.
#pragma once

#include <asynclings/todo.hpp>

#include <coroutine>
#include <deque>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ch01 {

// ---- given: a job is a coroutine that co_yields a label after each step ------------------

struct ResumedFinishedJob : std::logic_error {
  ResumedFinishedJob()
      : std::logic_error("step() on a job that had already finished (it must leave the rotation)") {
  }
};

class Job {
 public:
  struct promise_type {
    std::optional<std::string> label;
    std::exception_ptr error;
    Job get_return_object() {
      return Job{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    std::suspend_always yield_value(std::string step_label) {
      label = std::move(step_label);
      return {};
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };

  Job(Job&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Job& operator=(Job&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;
  ~Job() {
    if (handle_) handle_.destroy();
  }

  // Runs the job up to its next co_yield and returns the label it yielded, or nullopt when
  // the job finished instead. A finished job must not be stepped again: that throws
  // ResumedFinishedJob (resuming a finished coroutine would be undefined behaviour).
  std::optional<std::string> step() {
    if (done()) throw ResumedFinishedJob{};
    auto& promise = handle_.promise();
    promise.label.reset();
    handle_.resume();
    if (promise.error) std::rethrow_exception(std::exchange(promise.error, nullptr));
    if (handle_.done()) return std::nullopt;
    return std::move(promise.label);
  }

  bool done() const noexcept { return !handle_ || handle_.done(); }

 private:
  explicit Job(std::coroutine_handle<promise_type> handle) : handle_(handle) {}
  std::coroutine_handle<promise_type> handle_;
};

// ---- yours --------------------------------------------------------------------------------

// A job that co_yields name + "1", name + "2", … name + steps, then ends.
// (The parameters are by value: the frame keeps its own copies. A `const std::string&`
// would dangle as soon as the caller's temporary is gone.)
inline Job worker(std::string name, int steps) {
  // TODO: a loop with co_yield (this function becomes a coroutine as soon as it has one).
  (void)name;
  (void)steps;
  ASYNCLINGS_TODO("worker");
}

// Steps the jobs in turn, one step each, until all have finished; returns the labels in
// the order the steps ran. A job that finishes leaves the rotation. A job that throws stops
// the scheduler: the exception comes out of round_robin() and no other job runs again (as
// in Python, where only StopIteration is caught).
inline std::vector<std::string> round_robin(std::vector<Job> jobs) {
  // TODO: a std::deque<Job> as the ready queue; take the front job, step() it once,
  //       record the label and put the job at the back, or drop it if it finished.
  (void)jobs;
  ASYNCLINGS_TODO("round_robin");
}

}  // namespace ch01
