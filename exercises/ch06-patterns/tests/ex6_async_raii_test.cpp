// Exercise 6: an async context manager. The server's trace shows the acquire, the body's request
// and the release in order; GET /lease?name=NAME reports how many holders the lease has left;
// the cancel test emits a terminal cancel half-way through the body and notes when.
#include "ex6_async_raii.hpp"
#include "support.hpp"

#include <asynclings/server/delay_server.hpp>
#include <asynclings/testkit/cancel_after.hpp>
#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/requests.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <asynclings/todo.hpp>
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;
using asynclings::testkit::Clock;
using asynclings::testkit::diagnose;
using asynclings::testkit::find_lease_calls;
using asynclings::testkit::is_operation_aborted;
using asynclings::testkit::lease_holders;
using asynclings::testkit::LeaseCalls;
using asynclings::testkit::rethrow_if_not_implemented;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using asynclings::testkit::tolerant_ms;
using asynclings::testkit::TraceView;
using std::chrono::milliseconds;

const std::string kName = "db";

struct ProbeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Ending = asynclings::testkit::Ending<int>;
using asynclings::testkit::cancel_after;

class AsyncRaii : public asynclings::testkit::ServerTest {
 protected:
  // The holder count the server reports now (after the trace was taken: this request is traced).
  int holders() { return lease_holders(blocking_client(), kName); }

  // Shared checks: exactly one release, nobody holding the lease. <how> names the path.
  bool released(const TraceView& t, const LeaseCalls& c, int holders_after, const std::string& how) {
    figure("releases", double(c.releases.size()), "", "exactly 1");
    figure("holders_after", holders_after, "", "0");
    if (c.releases.size() > 1) {
      diagnose("released-twice", "the server saw " + std::to_string(c.releases.size()) +
                                     " releases for one acquire: release exactly once, after the body — and mark the "
                                     "lease released before awaiting the GET, so that a second call meanwhile "
                                     "does nothing");
      return false;
    }
    if (c.releases.empty() || holders_after != 0) {
      if (how == "error") {
        diagnose("release-missing-on-error",
                 "the body threw and the lease was never released (" + std::to_string(holders_after) +
                     " holder left): catch everything around co_await body(lease), keep the "
                     "exception_ptr, release after the catch block, then rethrow");
      } else if (how == "cancel") {
        diagnose("release-missing-on-cancel",
                 "the body was cancelled and no release reached the server (" + std::to_string(holders_after) +
                     " holder left): a cancellation is an exception too, and after it every co_await "
                     "throws at once until you co_await asio::this_coro::reset_cancellation_state()");
      } else {
        diagnose("release-missing", "the body returned and the lease was never released: co_await "
                                    "lease.release() after the body");
      }
      return false;
    }
    EXPECT_EQ(t.records()[c.releases[0]].status, 200) << "the release should succeed";
    return true;
  }

  // Runs <calls>, which acquire once and call release() more than once: one release reaches
  // the server and none is refused (a refusal is judged from the trace, not let out).
  bool sends_one_release(asio::awaitable<int> calls) {
    std::exception_ptr error;
    try {
      run(std::move(calls));
    } catch (const asynclings::NotImplemented&) {
      throw;
    } catch (const ch06::LeaseError&) {
      error = std::current_exception();
    }
    auto t = trace(2);
    const auto c = find_lease_calls(t);
    if (!released(t, c, holders(), "success")) return false;
    EXPECT_FALSE(error) << "no release should be refused";
    return !error;
  }

  // The release must be answered before with_lease hands its result back.
  bool released_before_return(const TraceView& t, const LeaseCalls& c, const Ending& e) {
    const auto& release = t.records()[c.releases[0]];
    const double answered = release.response_start ? t.ms(*release.response_start) : t.finish_ms(c.releases[0]);
    figure("release_answered_ms", answered, "ms", "before with_lease returned (" + std::to_string(int(t.ms(e.ended_at))) + " ms)");
    if (answered > t.ms(e.ended_at)) {
      diagnose("released-after-return",
               "with_lease returned at " + std::to_string(int(t.ms(e.ended_at))) + " ms and the release was answered "
               "only at " + std::to_string(int(answered)) + " ms: the caller went on while the lease was still "
               "held (a release spawned from a destructor runs later). co_await lease.release() before returning");
      return false;
    }
    return true;
  }
};

