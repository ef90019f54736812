// Exercise 5: cleanup that survives a cancel. The server's trace shows the acquire, the work,
// the release and their order; the release's arrival relative to the moment the test
// cancelled; the lease's holder count afterwards; the test's own canceller receives the
// exception the work ended with.
#include "ex5_lease.hpp"

#include <asynclings/server/delay_server.hpp>
#include <asynclings/testkit/cancel_after.hpp>
#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/requests.hpp>
#include <asynclings/todo.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;
using asynclings::testkit::Clock;
using asynclings::testkit::diagnose;
using asynclings::testkit::delay_target;
using asynclings::testkit::find_lease_calls;
using asynclings::testkit::is_operation_aborted;
using asynclings::testkit::lease_holders;
using asynclings::testkit::LeaseCalls;
using asynclings::testkit::rethrow_if_not_implemented;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using asynclings::testkit::Outcome;
using asynclings::testkit::tolerant_ms;
using asynclings::testkit::TraceRecord;
using asynclings::testkit::TraceView;
using std::chrono::milliseconds;

const std::string kLease = "db";

struct RequestFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

asio::awaitable<int> status_after(AsyncClient client, int ms) {
  std::string target = delay_target(ms);
  auto response = co_await client.get(std::move(target));
  co_return response.status;
}

asio::awaitable<int> fails_after(AsyncClient client, int ms) {
  std::string target = delay_target(ms);
  co_await client.get(std::move(target));
  throw RequestFailed("deliberate failure after " + std::to_string(ms) + " ms");
}

using Ending = asynclings::testkit::Ending<int>;
using asynclings::testkit::cancel_after;

// Python's `finally:` runs before the function returns: the caller must get the work's outcome
// (value, error or cancellation) only once the release is done. False after diagnosing a
// release that was still on its way to the server when the outcome came back.
bool released_before_returning(const TraceView& t, const LeaseCalls& c, Clock::time_point returned_at) {
  const auto& release = t.records()[c.releases[0]];
  figure("returned_ms", t.ms(returned_at), "ms", "after the release finished");
  if (returned_at >= release.arrival) return true;
  diagnose("release-not-awaited",
           "with_lease gave its caller the work's outcome at " + std::to_string(int(t.ms(returned_at))) +
               " ms, before its release had even reached the server (" +
               std::to_string(int(t.ms(release.arrival))) + " ms): the release was started but not "
               "awaited (co_spawn(…, detached), from a catch block or a destructor, neither of which "
               "can co_await). Keep the outcome, co_await the release, then return the value or "
               "rethrow");
  return false;
}

class Lease : public asynclings::testkit::ServerTest {
 protected:
  // The lease's holder count now, as the server reports it.
  int holders() { return lease_holders(blocking_client(), kLease); }

  // The checks every path shares; false once a problem has been diagnosed.
  bool released_once(const TraceView& t, const LeaseCalls& c, int holders_after) {
    figure("releases", double(c.releases.size()), "", "exactly 1");
    figure("holders_after", holders_after, "", "0");
    bool conflict = false;
    for (auto i : c.releases) conflict = conflict || t.records()[i].status == 409;
    if (c.releases.size() > 1 || conflict) {
      diagnose("lease-released-twice",
               "the server saw " + std::to_string(c.releases.size()) + " releases" +
                   (conflict ? " (one refused: 409, the lease was not held)" : "") +
                   " for one acquire: the cleanup runs on two paths. Release exactly once, "
                   "after the work, whichever way it ended");
      return false;
    }
    if (c.releases.empty() || holders_after != 0) {
      diagnose("lease-not-released",
               "no release reached the server after the work ended, and the lease still has " +
                   std::to_string(holders_after) + " holder(s). Either the release is skipped when "
                   "the work throws (cancellation is an exception: catch it, keep the "
                   "exception_ptr, release, rethrow — co_await is not allowed inside a catch "
                   "block), or it was refused: after a cancel every co_await in the coroutine "
                   "throws at once until you co_await this_coro::reset_cancellation_state()");
      return false;
    }
    return true;
  }
};

