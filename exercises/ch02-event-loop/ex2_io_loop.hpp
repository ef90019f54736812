// Exercise 2: I/O readiness. The loop of ex1 learns to wait for file descriptors — and to
// wait for anything at all without burning the CPU.
//
//   ch02::IoLoop loop;
//   loop.add_reader(fd, [&] { read(fd, …); });   // loop.add_reader(sock, cb)
//   loop.call_later(300ms, [&] { loop.remove_reader(fd); });
//   loop.run();   // returns when nothing is ready, no timer is left and no reader is registered
//
// The tick is ex1's, with a real third step: poll(2) the readers' descriptors, waiting at most
// until the next timer is due (not at all when something is ready; for ever when there is no
// timer), and schedule the callback of every descriptor that has data. While it waits in
// poll() the thread sleeps in the kernel, which wakes it for data or at the timeout: an idle
// loop costs no CPU, and data is handled the moment it arrives.
//
// What the tests check (with pipes, written by a timer or by another thread): a reader runs
// when its pipe has data and only then; run() keeps going while a reader is registered and
// returns once it is removed; data that arrives during a long timer wait is handled at once,
// not when the timer is due; and a loop that waits 300 ms for a timer uses less than 10 ms of
// CPU (the test reads the process's CPU time around run()); a loop with only readers, or only
// timers, goes round a handful of times, not thousands (the tests count the ticks); and a
// reader also runs when the other end of its pipe is closed (end of file).
//
// The ready queue and the timers are given (ex1's, solved). Replace every ASYNCLINGS_TODO.
// `grader hint ch02 ex2` helps.
#pragma once

#include <asynclings/todo.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <poll.h>

namespace ch02 {

using Clock = std::chrono::steady_clock;
using Callback = std::function<void()>;

class IoLoop {
 public:
  // ---- given: ex1's ready queue and timers ----------------------------------------------

  void call_soon(Callback callback) { ready_.push_back(std::move(callback)); }
  void call_at(Clock::time_point when, Callback callback) {
    timers_.push_back(Timer{when, next_seq_++, std::move(callback)});
    std::push_heap(timers_.begin(), timers_.end(), Later{});
  }
  void call_later(Clock::duration delay, Callback callback) {
    call_at(Clock::now() + delay, std::move(callback));
  }
  std::uint64_t tick() const { return tick_; }

  // ---- I/O ----------------------------------------------------------------------------

  // Calls <callback> on a tick after <fd> has data to read (or has reached end of file), again
  // on every tick it still has, until remove_reader(fd). One reader per fd: a new one replaces
  // the old.
  void add_reader(int fd, Callback callback) {
    // TODO: readers_ maps each fd to its callback.
    (void)fd;
    (void)callback;
    ASYNCLINGS_TODO("IoLoop::add_reader");
  }

  // Stops watching <fd>; nothing happens if it was not watched. Safe from inside the callback.
  void remove_reader(int fd) {
    // TODO
    (void)fd;
    ASYNCLINGS_TODO("IoLoop::remove_reader");
  }

  // Ticks until nothing is ready, no timer is left and no reader is registered.
  void run() {
    // TODO: as ex1's, but a registered reader also keeps the loop alive.
    ASYNCLINGS_TODO("IoLoop::run");
  }

  // One tick: ready callbacks, due timers, then poll I/O (which is where the loop waits).
  void run_once() {
    // TODO: count the tick, run_ready_callbacks(), move_due_timers(), then poll_io() with
    //       the timeout poll_timeout_ms() computes. (No sleep_until any more: poll() waits.)
    ASYNCLINGS_TODO("IoLoop::run_once");
  }

 private:
  // How long step 3 may wait, in poll(2)'s terms: 0 when a callback is ready (do not wait),
  // the time until the next timer rounded UP to whole milliseconds (rounding down would wake
  // just before the deadline and spin), or -1 (no limit) when only readers are left.
  int poll_timeout_ms() const {
    // TODO: next_deadline() gives the earliest timer; std::chrono::ceil<milliseconds>
    //       rounds a duration up.
    ASYNCLINGS_TODO("IoLoop::poll_timeout_ms");
  }

  // Step 3: waits in poll(2) for any reader's fd (or the timeout), then schedules the
  // callback of each readable one with call_soon.
  void poll_io(int timeout_ms) {
    // TODO: one pollfd{fd, POLLIN, 0} per reader; ::poll(fds.data(), fds.size(), timeout_ms);
    //       then, for each fd whose revents has POLLIN, POLLHUP or POLLERR, call_soon() a
    //       callback that finds the reader in readers_ (it may have been removed meanwhile),
    //       copies its callback and calls the copy (the callback may remove itself).
    (void)timeout_ms;
    ASYNCLINGS_TODO("IoLoop::poll_io");
  }

  // ---- given: steps 1 and 2 of the tick, as in ex1 -------------------------------------

  void run_ready_callbacks() {
    for (std::size_t n = ready_.size(); n > 0; --n) {
      Callback callback = std::move(ready_.front());
      ready_.pop_front();
      callback();
    }
  }
  void move_due_timers() {
    const auto now = Clock::now();
    while (!timers_.empty() && timers_.front().when <= now) {
      std::pop_heap(timers_.begin(), timers_.end(), Later{});
      ready_.push_back(std::move(timers_.back().callback));
      timers_.pop_back();
    }
  }
  std::optional<Clock::time_point> next_deadline() const {
    if (timers_.empty()) return std::nullopt;
    return timers_.front().when;
  }

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
  std::map<int, Callback> readers_;  // fd -> what to call when it is readable
};

}  // namespace ch02