TEST_F(AsyncRaii, ReleasesTheLeaseAfterTheBodyReturnsAndGivesBackItsValue) {
  auto client = async_client();
  auto body = [client](ch06::Lease& lease) -> asio::awaitable<int> {
    const bool held = lease.held();
    auto response = co_await client.get("/delay/100ms");
    co_return held ? response.status : -1;
  };
  const Ending e = run(cancel_after(ch06::with_lease(client, kName, body), milliseconds{0}));
  if (e.error) rethrow_if_not_implemented(e.error);
  auto t = trace(3);
  const auto c = find_lease_calls(t);
  if (!released(t, c, holders(), "success")) return;
  if (!released_before_return(t, c, e)) return;
  ASSERT_FALSE(e.error) << "with_lease threw although the body returned normally";
  ASSERT_TRUE(e.value.has_value());
  EXPECT_EQ(*e.value, 200) << "with_lease returns the body's value (and the body saw a held lease)";
  ASSERT_EQ(c.acquires.size(), 1u);
  ASSERT_EQ(c.work.size(), 1u);
  EXPECT_TRUE(c.acquires[0] < c.work[0] && c.work[0] < c.releases[0])
      << "the server should see acquire, the body's request, release — in that order";
  EXPECT_TRUE(t.sequential()) << "each call should start after the previous one finished";
}

TEST_F(AsyncRaii, ReleasesTheLeaseWhenTheBodyThrowsAndPassesTheErrorOn) {
  auto client = async_client();
  auto body = [client](ch06::Lease&) -> asio::awaitable<int> {
    co_await client.get("/delay/50ms");
    throw ProbeError("the body failed");
  };
  const Ending e = run(cancel_after(ch06::with_lease(client, kName, body), milliseconds{0}));
  if (e.error) rethrow_if_not_implemented(e.error);
  auto t = trace(2);
  const auto c = find_lease_calls(t);
  if (!released(t, c, holders(), "error")) return;
  if (!released_before_return(t, c, e)) return;
  if (!e.error) {
    diagnose(diagnoses::error_swallowed, "the body threw, but with_lease returned normally: keep the exception_ptr, "
                                "release, then std::rethrow_exception — async with never swallows the error");
    return;
  }
  try {
    std::rethrow_exception(e.error);
  } catch (const ProbeError& failure) {
    EXPECT_STREQ(failure.what(), "the body failed");
  } catch (const std::exception& other) {
    ADD_FAILURE() << "the caller should get the body's ProbeError, not: " << other.what();
  }
}

// "However the body ended" includes an exception that is not a std::exception: C++ can throw
// anything, and async with releases whatever the body raised.
TEST_F(AsyncRaii, ReleasesTheLeaseWhateverTheBodyThrowsEvenWhatIsNotAStdException) {
  auto client = async_client();
  auto body = [client](ch06::Lease&) -> asio::awaitable<int> {
    co_await client.get("/delay/20ms");
    throw 42;
  };
  const Ending e = run(cancel_after(ch06::with_lease(client, kName, body), milliseconds{0}));
  if (e.error) rethrow_if_not_implemented(e.error);
  auto t = trace(2);
  const auto c = find_lease_calls(t);
  if (!released(t, c, holders(), "error")) return;
  ASSERT_TRUE(e.error) << "the body threw 42, but with_lease returned normally";
  try {
    std::rethrow_exception(e.error);
  } catch (int value) {
    EXPECT_EQ(value, 42);
  } catch (...) {
    ADD_FAILURE() << "the caller should get the body's own exception (the int 42)";
  }
}

TEST_F(AsyncRaii, ReleasesTheLeaseAfterACancelAndStillReportsTheCancellation) {
  constexpr milliseconds kCancel{100};
  auto client = async_client();
  auto body = [client](ch06::Lease&) -> asio::awaitable<int> {
    auto response = co_await client.get("/delay/400ms");
    co_return response.status;
  };
  const Ending e = run(cancel_after(ch06::with_lease(client, kName, body), kCancel));
  if (e.error) rethrow_if_not_implemented(e.error);
  auto t = trace(2);
  const auto c = find_lease_calls(t);
  const double cancel_ms = t.ms(e.cancelled_at);
  if (!released(t, c, holders(), "cancel")) return;
  const auto& release = t.records()[c.releases[0]];
  figure("cancel_ms", cancel_ms, "ms", "100");
  figure("release_arrival_ms", t.ms(release.arrival), "ms", "after the cancel");
  EXPECT_GE(t.ms(release.arrival), cancel_ms) << "the lease must be held until the body has ended";
  EXPECT_LE(t.ms(release.arrival), cancel_ms + tolerant_ms(150)) << "the release should follow the cancel promptly";
  if (!e.error) {
    diagnose(diagnoses::error_swallowed, "with_lease returned normally after a cancel: rethrow the cancellation "
                                "(operation_aborted) after the release");
    return;
  }
  EXPECT_TRUE(is_operation_aborted(e.error)) << "the caller should see operation_aborted";
}