TEST_F(Lease, ReleasesTheLeaseAfterTheWorkWhenNothingGoesWrong) {
  const Ending e = run(cancel_after(ch04::with_lease(async_client(), kLease, status_after(async_client(), 100)),
                                      milliseconds{0}));
  if (e.error) rethrow_if_not_implemented(e.error);
  auto t = trace(3);
  const auto c = find_lease_calls(t);
  if (!released_once(t, c, holders())) return;
  if (!released_before_returning(t, c, e.ended_at)) return;
  ASSERT_TRUE(e.value.has_value()) << "with_lease should return the work's value";
  EXPECT_EQ(*e.value, 200);
  ASSERT_EQ(c.acquires.size(), 1u);
  ASSERT_EQ(c.work.size(), 1u);
  const auto& acquire = t.records()[c.acquires[0]];
  const auto& work = t.records()[c.work[0]];
  const auto& release = t.records()[c.releases[0]];
  if (!acquire.finish || work.arrival < *acquire.finish ||
      (work.finish && release.arrival < *work.finish)) {
    diagnose("lease-not-held-during-work",
             "the server saw the work's request outside the lease (it started before the acquire "
             "had finished, or the release came before the work ended): await the acquire, then "
             "the work, then the release, one after another");
    return;
  }
  EXPECT_TRUE(c.acquires[0] < c.work[0] && c.work[0] < c.releases[0])
      << "the server should see acquire, work, release in that order";
  EXPECT_TRUE(t.sequential()) << "each call should start after the previous one finished";
}

TEST_F(Lease, ReleasesTheLeaseAfterTheCancelAndStillReportsTheCancellation) {
  constexpr milliseconds kCancel{150};
  const Ending e = run(cancel_after(ch04::with_lease(async_client(), kLease, status_after(async_client(), 400)),
                                      kCancel));
  if (e.error) rethrow_if_not_implemented(e.error);
  auto t = trace(2);
  const auto c = find_lease_calls(t);
  const double cancel_ms = t.ms(e.cancelled_at);
  if (!released_once(t, c, holders())) return;
  if (!released_before_returning(t, c, e.ended_at)) return;
  ASSERT_EQ(c.work.size(), 1u);
  const auto& work = t.records()[c.work[0]];
  const auto& release = t.records()[c.releases[0]];
  figure("cancel_ms", cancel_ms, "ms", "150");
  figure("release_arrival_ms", t.ms(release.arrival), "ms", "after the cancel");
  if (t.ms(release.arrival) < cancel_ms) {
    diagnose("released-too-early",
             "the release arrived before the cancel: the lease must be held until the work ends");
    return;
  }
  if (!e.error) {
    diagnose(diagnoses::cancellation_swallowed,
             "the lease was released, but with_lease then returned normally, so the caller never "
             "learns the work was cancelled: after the release, rethrow the exception you kept "
             "(std::rethrow_exception)");
    return;
  }
  EXPECT_TRUE(is_operation_aborted(e.error)) << "the caller should see operation_aborted";
  EXPECT_EQ(work.outcome, Outcome::client_aborted) << "the work's request should be aborted by the cancel";
  if (work.finish) {
    EXPECT_LE(t.ms(*work.finish), cancel_ms + tolerant_ms(50));
  }
  EXPECT_EQ(release.status, 200);
  EXPECT_EQ(release.outcome, Outcome::completed);
  EXPECT_LE(t.ms(release.arrival), cancel_ms + tolerant_ms(100)) << "the release should follow the cancel promptly";
}

TEST_F(Lease, ReleasesTheLeaseWhenTheWorkFailsAndPassesTheErrorOn) {
  const Ending e = run(cancel_after(ch04::with_lease(async_client(), kLease, fails_after(async_client(), 50)),
                                      milliseconds{0}));
  if (e.error) rethrow_if_not_implemented(e.error);
  auto t = trace(2);
  const auto c = find_lease_calls(t);
  if (!released_once(t, c, holders())) return;
  if (!released_before_returning(t, c, e.ended_at)) return;
  if (!e.error) {
    diagnose(diagnoses::error_swallowed,
             "the work failed, the lease was released, and then with_lease returned normally: "
             "rethrow the work's exception after the release");
    return;
  }
  try {
    std::rethrow_exception(e.error);
  } catch (const RequestFailed& failure) {
    EXPECT_STREQ(failure.what(), "deliberate failure after 50 ms");
  } catch (const std::exception& other) {
    ADD_FAILURE() << "the caller should get the work's RequestFailed, not: " << other.what();
  }
}

