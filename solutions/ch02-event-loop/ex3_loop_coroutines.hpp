// Exercise 3: coroutines on your loop — asyncio.sleep, create_task and await, written out.
//
// The course's example:
//
//   async def work(name, delay):            ch02::Task work(Loop& loop, std::string name,
//       print(f"{name} started")                            Clock::duration delay, Log& log) {
//       await asyncio.sleep(delay)            log.push_back(name + " started");
//       print(f"{name} finished")             co_await ch02::sleep(loop, delay);
//                                             log.push_back(name + " finished");
//                                           }
//   async def main():                       ch02::Task course_main(Loop& loop, Log& log) {
//       t1 = create_task(work("A", 2))        Task a = create_task(loop, work(loop, "A", 200ms, log));
//       t2 = create_task(work("B", 1))        Task b = create_task(loop, work(loop, "B", 100ms, log));
//       await t1                              co_await a;
//       await t2                              co_await b;
//                                           }
//   → A started, B started, B finished, A finished — in 2 s, not 3 (here 200 ms, not 300).
//
// How it works: `co_await sleep(loop, d)` suspends the coroutine and hands its handle to
// loop.call_later(d, …); when the timer fires, the loop resumes it. Meanwhile the loop runs
// whatever else is ready — the other task. A coroutine is a callback that remembers where
// it was.
#pragma once

#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ch02 {

using Clock = std::chrono::steady_clock;
using Callback = std::function<void()>;
using Log = std::vector<std::string>;

// ---- given: the loop of ex1 (ready queue, timer heap, ticks), solved ----------------------

class Loop {
 public:
  void call_soon(Callback callback) { ready_.push_back(std::move(callback)); }
  void call_at(Clock::time_point when, Callback callback) {
    timers_.push_back(Timer{when, next_seq_++, std::move(callback)});
    std::push_heap(timers_.begin(), timers_.end(), Later{});
  }
  void call_later(Clock::duration delay, Callback callback) {
    call_at(Clock::now() + delay, std::move(callback));
  }
  void run() {
    while (!ready_.empty() || !timers_.empty()) run_once();
  }
  void run_once() {
    ++tick_;
    for (std::size_t n = ready_.size(); n > 0; --n) {
      Callback callback = std::move(ready_.front());
      ready_.pop_front();
      callback();
    }
    const auto now = Clock::now();
    while (!timers_.empty() && timers_.front().when <= now) {
      std::pop_heap(timers_.begin(), timers_.end(), Later{});
      ready_.push_back(std::move(timers_.back().callback));
      timers_.pop_back();
    }
    if (ready_.empty() && !timers_.empty()) std::this_thread::sleep_until(timers_.front().when);
  }
  std::uint64_t tick() const { return tick_; }

 private:
  struct Timer {
    Clock::time_point when;
    std::uint64_t seq;
    Callback callback;
  };
  struct Later {
    bool operator()(const Timer& a, const Timer& b) const {
      return a.when != b.when ? a.when > b.when : a.seq > b.seq;
    }
  };
  std::deque<Callback> ready_;
  std::vector<Timer> timers_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t tick_ = 0;
};

// ---- sleep: the awaitable asyncio.sleep ---------------------------------------------------

struct SleepAwaiter {
  Loop& loop;
  Clock::duration delay;

  // Always suspend, even for a zero delay: like asyncio.sleep(0), it yields to the loop.
  bool await_ready() const noexcept { return false; }
  // The coroutine is suspended now; the loop resumes it when the timer fires.
  void await_suspend(std::coroutine_handle<> waiting) {
    loop.call_later(delay, [waiting] { waiting.resume(); });
  }
  void await_resume() const noexcept {}
};

inline SleepAwaiter sleep(Loop& loop, Clock::duration delay) { return SleepAwaiter{loop, delay}; }

// ---- Task: a coroutine the loop can run ---------------------------------------------------

