// Exercise 2: spawn now, await later. The log says what main_flow did in which order; the
// server's trace says when the background request really started.
#include "ex2_spawn.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::testkit::Clock;
using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using asynclings::testkit::Outcome;
using Lines = std::vector<std::string>;

constexpr const char* kBackground = "/delay/300ms";
constexpr const char* kOwnWork = "/delay/150ms";

// run()'s report of a coroutine that never finished.
bool never_finished(const std::exception& e) {
  const std::string what = e.what();
  return what.find("did not finish") != std::string::npos ||
         what.find("can never finish") != std::string::npos;
}

void diagnose_hang() {
  diagnose(diagnoses::exception_lost_caller_waits,
           "the background work threw, and main_flow never came back: it waits for a result that "
           "will never be delivered because the exception was dropped on the way (a detached "
           "co_spawn, or a handler that only passes values on). Hand the exception_ptr to the "
           "caller too, and rethrow it there");
}

std::ptrdiff_t position(const Lines& lines, const std::string& line) {
  auto it = std::find(lines.begin(), lines.end(), line);
  return it == lines.end() ? -1 : it - lines.begin();
}

std::string show(const Lines& lines) {
  std::string s;
  for (const auto& l : lines) s += (s.empty() ? "" : " | ") + l;
  return "[" + s + "]";
}

// "All done" in the log of a main_flow that threw the background's failure.
bool diagnosed_all_done_on_failure(const Lines& lines) {
  if (position(lines, "All done") < 0) return false;
  diagnose("all-done-after-failure",
           "the background work failed and main_flow threw its exception, but it logged \"All "
           "done\" first (log " + show(lines) + "): \"All done\" means the background result is in "
           "hand. Rethrow the failure before that line, not after it");
  return true;
}

// Notes the moment main_flow came back (with a value or an exception).
asio::awaitable<int> timed(asio::awaitable<int> flow, std::shared_ptr<Clock::time_point> returned_at) {
  try {
    const int value = co_await std::move(flow);
    *returned_at = Clock::now();
    co_return value;
  } catch (...) {
    *returned_at = Clock::now();
    throw;
  }
}

class SpawnNowAwaitLater : public asynclings::testkit::ServerTest {};

