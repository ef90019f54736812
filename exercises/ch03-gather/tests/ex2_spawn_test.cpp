// Exercise 2: spawn now, await later. The log says what main_flow did in which order; the
// server's trace says when the background request really started.
#include "ex2_spawn.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace {

using asynclings::testkit::diagnose;
using asynclings::testkit::figure;
using asynclings::testkit::Outcome;
using Lines = std::vector<std::string>;

constexpr const char* kBackground = "/delay/300ms";
constexpr const char* kOwnWork = "/delay/150ms";

std::ptrdiff_t position(const Lines& lines, const std::string& line) {
  auto it = std::find(lines.begin(), lines.end(), line);
  return it == lines.end() ? -1 : it - lines.begin();
}

std::string show(const Lines& lines) {
  std::string s;
  for (const auto& l : lines) s += (s.empty() ? "" : " | ") + l;
  return "[" + s + "]";
}

class SpawnNowAwaitLater : public asynclings::testkit::ServerTest {};

TEST_F(SpawnNowAwaitLater, TheCallerKeepsGoingWhileTheBackgroundWorkRuns) {
  auto log = std::make_shared<ch03::Log>();
  const int result = run(ch03::main_flow(async_client(), kBackground, kOwnWork, log));
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
    diagnose("sequential-awaits",
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
  if (all_done >= 0 && (bg_done < 0 || bg_done > all_done)) {
    diagnose("spawned-not-awaited",
             "\"All done\" was logged before the background work finished: the spawned work was "
             "never awaited, so its result was lost. Keep the promise co_spawn returns and "
             "co_await it before logging \"All done\"");
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
    run(ch03::main_flow(async_client(), "/status/500", kOwnWork, log));
    diagnose("spawned-not-awaited",
             "the background work threw BackgroundFailed but main_flow returned normally: an "
             "exception in work nobody awaits is lost (co_spawn with detached drops it). "
             "co_await the promise; it rethrows the background's exception");
    return;
  } catch (const ch03::BackgroundFailed& e) {
    EXPECT_NE(std::string(e.what()).find("500"), std::string::npos) << e.what();
  }
  EXPECT_EQ(position(log->lines, "All done"), -1) << "log " << show(log->lines);
  ASSERT_NE(position(log->lines, "Main continues immediately"), -1)
      << "the caller should go on after spawning; log " << show(log->lines);
  auto t = trace(2);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.count(Outcome::completed), 2u);
}

}  // namespace