class Task;
[[nodiscard]] Task create_task(Loop& loop, Task task);

class [[nodiscard]] Task {
 public:
  struct promise_type {
    bool started = false;                  // create_task scheduled it, or someone awaited it
    std::coroutine_handle<> continuation;  // the coroutine awaiting this one, if any
    std::exception_ptr error;

    Task get_return_object() {
      return Task{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }  // lazy, as in ch01

    // When the body ends: hand control straight to the awaiting coroutine, if there is one.
    struct FinalAwaiter {
      bool await_ready() const noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> self) noexcept {
        if (auto next = self.promise().continuation) return next;
        return std::noop_coroutine();
      }
      void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }

    void return_void() noexcept {}
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };
  using handle_type = std::coroutine_handle<promise_type>;

  // Owns the frame (as ch01's Task): move-only, destroyed once. A task must outlive its
  // work: destroying it while it sleeps would leave the loop a timer that resumes a freed
  // frame. (Python's loop keeps running tasks alive for you; here the owner does.)
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (handle_) handle_.destroy();
  }

  bool done() const noexcept { return !handle_ || handle_.done(); }

  // `co_await task`. A finished task does not suspend the awaiter at all.
  bool await_ready() const noexcept { return done(); }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
    auto& promise = handle_.promise();
    promise.continuation = awaiting;
    if (!promise.started) {
      // Never scheduled (awaited directly, like `await coro()`): run it now.
      promise.started = true;
      return handle_;
    }
    // Already running on the loop: its final awaiter will resume us.
    return std::noop_coroutine();
  }
  void await_resume() {
    if (handle_ && handle_.promise().error) std::rethrow_exception(handle_.promise().error);
  }

 private:
  explicit Task(handle_type handle) : handle_(handle) {}
  friend Task create_task(Loop& loop, Task task);
  friend void run_until_complete(Loop& loop, Task task);
  handle_type handle_;
};

// asyncio.create_task: the task starts on the loop's next tick; the caller goes on at once.
inline Task create_task(Loop& loop, Task task) {
  if (task.handle_ && !task.handle_.promise().started) {
    task.handle_.promise().started = true;
    loop.call_soon([handle = task.handle_] { handle.resume(); });
  }
  return task;
}

// asyncio.run: runs the loop until it has nothing left, then returns the task's outcome.
inline void run_until_complete(Loop& loop, Task task) {
  Task running = create_task(loop, std::move(task));
  loop.run();
  if (!running.done())
    throw std::logic_error(
        "the loop ran out of work before the task finished: something it "
        "awaited never resumed it");
  running.await_resume();  // rethrows what the body threw
}

// ---- the course's program -----------------------------------------------------------------

// Logs "<name> started", sleeps <delay> on the loop, logs "<name> finished".
// (Parameters by value, the log by reference: the test's log outlives every task.)
inline Task work(Loop& loop, std::string name, Clock::duration delay, Log& log) {
  log.push_back(name + " started");
  co_await sleep(loop, delay);
  log.push_back(name + " finished");
}

struct Job {
  std::string name;
  Clock::duration delay;
};

// One task per job, all started before any is awaited; returns when all have finished.
inline Task run_workers(Loop& loop, std::vector<Job> jobs, Log& log) {
  std::vector<Task> tasks;
  tasks.reserve(jobs.size());
  for (auto& job : jobs) tasks.push_back(create_task(loop, work(loop, job.name, job.delay, log)));
  for (auto& task : tasks) co_await task;
}

// The course's main(): A sleeps 200 ms, B 100 ms (the course's 2 s and 1 s, scaled down).
inline Task course_main(Loop& loop, Log& log) {
  using namespace std::chrono_literals;
  Task a = create_task(loop, work(loop, "A", 200ms, log));
  Task b = create_task(loop, work(loop, "B", 100ms, log));
  co_await a;
  co_await b;
}

}  // namespace ch02