// Notes the moment with_lease handed its outcome (value or exception) to its caller.
asio::awaitable<int> returning_at(asio::awaitable<int> leased, std::shared_ptr<Clock::time_point> at) {
  try {
    const int value = co_await std::move(leased);
    *at = Clock::now();
    co_return value;
  } catch (...) {
    *at = Clock::now();
    throw;
  }
}

// Python's `finally:` runs before the function returns: the caller gets the work's value only
// once the release is done, not while it is still on its way to the server.
TEST_F(Lease, TheCallerGetsTheValueOnlyOnceTheReleaseIsDone) {
  auto returned_at = std::make_shared<Clock::time_point>();
  const int value =
      run(returning_at(ch04::with_lease(async_client(), kLease, status_after(async_client(), 100)), returned_at));
  auto t = trace(3);
  const auto c = find_lease_calls(t);
  ASSERT_EQ(c.releases.size(), 1u) << "with_lease should release the lease once";
  if (!released_before_returning(t, c, *returned_at)) return;
  const auto& release = t.records()[c.releases[0]];
  EXPECT_EQ(value, 200);
  EXPECT_EQ(release.status, 200);
  EXPECT_EQ(holders(), 0);
}

// <task>, with a probe ticking every 5 ms beside it on the same loop: the task's ending and the
// largest lateness of a tick while it ran (how long the loop's thread was held at a stretch).
asio::awaitable<std::pair<Ending, double>> with_lag_probe(asio::awaitable<Ending> task) {
  auto ex = co_await asio::this_coro::executor;
  auto done = std::make_shared<bool>(false);
  auto max_lag_ms = std::make_shared<double>(0);
  auto probe = [](std::shared_ptr<bool> done, std::shared_ptr<double> max_lag_ms) -> asio::awaitable<void> {
    asio::steady_timer tick(co_await asio::this_coro::executor);
    auto due = Clock::now();
    while (!*done) {
      due += milliseconds{5};
      tick.expires_at(due);
      co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
      *max_lag_ms = std::max(*max_lag_ms, std::chrono::duration<double, std::milli>(Clock::now() - due).count());
    }
  };
  asio::co_spawn(ex, probe(done, max_lag_ms), asio::detached);
  Ending ending = co_await std::move(task);
  // If the loop was held up to the task's very end, the probe's overdue tick has not run yet:
  // wait on a timer due after it, so that its lateness is in before it is read.
  asio::steady_timer settle(ex, milliseconds{10});
  co_await settle.async_wait(asio::as_tuple(asio::use_awaitable));
  *done = true;
  co_return std::make_pair(std::move(ending), *max_lag_ms);
}

// A server of this test's own that answers every request 100 ms late, and work that fails: the
// release that follows a failure (where co_await is awkward: not inside the catch block) must
// be awaited too. A blocking request shows up as a loop that stood still for about 100 ms.
TEST_F(Lease, TheReleaseAfterAFailureNeverBlocksTheLoop) {
  asynclings::server::ServerOptions options;
  options.latency = milliseconds{100};
  asynclings::server::DelayServer slow(options);
  slow.start();
  AsyncClient client({"127.0.0.1", slow.port(), tag()});
  const auto [e, max_lag_ms] =
      run(with_lag_probe(cancel_after(ch04::with_lease(client, kLease, fails_after(client, 0)), milliseconds{0})));
  if (e.error) rethrow_if_not_implemented(e.error);
  std::size_t releases = 0;
  for (const auto& r : slow.trace().records(tag())) releases += r.target.rfind("/lease/release", 0) == 0 ? 1 : 0;
  figure("loop_lag_ms", max_lag_ms, "ms", "a few ms (the server takes 100 ms per answer)");
  figure("releases", double(releases), "", "1");
  if (max_lag_ms >= 60.0) {
    diagnose(diagnoses::blocked_the_loop,
             "while the lease was released after the work failed, the loop stood still for " +
                 std::to_string(int(max_lag_ms)) + " ms: the release was a blocking request (a "
                 "BlockingClient, or a wait on a future) made on the loop's thread, most likely from the "
                 "catch block where co_await is not allowed. Keep the exception_ptr, leave the catch "
                 "block, then co_await the release with the async client");
    return;
  }
  EXPECT_EQ(releases, 1u);
  ASSERT_TRUE(e.error) << "the work failed, so with_lease should rethrow its error";
}

}  // namespace
