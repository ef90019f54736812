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
//
// What the tests check: sleep() resumes the coroutine after its delay and, meanwhile, gives
// the loop back (a 20 ms timer still fires at 20 ms while a coroutine sleeps 150 ms); the
// course's example logs "A started, B started, B finished, A finished" in about 200 ms, the
// longest delay, not the 300 ms sum; three workers likewise; create_task starts a task on a
// later tick, not inside the call; `co_await work(…)` without create_task runs it to the end;
// an exception thrown in a task reaches whoever awaits it; awaiting a task that is still
// running resumes the awaiter when it ends, awaiting one that already finished goes on at
// once; sleep(0) still hands the turn to the other tasks; and a coroutine asleep leaves the
// loop idle (one timer, a handful of ticks — the tests count them).
//
// The loop is given (ex1's, solved). Replace every ASYNCLINGS_TODO. `grader hint ch02 ex3`
// helps.
#pragma once

#include <asynclings/todo.hpp>

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
    // TODO: have the loop resume <waiting> once <delay> has passed. Do not wait here.
    (void)waiting;
    ASYNCLINGS_TODO("SleepAwaiter::await_suspend");
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
        // TODO: return the continuation if there is one (symmetric transfer, as in ch01).
        //       (noexcept: no TODO macro here. std::noop_coroutine() means "nobody".)
        (void)self;
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
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) {
    // TODO: remember <awaiting> as the continuation. Then two cases:
    //  - the task never started (awaited directly, like `await coro()`): mark it started and
    //    return handle_, so it runs now;
    //  - it is already running on the loop (create_task): return std::noop_coroutine(); its
    //    final awaiter will resume <awaiting> when it ends.
    (void)awaiting;
    ASYNCLINGS_TODO("Task::await_suspend");
  }
  void await_resume() {
    // TODO: rethrow the body's exception, if it threw one.
    ASYNCLINGS_TODO("Task::await_resume");
  }

 private:
  explicit Task(handle_type handle) : handle_(handle) {}
  friend Task create_task(Loop& loop, Task task);
  friend void run_until_complete(Loop& loop, Task task);
  handle_type handle_;
};

// asyncio.create_task: the task starts on the loop's next tick; the caller goes on at once.
inline Task create_task(Loop& loop, Task task) {
  // TODO: unless it has started already, mark the task started and have the loop resume its
  //       handle on the next tick (call_soon). Do not resume it here. Then return the task.
  (void)loop;
  (void)task;
  ASYNCLINGS_TODO("create_task");
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
  // TODO: three lines. (It becomes a coroutine, returning a Task, once it has a co_await.)
  (void)loop;
  (void)name;
  (void)delay;
  (void)log;
  ASYNCLINGS_TODO("work");
}

struct Job {
  std::string name;
  Clock::duration delay;
};

// One task per job, all started before any is awaited; returns when all have finished.
inline Task run_workers(Loop& loop, std::vector<Job> jobs, Log& log) {
  // TODO: a std::vector<Task>: create every task first, then co_await each one.
  (void)loop;
  (void)jobs;
  (void)log;
  ASYNCLINGS_TODO("run_workers");
}

// The course's main(): A sleeps 200 ms, B 100 ms (the course's 2 s and 1 s, scaled down).
inline Task course_main(Loop& loop, Log& log) {
  using namespace std::chrono_literals;
  // TODO: the Python main() above, line for line.
  (void)loop;
  (void)log;
  ASYNCLINGS_TODO("course_main");
}

}  // namespace ch02
