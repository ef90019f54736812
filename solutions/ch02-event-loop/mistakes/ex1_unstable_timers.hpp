// MISTAKE FIXTURE (unstable-timers): the heap compares deadlines only.
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
#pragma once

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
  void call_soon(Callback callback) { ready_.push_back(std::move(callback)); }

  // Runs <callback> once <when> has passed. Timers with the same deadline run in the order
  // they were scheduled.
  void call_at(Clock::time_point when, Callback callback) {
    timers_.push_back(Timer{when, next_seq_++, std::move(callback)});
    std::push_heap(timers_.begin(), timers_.end(), Later{});
  }

  // Runs <callback> once <delay> has passed from now.
  void call_later(Clock::duration delay, Callback callback) {
    call_at(Clock::now() + delay, std::move(callback));
  }

  // Ticks until no callback is ready and no timer is left.
  void run() {
    while (!ready_.empty() || !timers_.empty()) run_once();
  }

  // One tick: the ready callbacks of the moment, then due timers to the ready queue, then
  // "poll I/O" (here: sleep until the next timer when nothing is ready).
  void run_once() {
    ++tick_;

    // 1. Exactly the callbacks that were ready when the tick began. What they schedule
    //    lands behind them in the queue and waits for the next tick.
    for (std::size_t n = ready_.size(); n > 0; --n) {
      Callback callback = std::move(ready_.front());
      ready_.pop_front();
      callback();
    }

    // 2. Every timer whose deadline has passed moves to the ready queue, earliest first.
    const auto now = Clock::now();
    while (!timers_.empty() && timers_.front().when <= now) {
      std::pop_heap(timers_.begin(), timers_.end(), Later{});
      ready_.push_back(std::move(timers_.back().callback));
      timers_.pop_back();
    }

    // 3. No I/O yet: with nothing ready, sleep until the earliest timer is due.
    if (ready_.empty() && !timers_.empty()) std::this_thread::sleep_until(timers_.front().when);
  }

  // The number of the tick running now (1 during the first); 0 before the loop ever ran.
  std::uint64_t tick() const { return tick_; }

 private:
  struct Timer {
    Clock::time_point when;
    std::uint64_t seq;  // scheduling order: breaks ties between equal deadlines
    Callback callback;
  };
  // The heap functions keep the "largest" element at the front; "largest" here means the
  // earliest deadline, then the earliest scheduled — a min-heap on (when, seq).
  struct Later {
    bool operator()(const Timer& a, const Timer& b) const {
      return a.when > b.when;  // WRONG: equal deadlines come out in heap order
    }
  };

  std::deque<Callback> ready_;
  std::vector<Timer> timers_;  // a heap: std::push_heap / std::pop_heap with Later
  std::uint64_t next_seq_ = 0;
  std::uint64_t tick_ = 0;
};

}  // namespace ch02
