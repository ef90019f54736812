// Exercise 2: IoLoop. The file descriptors are pipes: a test writes into one end (from a
// timer on the loop, or from another thread, like a server answering) and the loop watches the
// other. What is judged: when each reader ran compared with when its data was written, and how
// much CPU the process used while the loop had nothing to do.
#include "ex2_io_loop.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

// The tests see the timeouts the loop hands to poll(2): this definition stands in for the C
// library's in the whole test program, notes the call when the test thread asks for it, and
// passes every call on unchanged (through ppoll, which it does not replace). A loop that
// waits some other way (epoll, ppoll) is simply not watched.
namespace poll_watch {
thread_local bool recording = false;
thread_local std::vector<std::pair<std::chrono::steady_clock::time_point, int>> calls;
}  // namespace poll_watch

extern "C" int poll(struct pollfd* fds, nfds_t nfds, int timeout) {
  if (poll_watch::recording) poll_watch::calls.emplace_back(std::chrono::steady_clock::now(), timeout);
  if (timeout < 0) return ::ppoll(fds, nfds, nullptr, nullptr);
  const timespec limit{timeout / 1000, (timeout % 1000) * 1'000'000L};
  return ::ppoll(fds, nfds, &limit, nullptr);
}

namespace {

using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using asynclings::testkit::process_cpu_ms;
using asynclings::testkit::Stopwatch;
using asynclings::testkit::tolerant_ms;
using namespace std::chrono_literals;

// A pipe with both ends non-blocking, closed on destruction.
class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_NONBLOCK | O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  }
  ~Pipe() {
    ::close(fds_[0]);
    close_write_end();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  int read_end() const { return fds_[0]; }
  // The writer hangs up: the reader sees end of file (poll reports POLLHUP).
  void close_write_end() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }
  void write(const std::string& text) const {
    if (::write(fds_[1], text.data(), text.size()) != ssize_t(text.size()))
      throw std::runtime_error("pipe write failed");
  }
  // Everything that can be read right now (empty when nothing is there).
  std::string read_available() const {
    std::string out;
    char buffer[256];
    for (;;) {
      const ssize_t n = ::read(fds_[0], buffer, sizeof buffer);
      if (n <= 0) break;
      out.append(buffer, std::size_t(n));
    }
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
};

std::string ms(double v) { return std::to_string(int(v)); }

// Set by the first test when poll() waits past a due timer (a callback ready, or a timeout
// in the wrong unit): the tests whose timer falls due while a reader waits on an empty pipe,
// or while poll() watches nothing, would then wait for ever, so they are skipped (the first
// test has named the mistake).
bool poll_waits_while_ready = false;

#define SKIP_IF_POLL_WAITS_WHILE_READY()                                                  \
  if (poll_waits_while_ready)                                                             \
  GTEST_SKIP() << "skipped: poll() waits past a due timer (see "                          \
                  "ADueTimerRunsAtOnceWhileAReaderWaitsForData), so this loop would never end"

