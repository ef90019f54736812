// Exercise 1: an event loop of your own — a ready queue, a timer heap, and the tick.
//
// The course's pseudo-code, one iteration ("tick") of the loop:
//
//   while True:
//       run_ready_callbacks()     # what was ready when the tick began
//       run_due_timers()          # expired timers -> READY queue
//       poll_io_events()          # (no I/O yet: sleep until the next timer is due)
//
//   ch02::MiniLoop loop;
//   loop.call_soon([] { std::puts("now"); });                    // loop.call_soon(cb)
//   loop.call_later(std::chrono::milliseconds{50}, [] { … });    // loop.call_later(0.05, cb)
//   loop.run();   // returns when nothing is ready and no timer is left
//
// A callback that schedules another with call_soon() does not run it in the same tick: the
// new callback waits for the next one, after the loop has looked at its timers (and, in
// ex2, at its sockets). That is what "next tick" means, and why a callback that keeps
// rescheduling itself cannot starve a timer.
//
// What the tests check: FIFO order; run_once() runs only what was ready when it began;
// a callback scheduled from a callback runs on the next tick(); a self-rescheduling
// callback does not delay a timer; timers run in deadline order, never early (nor late by
// the time the callbacks before them took: sleep until the deadline as of now), and equal
// deadlines in the order they were scheduled; run() returns as soon as nothing is left;
// ready callbacks never wait for a pending timer, and a loop with nothing ready sleeps until
// its next timer instead of going round and round (the tests count the ticks).
//
// Replace every ASYNCLINGS_TODO. `grader hint ch02 ex1` helps.
#pragma once

#include <asynclings/todo.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

namespace ch02 {

using Clock = std::chrono::steady_clock;
using Callback = std::function<void()>;

class MiniLoop {
 public:
  // Runs <callback> on the next tick; callbacks run in the order they were scheduled (FIFO).
  void call_soon(Callback callback) {
    // TODO: the ready queue.
    (void)callback;
    ASYNCLINGS_TODO("MiniLoop::call_soon");
  }

  // Runs <callback> once <when> has passed. Timers with the same deadline run in the order
  // they were scheduled.
  void call_at(Clock::time_point when, Callback callback) {
    // TODO: push a Timer onto the heap (std::push_heap with Later). next_seq_ numbers them.
    (void)when;
    (void)callback;
    ASYNCLINGS_TODO("MiniLoop::call_at");
  }

  // Runs <callback> once <delay> has passed from now.
  void call_later(Clock::duration delay, Callback callback) {
    // TODO: a deadline relative to Clock::now().
    (void)delay;
    (void)callback;
    ASYNCLINGS_TODO("MiniLoop::call_later");
  }

  // Ticks until no callback is ready and no timer is left.
  void run() {
    // TODO
    ASYNCLINGS_TODO("MiniLoop::run");
  }

  // One tick:
  //   0. ++tick_ (so tick() tells callbacks which tick they run in);
  //   1. run the callbacks that were ready when the tick BEGAN — not the ones they schedule;
  //   2. move every timer whose deadline has passed to the ready queue, earliest first;
  //   3. "poll I/O": there is none yet, so if nothing is ready, sleep until the next timer.
  void run_once() {
    // TODO
    ASYNCLINGS_TODO("MiniLoop::run_once");
  }

  // The number of the tick running now (1 during the first); 0 before the loop ever ran.
  std::uint64_t tick() const { return tick_; }

 private:
  struct Timer {
    Clock::time_point when;
    std::uint64_t seq;  // scheduling order: breaks ties between equal deadlines
    Callback callback;
  };
  // The heap functions keep the "largest" element at the front (timers_.front()). Make
  // "largest" mean the timer that must run first.
  struct Later {
    bool operator()(const Timer& a, const Timer& b) const {
      // TODO: true when <a> must run AFTER <b>.
      (void)a;
      (void)b;
      ASYNCLINGS_TODO("MiniLoop::Later");
    }
  };

  std::deque<Callback> ready_;
  std::vector<Timer> timers_;  // a heap: std::push_heap / std::pop_heap with Later
  std::uint64_t next_seq_ = 0;
  std::uint64_t tick_ = 0;
};

}  // namespace ch02