asio::awaitable<int> acquire_move_release_twice(AsyncClient client, std::shared_ptr<std::vector<bool>> held) {
  ch06::Lease first = co_await ch06::Lease::acquire(client, kName);
  held->push_back(first.held());
  ch06::Lease second = std::move(first);
  held->push_back(second.held());
  co_await second.release();
  co_await second.release();
  co_await first.release();  // moved from: nothing to do
  held->push_back(second.held());
  co_return 0;
}

// A second release() while the first is still waiting for the server: "once" means the
// second does nothing, so the lease must count as released from the moment the first starts.
asio::awaitable<int> two_releases_at_once(AsyncClient client) {
  ch06::Lease lease = co_await ch06::Lease::acquire(client, kName);
  auto ex = co_await asio::this_coro::executor;
  auto second_ended = std::make_shared<asio::steady_timer>(ex, asio::steady_timer::time_point::max());
  auto second_error = std::make_shared<std::exception_ptr>();
  auto second_done = std::make_shared<bool>(false);
  asio::co_spawn(ex, lease.release(), [second_ended, second_error, second_done](std::exception_ptr e) {
    *second_error = e;
    *second_done = true;
    second_ended->cancel();
  });
  co_await lease.release();
  if (!*second_done) co_await second_ended->async_wait(asio::as_tuple(asio::use_awaitable));
  if (*second_error) std::rethrow_exception(*second_error);
  co_return 0;
}

TEST_F(AsyncRaii, TwoReleasesAtOnceSendOneRelease) {
  sends_one_release(two_releases_at_once(async_client()));
}

TEST_F(AsyncRaii, ReleasingTwiceOrThroughAMovedFromLeaseSendsOneRelease) {
  auto held = std::make_shared<std::vector<bool>>();
  if (!sends_one_release(acquire_move_release_twice(async_client(), held))) return;
  EXPECT_EQ(*held, (std::vector<bool>{true, true, false}))
      << "held(): true after acquire, true in the Lease it moved to, false after release";
}

// A server of this test's own that answers every request 100 ms late: a release that blocks
// the loop's thread shows up as a loop that stood still for about that long.
TEST_F(AsyncRaii, WaitingForTheReleaseNeverBlocksTheLoop) {
  asynclings::server::ServerOptions options;
  options.latency = milliseconds{100};
  asynclings::server::DelayServer slow(options);
  slow.start();
  AsyncClient client({"127.0.0.1", slow.port(), tag()});
  auto body = [client](ch06::Lease&) -> asio::awaitable<int> {
    auto response = co_await client.get("/delay/0ms");
    co_return response.status;
  };
  auto lag = std::make_shared<ch06test::LagState>();
  const Ending e =
      run(ch06test::with_lag_probe(cancel_after(ch06::with_lease(client, kName, body), milliseconds{0}), lag));
  if (e.error) rethrow_if_not_implemented(e.error);
  const auto records = slow.trace().records(tag());
  std::size_t releases = 0;
  for (const auto& r : records) releases += r.target.rfind("/lease/release", 0) == 0 ? 1 : 0;
  figure("loop_lag_ms", lag->max_lag_ms, "ms", "a few ms (the server takes 100 ms per answer)");
  figure("releases", double(releases), "", "1");
  if (lag->max_lag_ms >= 60.0) {
    diagnose("release-blocks-the-loop",
             "while the lease was released the loop stood still for " + std::to_string(int(lag->max_lag_ms)) +
                 " ms: a blocking request (or a wait) in a destructor or release path holds the loop's "
                 "thread. co_await lease.release() with the async client instead");
    return;
  }
  ASSERT_FALSE(e.error) << "with_lease threw although the body returned normally";
  EXPECT_EQ(e.value.value_or(0), 200);
  EXPECT_EQ(releases, 1u);
}

}  // namespace