// First, because the mistake it catches makes the later tests wait for ever: a timer falls
// due while a reader waits on a pipe that stays empty. The timer's callback is ready, so
// poll() must not wait; a loop that waits anyway blocks until a watchdog thread writes into
// the pipe, long after the timer's deadline. The judge is the order of the two events, not
// a duration.
TEST(IoLoop, ADueTimerRunsAtOnceWhileAReaderWaitsForData) {
  ch02::IoLoop loop;
  Pipe pipe;
  std::atomic<bool> watchdog_wrote{false};
  bool timer_ran_after_the_watchdog = false;
  int timer_calls = 0;
  loop.add_reader(pipe.read_end(), [&] { pipe.read_available(); });
  loop.call_later(20ms, [&] {
    ++timer_calls;
    timer_ran_after_the_watchdog = watchdog_wrote.load();
    loop.remove_reader(pipe.read_end());
  });
  {
    std::jthread watchdog([&](std::stop_token stop) {
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lock(m);
      const auto limit = std::chrono::milliseconds{int(tolerant_ms(2000))};
      cv.wait_for(lock, stop, limit, [] { return false; });  // until the loop is done
      if (stop.stop_requested()) return;
      watchdog_wrote = true;
      pipe.write("wake up");
    });
    poll_watch::calls.clear();
    poll_watch::recording = true;
    loop.run();
    poll_watch::recording = false;
  }
  int longest_timeout = 0;  // what poll() was told, in milliseconds (-1: no limit)
  for (const auto& call : poll_watch::calls) longest_timeout = std::max(longest_timeout, call.second);
  ASSERT_EQ(timer_calls, 1) << "the 20 ms timer must run once";
  if (timer_ran_after_the_watchdog) {
    poll_waits_while_ready = true;
    if (longest_timeout > 60'000) {
      diagnose("poll-timeout-not-in-milliseconds",
               "poll() was told to wait " + std::to_string(longest_timeout) + " ms for a timer "
               "due in 20 ms: the duration's count() went to poll() as it was (nanoseconds, "
               "the steady clock's unit). Convert it to whole milliseconds, rounded up: "
               "std::chrono::ceil<std::chrono::milliseconds>(left).count()");
      return;
    }
    diagnose("poll-waits-while-ready",
             "the 20 ms timer was due and its callback ready, but the loop waited in poll() "
             "until data arrived (seconds later): poll() was given -1 (no limit) although a "
             "callback was ready. When the ready queue is not empty, poll() must not wait "
             "(timeout 0)");
  }
}

// One reader per descriptor: registering a second one replaces the first (asyncio does the
// same).
TEST(IoLoop, ASecondReaderForTheSameDescriptorReplacesTheFirst) {
  ch02::IoLoop loop;
  Pipe pipe;
  pipe.write("x");
  int first_calls = 0, second_calls = 0;
  loop.add_reader(pipe.read_end(), [&] {
    ++first_calls;
    loop.remove_reader(pipe.read_end());
  });
  loop.add_reader(pipe.read_end(), [&] {
    ++second_calls;
    pipe.read_available();
    loop.remove_reader(pipe.read_end());
  });
  loop.run();
  if (first_calls > 0) {
    diagnose("reader-not-replaced",
             "add_reader() was called twice for one descriptor, and the first callback still "
             "ran: the second must replace it (readers_[fd] = callback; emplace() and "
             "insert() keep the old entry when the key exists)");
    return;
  }
  EXPECT_EQ(second_calls, 1) << "the reader registered last must run";
}

TEST(IoLoop, AReaderRunsWhenItsPipeHasData) {
  SKIP_IF_POLL_WAITS_WHILE_READY();
  ch02::IoLoop loop;
  Pipe pipe;
  Stopwatch clock;
  std::string got;
  int calls = 0;
  double handled_ms = -1;
  loop.add_reader(pipe.read_end(), [&] {
    ++calls;
    got += pipe.read_available();
    handled_ms = clock.elapsed_ms();
    loop.remove_reader(pipe.read_end());
  });
  loop.call_later(30ms, [&] { pipe.write("hello"); });
  loop.run();
  figure("handled_ms", handled_ms, "ms", "30 to " + ms(30 + tolerant_ms(50)));
  EXPECT_EQ(got, "hello");
  EXPECT_EQ(calls, 1) << "the reader removed itself after its first call";
  EXPECT_GE(handled_ms, 30.0) << "the reader ran before its pipe had data";
  EXPECT_LE(handled_ms, 30 + tolerant_ms(50)) << "the reader ran long after the data arrived";
}

