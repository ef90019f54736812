// Exercise 1: the semaphore on its own (no server, no clock: the io_context is polled by hand),
// then fetch_all judged from the server's trace: the peak number of requests in flight must be
// exactly the limit, and the run must take about ceil(N / limit) delays. A proxy that hangs up
// on one path makes its GET throw: the permit must come back and the other paths still run.
#include "ex1_rate_limit.hpp"
#include "support.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <asynclings/todo.hpp>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;
using asynclings::client::Response;
using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using asynclings::testkit::Outcome;
using asynclings::testkit::tolerant_ms;
using asynclings::testkit::TraceView;
using std::chrono::milliseconds;

constexpr int kDelayMs = 100;

asio::awaitable<void> holder(ch06::Semaphore& semaphore, std::vector<int>& entered, int id) {
  co_await semaphore.acquire();
  entered.push_back(id);
}

// Runs what is ready on <io>, at most <limit> handlers: false when the loop never ran out of
// ready work (a coroutine that re-queues itself while it waits).
bool settle(asio::io_context& io, std::size_t limit = 100'000) {
  for (std::size_t n = 0; n < limit; ++n) {
    if (io.poll_one() == 0) return true;
  }
  return false;
}

TEST(Semaphore, AdmitsAsManyHoldersAsPermitsAndMakesTheNextWaitForARelease) {
  asio::io_context io;
  ch06::Semaphore semaphore(io.get_executor(), 2);
  std::vector<int> entered;
  for (int id = 1; id <= 3; ++id) asio::co_spawn(io, holder(semaphore, entered, id), asio::detached);
  if (!settle(io)) {
    diagnose(diagnoses::busy_wait,
             "with both permits taken, the third acquire() kept the loop busy (100,000 handlers "
             "and counting): it re-queues itself to look again (post / yield in a loop). A "
             "waiter must suspend until release() wakes it: async_receive on a channel of "
             "tokens waits without costing the loop anything");
    return;
  }
  figure("holders_before_release", double(entered.size()), "", "2");
  if (entered.size() > 2) {
    diagnose("limit-ignored", "3 coroutines acquired a semaphore with 2 permits: acquire() must wait "
                              "when no permit is left (async_receive on an empty channel waits)");
    return;
  }
  ASSERT_EQ(entered, (std::vector<int>{1, 2})) << "the first two acquires should not wait";
  semaphore.release();
  settle(io);
  if (entered.size() == 2) {
    // Not woken by the release: does it get in later on its own, by polling?
    io.run_for(milliseconds{200});
    if (entered.size() == 3) {
      diagnose(diagnoses::busy_wait,
               "release() did not let the waiting coroutine in: it got in only later, on its own "
               "— acquire() sleeps and looks again (a timer in a loop) instead of being woken by "
               "the release. Make release() resume a waiter: with a channel of tokens, "
               "release() is try_send and acquire() is async_receive");
      return;
    }
  }
  EXPECT_EQ(entered, (std::vector<int>{1, 2, 3})) << "a release should let the waiting coroutine in";
}

std::string delay_path(int ms, int item) {
  return "/delay/" + std::to_string(ms) + "ms?item=" + std::to_string(item);
}

int item_of(const std::string& text) {
  return ch06test::first_int(text, "item=(\\d+)", -1);
}

// What a run of fetch_all ended with.
struct FetchRun {
  std::optional<std::vector<Response>> responses;
  std::exception_ptr error;
  bool hung = false;
  double wall_ms = 0;
  asynclings::server::Clock::time_point returned_at;  // on the trace's clock
};