TEST_F(SpawnNowAwaitLater, TheCallerKeepsGoingWhileTheBackgroundWorkRuns) {
  auto log = std::make_shared<ch03::Log>();
  auto returned_at = std::make_shared<Clock::time_point>();
  asynclings::testkit::Stopwatch wall;
  const double cpu_before = asynclings::testkit::process_cpu_ms();
  const int result = run(timed(ch03::main_flow(async_client(), kBackground, kOwnWork, log), returned_at));
  const double cpu_ms = asynclings::testkit::process_cpu_ms() - cpu_before;
  const double wall_ms = wall.elapsed_ms();
  auto t = trace(2);
  ASSERT_EQ(t.size(), 2u) << "expected one background request and one of the caller's own";
  const auto background = t.with_target_prefix(kBackground);
  const auto own = t.with_target_prefix(kOwnWork);
  ASSERT_EQ(background.size(), 1u);
  ASSERT_EQ(own.size(), 1u);
  const double bg_arrival = t.ms(background[0].arrival);
  const double own_arrival = t.ms(own[0].arrival);
  const double own_finish = t.ms(*own[0].finish);
  const double bg_finish = t.ms(*background[0].finish);
  figure("background_arrival_ms", bg_arrival, "ms", "before the caller's own work finished");
  figure("own_work_finish_ms", own_finish, "ms", "");

  const Lines& lines = log->lines;
  const auto all_done = position(lines, "All done");
  const auto bg_done = position(lines, "Background work done");
  if (bg_finish <= own_arrival + 1.0) {
    diagnose(diagnoses::sequential_awaits,
             "the background request finished before the caller's own work began: the caller "
             "waited for it at once (like `await background_work()`). Start it with co_spawn "
             "and experimental::use_promise, and co_await the promise only after the own work");
    return;
  }
  if (bg_arrival >= own_finish - 1.0) {
    diagnose("started-late",
             "the background request reached the server only after the caller's own work had "
             "finished: the work was not started when it was spawned. co_spawn(…, "
             "use_awaitable) is lazy; co_spawn(…, experimental::use_promise) starts it now");
    return;
  }
  const double returned_ms = t.ms(*returned_at);
  figure("returned_ms", returned_ms, "ms", "after the background request finished");
  if (returned_ms < bg_finish - 1.0) {
    diagnose("spawned-not-awaited",
             "main_flow returned before the background request had finished: the spawned work "
             "was never awaited, so its result (and any exception) was lost. Keep a handle on "
             "it (a channel its completion handler sends to) and wait for it before \"All done\"");
    return;
  }
  if (all_done >= 0 && (bg_done < 0 || bg_done > all_done)) {
    diagnose("all-done-before-result",
             "\"All done\" was logged before the background work finished, although main_flow "
             "waited for it afterwards: log it only once the background's result is in hand");
    return;
  }
  const auto did_other_line = position(lines, "Main did some other work");
  if (did_other_line >= 0 && bg_done >= 0 && bg_done < did_other_line &&
      log->times[std::size_t(did_other_line)] > *background[0].finish &&
      t.ms(*own[0].finish) < bg_finish - 1.0) {
    diagnose("own-work-joined-with-background",
             "the caller's own request finished at " + std::to_string(int(own_finish)) +
                 " ms but \"Main did some other work\" was logged only after the background work "
                 "ended: the caller waited for its own work and the background together (`&&` or "
                 "a group). Await only the own work, log, then wait for the background");
    return;
  }
  // Waiting for the background work suspends main_flow: the whole run costs about 1.5 ms of
  // CPU. A loop that checks a flag and re-queues itself spins for the 150 ms it waits: 80 ms
  // of CPU and more on a quiet machine, and above 10 ms even when a loaded one gives it a
  // fifteenth of a core (several times what a waiting coroutine costs, whatever the load).
  const double spin_bound = std::min(wall_ms / 4, 10.0);
  figure("cpu_ms", cpu_ms, "ms", "a few ms, below " + std::to_string(int(spin_bound)));
  if (cpu_ms > spin_bound) {
    diagnose(diagnoses::busy_wait,
             "main_flow used " + std::to_string(int(cpu_ms)) + " ms of CPU in " +
                 std::to_string(int(wall_ms)) + " ms, most of it waiting for the background "
                 "work: it checked for the result in a loop (post, look, post again) instead of "
                 "sleeping until it arrives. co_await something the completion handler "
                 "completes — a channel's async_receive suspends until the outcome is sent");
    return;
  }
  const Lines expected{"Main continues immediately", "Main did some other work",
                       "Background work done", "All done"};
  EXPECT_EQ(lines, expected) << "log " << show(lines);
  EXPECT_TRUE(t.overlap(0, 1)) << "both requests should be in flight together";
  EXPECT_EQ(result, int(background[0].id))
      << "main_flow returns the background work's value (the request id it got back)";
  const auto did_other = position(lines, "Main did some other work");
  ASSERT_GE(did_other, 0);
  const double awaited_ms = t.ms(log->times[std::size_t(did_other)]);
  figure("caller_awaited_ms", awaited_ms, "ms", "after the background request arrived");
  EXPECT_LT(bg_arrival, awaited_ms)
      << "the background request should reach the server before the caller waits for it";
}

TEST_F(SpawnNowAwaitLater, AnExceptionInTheBackgroundWorkReachesTheCaller) {
  auto log = std::make_shared<ch03::Log>();
  try {
    run(ch03::main_flow(async_client(), "/status/500", kOwnWork, log), std::chrono::seconds{2});
    diagnose("spawned-not-awaited",
             "the background work threw BackgroundFailed but main_flow returned normally: an "
             "exception in work nobody awaits is lost (co_spawn with detached drops it). "
             "co_await the promise; it rethrows the background's exception");
    return;
  } catch (const ch03::BackgroundFailed& e) {
    EXPECT_NE(std::string(e.what()).find("500"), std::string::npos) << e.what();
  } catch (const std::runtime_error& e) {
    if (!never_finished(e)) throw;
    diagnose_hang();
    return;
  }
  if (diagnosed_all_done_on_failure(log->lines)) return;
  ASSERT_NE(position(log->lines, "Main continues immediately"), -1)
      << "the caller should go on after spawning; log " << show(log->lines);
  auto t = trace(1);  // run() is over: every request main_flow made has been sent
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.count(Outcome::completed), t.size());
}