TEST(IoLoop, ALoopWithOnlyAReaderWaitsForDataFromAnotherThread) {
  ch02::IoLoop loop;
  Pipe pipe;
  Stopwatch clock;
  std::vector<double> written(3, -1), handled;
  std::string got;
  loop.add_reader(pipe.read_end(), [&] {
    const std::string chunk = pipe.read_available();
    for (std::size_t i = 0; i < chunk.size(); ++i) handled.push_back(clock.elapsed_ms());
    got += chunk;
    if (got.size() >= 3) loop.remove_reader(pipe.read_end());
  });
  {
    std::jthread writer([&] {
      for (int i = 0; i < 3; ++i) {
        std::this_thread::sleep_until(std::chrono::steady_clock::now() + 40ms);
        pipe.write(std::to_string(i + 1));
        written[i] = clock.elapsed_ms();
      }
    });
    loop.run();
  }
  if (got.empty()) {
    diagnose("reader-does-not-keep-loop-alive",
             "run() returned before any data arrived, while a reader was registered: a "
             "registered reader keeps the loop going (run() ticks while anything is ready, any "
             "timer is left OR any reader is registered) until it is removed");
    return;
  }
  figure("ticks", double(loop.tick()), "ticks", "a few per message");
  if (loop.tick() > 50) {
    diagnose("spins-on-readers",
             "with only a reader registered and no timer, the loop went round " +
                 std::to_string(loop.tick()) + " times in about 120 ms: poll() was given a "
                 "zero timeout. With nothing ready and no timer, wait in poll() with timeout "
                 "-1 (no limit): data on a reader's descriptor is what wakes the loop");
    return;
  }
  EXPECT_EQ(got, "123");
  ASSERT_EQ(handled.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const double late = handled[i] - written[i];
    figure("message_" + std::to_string(i + 1) + "_late_ms", late, "ms", "<= " + ms(tolerant_ms(50)));
    EXPECT_LE(late, tolerant_ms(50)) << "message " << i + 1 << " was handled late";
  }
}

TEST(IoLoop, DataArrivingDuringALongTimerWaitIsHandledAtOnce) {
  SKIP_IF_POLL_WAITS_WHILE_READY();
  // The loop's only timer is due at 300 ms; the data comes at 50 ms from another thread.
  ch02::IoLoop loop;
  Pipe pipe;
  Stopwatch clock;
  double written_ms = -1, handled_ms = -1;
  loop.add_reader(pipe.read_end(), [&] {
    pipe.read_available();
    handled_ms = clock.elapsed_ms();
    loop.remove_reader(pipe.read_end());
  });
  loop.call_later(300ms, [&] { loop.remove_reader(pipe.read_end()); });
  {
    std::jthread writer([&] {
      std::this_thread::sleep_until(std::chrono::steady_clock::now() + 50ms);
      pipe.write("x");
      written_ms = clock.elapsed_ms();
    });
    loop.run();
  }
  figure("written_ms", written_ms, "ms", "50");
  figure("handled_ms", handled_ms, "ms", "<= written + " + ms(tolerant_ms(50)));
  if (handled_ms < 0) {
    if (loop.tick() < 2) {
      diagnose("reader-does-not-keep-loop-alive",
               "run() returned after " + std::to_string(loop.tick()) + " tick(s) although a "
               "reader and a timer were registered");
      return;
    }
    ADD_FAILURE() << "the reader never ran although its pipe had data from 50 ms on";
    return;
  }
  if (handled_ms - written_ms > tolerant_ms(50) && handled_ms >= 290) {
    diagnose("sleeps-through-io",
             "the data arrived at " + ms(written_ms) + " ms but its reader ran at " +
                 ms(handled_ms) + " ms, when the timer was due: the loop slept until the "
                 "timer. Wait in poll() itself, with the time to the next timer as its timeout, "
                 "so that data wakes the loop up");
    return;
  }
  EXPECT_LE(handled_ms - written_ms, tolerant_ms(50)) << "the reader ran late";
}

TEST(IoLoop, AnIdleLoopBurnsAlmostNoCpuWhileItWaits) {
  SKIP_IF_POLL_WAITS_WHILE_READY();
  // A reader on a pipe that stays empty, and a timer at 300 ms that ends the wait: 300 ms
  // with nothing to do. The process's CPU time is read before and after.
  ch02::IoLoop loop;
  Pipe pipe;
  int reader_calls = 0;
  loop.add_reader(pipe.read_end(), [&] { ++reader_calls; });
  loop.call_later(300ms, [&] { loop.remove_reader(pipe.read_end()); });
  Stopwatch clock;
  const double cpu_before = process_cpu_ms();
  loop.run();
  const double cpu = process_cpu_ms() - cpu_before;
  const double wall = clock.elapsed_ms();
  figure("cpu_ms", cpu, "ms", "< 10");
  figure("wall_ms", wall, "ms", "300 to " + ms(300 + tolerant_ms(100)));
  figure("ticks", double(loop.tick()), "ticks", "a handful");
  if (cpu >= 10) {
    diagnose(diagnoses::busy_wait,
             "the loop used " + ms(cpu) + " ms of CPU in " + ms(wall) + " ms of waiting: it "
             "spun, polling with a zero timeout tick after tick (" + std::to_string(loop.tick()) +
             " ticks). When nothing is ready, give poll() the time until the next timer as its "
             "timeout, so the thread sleeps in the kernel");
    return;
  }
  EXPECT_EQ(reader_calls, 0) << "the reader ran although its pipe never had data";
  EXPECT_GE(wall, 300.0) << "run() returned before the timer was due";
  EXPECT_LE(wall, 300 + tolerant_ms(100)) << "run() kept going after the last reader was removed";
}

