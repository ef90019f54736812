// MISTAKE FIXTURE (busy-wait): poll() never waits; the loop spins until something happens.
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
#pragma once

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
  void add_reader(int fd, Callback callback) { readers_[fd] = std::move(callback); }

  // Stops watching <fd>; nothing happens if it was not watched. Safe from inside the callback.
  void remove_reader(int fd) { readers_.erase(fd); }

  // Ticks until nothing is ready, no timer is left and no reader is registered.
  void run() {
    while (!ready_.empty() || !timers_.empty() || !readers_.empty()) run_once();
  }

  // One tick: ready callbacks, due timers, then poll I/O (which is where the loop waits).
  void run_once() {
    ++tick_;
    run_ready_callbacks();
    move_due_timers();
    poll_io(poll_timeout_ms());
  }

 private:
  // How long step 3 may wait, in poll(2)'s terms: 0 when a callback is ready (do not wait),
  // the time until the next timer rounded UP to whole milliseconds (rounding down would wake
  // just before the deadline and spin), or -1 (no limit) when only readers are left.
  int poll_timeout_ms() const {
    return 0;  // WRONG: never wait; check again on the next tick, and the next, and the next…
    if (!ready_.empty()) return 0;
    if (auto deadline = next_deadline()) {
      const auto left = *deadline - Clock::now();
      if (left <= Clock::duration::zero()) return 0;
      return int(std::chrono::ceil<std::chrono::milliseconds>(left).count());
    }
    return readers_.empty() ? 0 : -1;
  }

  // Step 3: waits in poll(2) for any reader's fd (or the timeout), then schedules the
  // callback of each readable one with call_soon.
  void poll_io(int timeout_ms) {
    std::vector<pollfd> fds;
    fds.reserve(readers_.size());
    for (const auto& [fd, callback] : readers_) fds.push_back(pollfd{fd, POLLIN, 0});
    const int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n <= 0) return;  // timeout, or interrupted by a signal (EINTR): the next tick retries
    for (const auto& p : fds) {
      if ((p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      // Look the reader up when the callback runs, not now: an earlier callback may remove
      // it. Copy it before calling: the callback may remove itself, destroying the original.
      call_soon([this, fd = p.fd] {
        auto it = readers_.find(fd);
        if (it == readers_.end()) return;
        Callback callback = it->second;
        callback();
      });
    }
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