class RateLimit : public asynclings::testkit::ServerTest {
 protected:
  FetchRun run_fetch_all(AsyncClient client, std::vector<std::string> paths, std::size_t limit,
                    milliseconds within = milliseconds{5000}) {
    FetchRun r;
    asynclings::testkit::Stopwatch watch;
    try {
      r.responses = run(ch06::fetch_all(std::move(client), std::move(paths), limit), within);
    } catch (const asynclings::NotImplemented&) {
      throw;
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()).find("did not finish") != std::string::npos) r.hung = true;
      else r.error = std::current_exception();
    } catch (...) {
      r.error = std::current_exception();
    }
    r.wall_ms = watch.elapsed_ms();
    r.returned_at = asynclings::server::Clock::now();
    return r;
  }

  // Each path requested exactly once (the server's view); false once diagnosed.
  bool each_path_once(const TraceView& t, const std::vector<std::string>& paths) {
    std::map<std::string, int> seen;
    for (const auto& record : t.records()) ++seen[record.target];
    int missing = 0, repeated = 0;
    for (const auto& path : paths) {
      const int n = seen.count(path) ? seen[path] : 0;
      if (n == 0) ++missing;
      if (n > 1) ++repeated;
    }
    figure("requests", double(t.size()), "", "exactly " + std::to_string(paths.size()));
    if (missing > 0) {
      diagnose("requests-missing",
               "the server never saw a request for " + std::to_string(missing) + " of the " +
                   std::to_string(paths.size()) + " paths: GET each path once. (A lambda coroutine "
                   "spawned as `[&]() -> awaitable<…> {…}()` reads its captures from a closure that "
                   "is gone by the time it runs: use a named coroutine function with by-value parameters)");
      return false;
    }
    if (repeated > 0 || t.size() != paths.size()) {
      diagnose("wrong-request-count", "the server saw " + std::to_string(t.size()) + " requests for " +
                                          std::to_string(paths.size()) + " paths: GET each path exactly once");
      return false;
    }
    return true;
  }

  // Runs fetch_all over <n> delayed paths with <limit> and judges the trace.
  void check(int n, int limit) {
    std::vector<std::string> paths;
    for (int i = 0; i < n; ++i) paths.push_back(delay_path(kDelayMs, i));
    const FetchRun r = run_fetch_all(async_client(), paths, std::size_t(limit));
    auto t = trace(0);  // fetch_all has ended: what was sent has arrived
    const auto peak = t.peak_in_flight();
    const int rounds = (n + limit - 1) / limit;
    figure("peak_in_flight", double(peak), "", "exactly " + std::to_string(limit));
    figure("wall_ms", r.wall_ms, "ms", "about " + std::to_string(rounds * kDelayMs));
    if (!each_path_once(t, paths)) return;
    if (peak > std::size_t(limit)) {
      diagnose("limit-ignored",
               "the server saw " + std::to_string(peak) + " requests in flight at once with a limit of " +
                   std::to_string(limit) + ": every request must hold a permit — acquire before the "
                   "GET, release after it");
      return;
    }
    if (peak == 1 && limit > 1) {
      diagnose("serialised",
               "the requests ran one after another although " + std::to_string(limit) +
                   " were allowed at once: start them all concurrently (a parallel group) and let "
                   "the semaphore hold back the extra ones — don't co_await each GET in a loop");
      return;
    }
    if (peak < std::size_t(limit)) {
      diagnose("limit-under-used",
               "at most " + std::to_string(peak) + " requests were in flight although the limit is " +
                   std::to_string(limit) + ": every permit should be in use while requests are waiting");
      return;
    }
    ASSERT_FALSE(r.hung) << "fetch_all did not return although every request had finished";
    if (r.error) std::rethrow_exception(r.error);
    const auto& responses = *r.responses;
    ASSERT_EQ(responses.size(), std::size_t(n));
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(item_of(responses[i].body), i) << "responses must be in the order of the paths";
    }
    // Every request takes a delay and at most <limit> run at once: at least <rounds> delays.
    EXPECT_GE(r.wall_ms, rounds * kDelayMs - 5.0);
    EXPECT_LE(r.wall_ms, tolerant_ms(rounds * kDelayMs + 250.0))
        << "with " << limit << " at a time, " << n << " requests should take about " << rounds << " delays";
  }
};

TEST_F(RateLimit, WithALimitOfOneTheRequestsRunOneAtATime) { check(3, 1); }

TEST_F(RateLimit, WithALimitOfThreeExactlyThreeRequestsAreInFlightAtOnce) { check(7, 3); }

TEST_F(RateLimit, WithALimitOfFiveExactlyFiveRequestsAreInFlightAtOnce) { check(7, 5); }

TEST_F(RateLimit, AnEmptyListOfPathsReturnsAnEmptyResultAtOnce) {
  auto responses = run(ch06::fetch_all(async_client(), {}, 3), std::chrono::seconds{2});
  EXPECT_TRUE(responses.empty());
  EXPECT_EQ(trace_now().size(), 0u);
}