TEST(IoLoop, AReaderRemovedBeforeItsTurnIsNotCalled) {
  // Both pipes hold data that nobody reads, so both stay readable; whichever reader runs
  // first removes both. The other may already be scheduled for this tick: it must not run.
  ch02::IoLoop loop;
  Pipe a, b;
  a.write("a");
  b.write("b");
  int calls = 0;
  auto remove_both = [&] {
    ++calls;
    loop.remove_reader(a.read_end());
    loop.remove_reader(b.read_end());
  };
  loop.add_reader(a.read_end(), remove_both);
  loop.add_reader(b.read_end(), remove_both);
  Stopwatch clock;
  loop.run();
  if (calls > 1) {
    diagnose("removed-reader-called",
             "both pipes were readable; the first reader removed both, yet the second one "
             "still ran: the callback was copied when poll() reported the descriptor. "
             "Schedule a small callback that looks the reader up in readers_ when it runs, "
             "and does nothing if it is gone");
    return;
  }
  EXPECT_EQ(calls, 1) << "a reader ran after it had been removed";
  EXPECT_LT(clock.elapsed_ms(), tolerant_ms(50)) << "both pipes were readable at once";
}

TEST(IoLoop, AReaderRunsWhenTheOtherEndOfItsPipeIsClosed) {
  SKIP_IF_POLL_WAITS_WHILE_READY();
  // End of file is news too: asyncio calls the reader, read() returns 0, the reader stops.
  // The writer hangs up at 30 ms; a timer at 100 ms takes the reader away if it never ran.
  ch02::IoLoop loop;
  Pipe pipe;
  Stopwatch clock;
  double eof_ms = -1;
  loop.add_reader(pipe.read_end(), [&] {
    if (pipe.read_available().empty()) {
      eof_ms = clock.elapsed_ms();
      loop.remove_reader(pipe.read_end());
    }
  });
  loop.call_later(30ms, [&] { pipe.close_write_end(); });
  loop.call_later(100ms, [&] { loop.remove_reader(pipe.read_end()); });
  loop.run();
  figure("end_of_file_handled_ms", eof_ms, "ms", "30 to " + ms(30 + tolerant_ms(50)));
  if (eof_ms < 0) {
    diagnose("ignores-hangup",
             "the writer closed the pipe at 30 ms but the reader never ran: at end of file "
             "poll() reports POLLHUP, not POLLIN. Schedule the reader when revents has any "
             "of POLLIN, POLLHUP or POLLERR");
    return;
  }
  EXPECT_GE(eof_ms, 30.0);
  EXPECT_LE(eof_ms, 30 + tolerant_ms(50)) << "the end of file was handled late";
}