// The background request fails at 300 ms, after the caller finished its own 150 ms of work
// and started waiting: the failure arrives while someone is already waiting for it.
TEST_F(SpawnNowAwaitLater, AFailureThatArrivesWhileTheCallerIsWaitingStillReachesTheCaller) {
  auto log = std::make_shared<ch03::Log>();
  const std::string late_failure = "/drip?delay=300ms&duration=0ms&numbytes=1&code=500";
  bool threw = false;
  int value = 0;
  try {
    value = run(ch03::main_flow(async_client(), late_failure, kOwnWork, log), std::chrono::seconds{2});
  } catch (const ch03::BackgroundFailed& e) {
    threw = true;
    EXPECT_NE(std::string(e.what()).find("500"), std::string::npos) << e.what();
  } catch (const std::runtime_error& e) {
    if (!never_finished(e)) throw;
    diagnose_hang();
    return;
  }
  auto t = trace(1);  // run() is over: every request main_flow made has been sent
  if (t.size() == 1 && t.with_target_prefix("/drip").size() == 1) {
    diagnose(diagnoses::sequential_awaits,
             "main_flow waited for the background work before starting its own: the caller "
             "should start it, do its own work, and only then wait for it");
    return;
  }
  ASSERT_EQ(t.size(), 2u) << "expected one background request and one of the caller's own";
  const auto background = t.with_target_prefix("/drip");
  const auto own = t.with_target_prefix(kOwnWork);
  ASSERT_EQ(background.size(), 1u);
  ASSERT_EQ(own.size(), 1u);
  ASSERT_TRUE(background[0].finish && own[0].finish);
  figure("background_failed_ms", t.ms(*background[0].finish), "ms", "about 300, after the caller waits");
  figure("own_work_finish_ms", t.ms(*own[0].finish), "ms", "about 150");
  if (t.ms(*background[0].finish) <= t.ms(own[0].arrival) + 1.0) {
    diagnose(diagnoses::sequential_awaits,
             "the background request finished before the caller's own work began: the caller "
             "waited for it at once. Start it now, do the own work, then wait for it");
    return;
  }
  const auto all_done = position(log->lines, "All done");
  if (!threw && all_done >= 0 &&
      t.ms(log->times[std::size_t(all_done)]) < t.ms(*background[0].finish) - 1.0) {
    diagnose("spawned-not-awaited",
             "\"All done\" was logged before the background request had even failed: the spawned "
             "work was never awaited, so its exception was lost. Wait for it before \"All done\"");
    return;
  }
  if (!threw) {
    diagnose(diagnoses::late_failure_lost,
             "the background work failed at about 300 ms, while main_flow was already waiting "
             "for it, yet main_flow returned " + std::to_string(value) + " and logged " +
                 show(log->lines) + ". In Boost 1.81 an experimental::promise that fails while "
                 "it is being awaited hands back no exception (and `detached` drops it): deliver "
                 "the background's outcome through something that keeps exceptions, e.g. a "
                 "completion handler that sends the exception_ptr into a channel you then receive");
    return;
  }
  if (diagnosed_all_done_on_failure(log->lines)) return;
  EXPECT_EQ(position(log->lines, "Background work done"), -1) << "log " << show(log->lines);
  EXPECT_NE(position(log->lines, "Main did some other work"), -1) << "log " << show(log->lines);
}

// The background request (50 ms) is over long before the caller's own work (150 ms) is, so its
// outcome exists before anyone waits for it: it must be kept until main_flow asks for it.
TEST_F(SpawnNowAwaitLater, AResultThatIsReadyBeforeTheCallerWaitsIsKeptForIt) {
  auto log = std::make_shared<ch03::Log>();
  int result = 0;
  try {
    result = run(ch03::main_flow(async_client(), "/delay/50ms", kOwnWork, log), std::chrono::seconds{2});
  } catch (const std::runtime_error& e) {
    if (!never_finished(e)) throw;
    diagnose("early-outcome-lost",
             "the background work finished (at about 50 ms) before main_flow waited for it "
             "(after its own 150 ms), and main_flow never came back: the outcome was thrown away "
             "because nobody was waiting yet. A channel's try_send with no room (a channel "
             "built without a size hands over only to a receiver already waiting) drops it; a "
             "timer cancelled before anyone waits on it wakes nobody. Give the channel room for "
             "one, or check a done flag before waiting");
    return;
  }
  auto t = trace(2);
  ASSERT_EQ(t.size(), 2u) << "expected one background request and one of the caller's own";
  const auto background = t.with_target_prefix("/delay/50ms");
  ASSERT_EQ(background.size(), 1u);
  EXPECT_EQ(result, int(background[0].id))
      << "main_flow returns the background work's value (the request id it got back)";
  // (The background's line comes before "Main did some other work" unless a loaded machine
  // delays its 50 ms request by 100 ms more: compare the lines as a set, and "All done" last.)
  Lines sorted = log->lines;
  std::sort(sorted.begin(), sorted.end());
  const Lines expected{"All done", "Background work done", "Main continues immediately",
                       "Main did some other work"};
  EXPECT_EQ(sorted, expected) << "log " << show(log->lines);
  ASSERT_FALSE(log->lines.empty());
  EXPECT_EQ(log->lines.back(), "All done") << "log " << show(log->lines);
}

}  // namespace