// Path 0 is slow, the others fast: they finish in the order 1, 2, 3, 0.
TEST_F(RateLimit, ResponsesComeBackInTheOrderOfThePathsNotTheOrderTheyFinished) {
  const std::vector<std::string> paths{delay_path(200, 0), delay_path(50, 1), delay_path(50, 2), delay_path(50, 3)};
  const FetchRun r = run_fetch_all(async_client(), paths, 2);
  auto t = trace(0);
  figure("peak_in_flight", double(t.peak_in_flight()), "", "exactly 2");
  if (!each_path_once(t, paths)) return;
  ASSERT_FALSE(r.hung) << "fetch_all did not return although every request had finished";
  if (r.error) std::rethrow_exception(r.error);
  ASSERT_EQ(r.responses->size(), paths.size());
  // Path 1 (50 ms) gives its permit back long before path 0 (200 ms) ends: path 2 starts then.
  // Batches of `limit` (a gather per batch) hold path 2 back until the slowest of the batch ends.
  double path2_arrival_ms = -1, path0_finish_ms = -1;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const int item = item_of(t.records()[i].target);
    if (item == 2) path2_arrival_ms = t.arrival_ms(i);
    if (item == 0) path0_finish_ms = t.finish_ms(i);
  }
  figure("path_2_arrival_ms", path2_arrival_ms, "ms", "about 50, when path 1 gave its permit back");
  if (path2_arrival_ms >= path0_finish_ms - 50.0) {
    diagnose("batches-wait-for-the-slowest",
             "path 2 reached the server at " + std::to_string(int(path2_arrival_ms)) + " ms, only when path 0 "
             "(200 ms) ended, although path 1 had given its permit back at about 50 ms: the paths ran in "
             "batches of `limit`. With a semaphore, the next path starts as soon as any permit comes back");
    return;
  }
  std::vector<int> order;
  for (const auto& response : *r.responses) order.push_back(item_of(response.body));
  if (order != std::vector<int>{0, 1, 2, 3}) {
    std::string got;
    for (int item : order) got += std::to_string(item) + " ";
    diagnose(diagnoses::completion_order,
             "the responses came back as items " + got + "— the order they finished in, not the order "
             "of the paths: give each path its own slot (the parallel group's result vector is in "
             "input order) instead of appending as they complete");
    return;
  }
  EXPECT_LE(t.peak_in_flight(), 2u);
}

TEST_F(RateLimit, ALimitOfZeroIsRefusedWithInvalidArgumentBeforeAnyRequest) {
  std::vector<std::string> paths{delay_path(50, 0), delay_path(50, 1)};
  const FetchRun r = run_fetch_all(async_client(), paths, 0, milliseconds{1000});
  bool refused = false;
  if (r.error) {
    try {
      std::rethrow_exception(r.error);
    } catch (const std::invalid_argument&) {
      refused = true;
    } catch (...) {
    }
  }
  const auto requests = trace_now().size();
  figure("requests", double(requests), "", "0");
  if (!refused) {
    diagnose("limit-zero-accepted",
             std::string("fetch_all with a limit of 0 ") +
                 (r.hung ? "never returned (no permit can ever be taken)" : "did not throw std::invalid_argument") +
                 ": check the limit first and throw std::invalid_argument — a semaphore with no permit "
                 "can never let a request through");
    return;
  }
  EXPECT_EQ(requests, 0u) << "refuse the limit before sending anything";
}