TEST(IoLoop, TimersFireWithoutSpinningJustBeforeTheirDeadline) {
  SKIP_IF_POLL_WAITS_WHILE_READY();
  // A chain of ten 9.9 ms timers (each callback sets the next) and nothing else: poll() is
  // the loop's only way to wait. Its timeout is in whole milliseconds: rounded down, 9.9 ms
  // becomes 9, the loop wakes about 0.9 ms early and spins to the deadline, hundreds of
  // ticks per timer. (Each wait starts right after a timer fired, so every one of them has
  // the same 0.9 ms to lose, however late the previous wake-up was.)
  //   On a loaded machine a late wake-up can hide the spin, so the timeouts themselves are
  // looked at too: with 9.9 ms to go, a poll() told to wait 9 ms is rounded down.
  ch02::IoLoop loop;
  Stopwatch clock;
  std::vector<double> fired;
  std::vector<std::chrono::steady_clock::time_point> deadlines;
  constexpr auto gap = std::chrono::microseconds{9900};
  std::function<void()> next = [&] {
    fired.push_back(clock.elapsed_ms());
    if (fired.size() >= 10) return;
    deadlines.push_back(std::chrono::steady_clock::now() + gap);  // the loop's is a bit later
    loop.call_later(gap, next);
  };
  deadlines.push_back(std::chrono::steady_clock::now() + gap);
  loop.call_later(gap, next);
  const double cpu_before = process_cpu_ms();
  poll_watch::calls.clear();
  poll_watch::recording = true;
  loop.run();
  poll_watch::recording = false;
  const double cpu = process_cpu_ms() - cpu_before;
  const double wall = clock.elapsed_ms();
  // Timeouts that end a fraction of a millisecond before the pending deadline.
  int short_waits = 0, waits = 0;
  for (const auto& [when, timeout_ms] : poll_watch::calls) {
    if (timeout_ms <= 0) continue;
    ++waits;
    auto pending = std::find_if(deadlines.begin(), deadlines.end(), [&](auto d) { return d > when; });
    if (pending == deadlines.end()) continue;
    const double left_ms = std::chrono::duration<double, std::milli>(*pending - when).count();
    if (left_ms - timeout_ms > 0.05 && left_ms - timeout_ms < 1.0) ++short_waits;
  }
  figure("poll_timeouts_rounded_down", short_waits, "calls", "0");
  figure("ticks", double(loop.tick()), "ticks", "about 2 per timer, <= 40");
  figure("cpu_ms", cpu, "ms", "almost none");
  ASSERT_EQ(fired.size(), 10u);
  const bool watched = !poll_watch::calls.empty();
  const bool never_waited = watched ? waits == 0 && short_waits == 0 : cpu > wall / 2;
  if (loop.tick() > 100 && never_waited) {
    diagnose(diagnoses::busy_wait,
             "the loop used " + ms(cpu) + " ms of CPU in " + ms(wall) + " ms of waiting for "
             "timers (" + std::to_string(loop.tick()) + " ticks): poll() never waited. With "
             "nothing ready, give poll() the time until the next timer as its timeout");
    return;
  }
  if (loop.tick() > 100 || short_waits > 0) {
    diagnose("rounds-timeout-down",
             std::to_string(loop.tick()) + " ticks for ten timers, " +
                 std::to_string(short_waits) + " poll() timeout(s) ending just before the "
                 "deadline: the time to the next timer was rounded DOWN to whole "
                 "milliseconds, so poll() wakes early and the loop spins with a zero timeout "
                 "until the deadline. Round it UP (std::chrono::ceil<std::chrono::milliseconds>)");
    return;
  }
  for (std::size_t i = 1; i < fired.size(); ++i)
    EXPECT_GE(fired[i] - fired[i - 1], 9.9) << "timer " << i + 1 << " fired early";
  EXPECT_LE(loop.tick(), 40u);
}

TEST(IoLoop, OnlyTheReaderWhosePipeHasDataRuns) {
  SKIP_IF_POLL_WAITS_WHILE_READY();
  ch02::IoLoop loop;
  Pipe quiet, busy;
  std::vector<std::string> log;
  loop.add_reader(quiet.read_end(), [&] { log.push_back("quiet"); });
  loop.add_reader(busy.read_end(), [&] {
    log.push_back("busy: " + busy.read_available());
    loop.remove_reader(busy.read_end());
    loop.remove_reader(quiet.read_end());
  });
  loop.call_later(30ms, [&] { busy.write("data"); });
  loop.call_soon([&] { log.push_back("soon"); });
  loop.run();
  if (std::find(log.begin(), log.end(), "quiet") != log.end()) {
    diagnose("unready-reader-called",
             "only one of the two pipes had data, yet the reader of the empty one ran too: "
             "schedule a reader only when poll() set its own descriptor's revents (POLLIN, "
             "POLLHUP or POLLERR), not whenever poll() returned something");
    return;
  }
  EXPECT_EQ(log, (std::vector<std::string>{"soon", "busy: data"}));
}

}  // namespace