// Path 0 goes through a proxy that hangs up: its GET throws. With a limit of 1, paths 1 and 2
// can only run if path 0 gave its permit back.
TEST_F(RateLimit, AFailingRequestGivesItsPermitBackTheOthersStillRunThenTheErrorReachesTheCaller) {
  ch06test::HangupProxy proxy(address().port, [](const std::string& target) { return item_of(target) == 0; });
  AsyncClient client({"127.0.0.1", proxy.port(), tag()});
  const std::vector<std::string> paths{delay_path(100, 0), delay_path(100, 1), delay_path(100, 2)};
  const FetchRun r = run_fetch_all(client, paths, 1, milliseconds{1500});
  auto t = trace(0, milliseconds{1000});
  const auto completed = t.count(Outcome::completed);
  figure("hung_up", double(proxy.hangups().size()), "", "1 (path 0)");
  figure("other_paths_completed", double(completed), "", "2");
  ASSERT_EQ(proxy.hangups().size(), 1u) << "path 0 should have been requested once";
  if (r.hung && completed < 2) {
    diagnose("permit-kept-on-error",
             "after the GET of path 0 threw, " + std::to_string(completed) + " of the other 2 paths ran and "
             "fetch_all never returned: the failed request kept its permit. Give it back in a destructor "
             "(an RAII guard), which also runs when the GET throws");
    return;
  }
  ASSERT_FALSE(r.hung) << "fetch_all never returned";
  figure("peak_in_flight", double(t.peak_in_flight()), "", "1 (the limit)");
  if (t.peak_in_flight() > 1) {
    diagnose("permit-returned-twice",
             "with a limit of 1, the server saw " + std::to_string(t.peak_in_flight()) + " requests in "
             "flight at once after path 0 failed: its permit was given back twice (a guard's destructor "
             "and a catch, say), so the semaphore now lets more through than the limit. Give a permit "
             "back in exactly one place — the RAII guard runs on every way out");
    return;
  }
  if (!r.error) {
    diagnose(diagnoses::error_swallowed, "the GET of path 0 threw, but fetch_all returned normally: after every path "
                                "has ended, rethrow the first failure");
    return;
  }
  if (completed < 2) {
    diagnose("error-stops-the-others",
             "the failure of path 0 stopped the other paths (" + std::to_string(completed) +
                 " of 2 completed): one failing GET must not cancel the rest — wait for all of them "
                 "(wait_for_all), then rethrow the first failure");
    return;
  }
  double last_answer = 0;
  for (const auto& record : t.records()) {
    if (record.response_start) last_answer = std::max(last_answer, t.ms(*record.response_start));
  }
  // Both moments on the trace's clock: the call's own stopwatch starts later than the trace
  // by however long a busy machine took to set the test up.
  const double returned_ms = t.ms(r.returned_at);
  figure("error_reached_caller_ms", returned_ms, "ms", "after the last response (" + std::to_string(int(last_answer)) + ")");
  EXPECT_GE(returned_ms, last_answer) << "fetch_all should throw only once every path has ended";
  ch06test::expect_own_error(r.error, "the GET's own error");
}

TEST_F(RateLimit, CancellingFetchAllAbortsTheRequestsInFlightAndStartsNoMore) {
  constexpr milliseconds kCancel{60};
  std::vector<std::string> paths;
  for (int i = 0; i < 4; ++i) paths.push_back(delay_path(200, i));
  const auto ending = run(ch06test::cancel_after(ch06::fetch_all(async_client(), paths, 2), kCancel));
  asynclings::testkit::rethrow_if_not_implemented(ending.error);
  auto t = trace(0, milliseconds{1000});
  const double cancel_ms = t.ms(ending.cancelled_at);
  figure("requests", double(t.size()), "", "2 (the two holding permits)");
  figure("completed", double(t.count(Outcome::completed)), "", "0");
  if (t.size() > 2 || t.count(Outcome::completed) > 0) {
    diagnose(diagnoses::requests_left_running,
             "after fetch_all was cancelled at " + std::to_string(int(cancel_ms)) + " ms the server saw " +
                 std::to_string(t.size()) + " requests, " + std::to_string(t.count(Outcome::completed)) +
                 " of them completed: the cancel must reach every request (run them in a parallel group "
                 "the caller awaits, not detached) and no waiting path may start afterwards");
    return;
  }
  ASSERT_TRUE(ending.error) << "fetch_all returned normally after a cancel";
  EXPECT_TRUE(ch06test::is_cancellation(ending.error))
      << "the caller should see the cancellation (operation_aborted or channel_cancelled)";
  EXPECT_EQ(t.size(), 2u);
  for (std::size_t i = 0; i < t.size(); ++i) {
    EXPECT_LE(t.finish_ms(i), cancel_ms + tolerant_ms(100)) << "request " << i << " should be aborted at the cancel";
  }
}

}  // namespace
