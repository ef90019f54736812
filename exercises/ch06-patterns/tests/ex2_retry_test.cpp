// Exercise 2: retry with backoff, judged from the server's trace of /flaky/{key}?fail=k (the
// first k calls per key fail with 503). Attempts are counted on the server; the backoff is the
// gap between a failed attempt's response and the next attempt's arrival. A probe ticking on
// the same loop shows whether the waiting blocked the loop; a proxy that hangs up turns
// attempts into network errors.
#include "ex2_retry.hpp"
#include "support.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/requests.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <asynclings/todo.hpp>
#include <gtest/gtest.h>


#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;
using asynclings::client::Response;
using asynclings::testkit::diagnose;
using asynclings::testkit::rethrow_if_not_implemented;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using asynclings::testkit::tolerant_ms;
using asynclings::testkit::TraceView;
using std::chrono::milliseconds;

const ch06::RetryPolicy kPolicy{4, milliseconds{50}, milliseconds{20}};

class Retry : public asynclings::testkit::ServerTest {
 protected:
  // Judges attempt count and gaps; false once a problem has been diagnosed.
  bool check_attempts(const TraceView& t, std::size_t expected) {
    figure("attempts", double(t.size()), "", "exactly " + std::to_string(expected));
    if (t.size() != expected) {
      diagnose("wrong-attempt-count",
               "the server saw " + std::to_string(t.size()) + " attempts where " + std::to_string(expected) +
                   " were expected: stop at the first success, and give up after policy.max_attempts attempts");
      return false;
    }
    return true;
  }

  // The moment the server started writing record i's response (its recorded finish comes after
  // the write completes — possibly after the client has read it and started its timer).
  static double answered_ms(const TraceView& t, std::size_t i) {
    const auto& r = t.records()[i];
    return r.response_start ? t.ms(*r.response_start) : t.finish_ms(i);
  }

  // The wait between attempts, as the server saw it: next arrival minus the previous answer.
  static std::vector<double> gaps_ms(const TraceView& t) {
    std::vector<double> gaps;
    for (std::size_t i = 0; i + 1 < t.size(); ++i) gaps.push_back(t.arrival_ms(i + 1) - answered_ms(t, i));
    return gaps;
  }

  bool check_gaps(const TraceView& t, const ch06::RetryPolicy& policy = kPolicy) {
    const auto gaps = gaps_ms(t);
    for (std::size_t i = 0; i < gaps.size(); ++i) {
      const double wanted = double(policy.base.count() << i);
      figure("gap_" + std::to_string(i) + "_ms", gaps[i], "ms",
             ">= " + std::to_string(int(wanted)) + " and <= " + std::to_string(int(wanted + policy.jitter.count())) +
                 " (+ scheduling)");
    }
    // Every wait about twice its due and longer than its jitter allows (a correct wait that late
    // on every gap is not load): the exponent counted the attempts from 1.
    bool all_doubled = gaps.size() >= 2;
    for (std::size_t i = 0; i < gaps.size(); ++i) {
      const double due = double(policy.base.count() << i);
      all_doubled = all_doubled && gaps[i] >= 2.0 * due - 1.0 &&
                    gaps[i] > due + double(policy.jitter.count()) + 1.0;
    }
    if (all_doubled) {
      diagnose("backoff-off-by-one",
               "every wait was about twice base * 2^i (the first " + std::to_string(int(gaps[0])) +
                   " ms where " + std::to_string(int(policy.base.count())) +
                   " ms was due): the exponent counted the attempts from 1. The wait after failed "
                   "attempt i (0, 1, 2…) is base * 2^i, so the first wait is base itself");
      return false;
    }
    for (std::size_t i = 0; i < gaps.size(); ++i) {
      const double wanted = double(policy.base.count() << i);
      if (gaps[i] < policy.base.count() / 2.0) {
        diagnose("no-backoff",
                 "attempt " + std::to_string(i + 2) + " arrived " + std::to_string(int(gaps[i])) +
                     " ms after attempt " + std::to_string(i + 1) + " failed: wait base * 2^i (plus jitter) "
                     "with an asio::steady_timer between attempts, or a struggling server gets hammered");
        return false;
      }
      if (gaps[i] < wanted - 1.0) {
        diagnose("backoff-not-exponential",
                 "the wait after failed attempt " + std::to_string(i + 1) + " was " + std::to_string(int(gaps[i])) +
                     " ms, less than base * 2^" + std::to_string(i) + " = " + std::to_string(int(wanted)) +
                     " ms: double the wait after every failure");
        return false;
      }
      EXPECT_LE(gaps[i], tolerant_ms(wanted + policy.jitter.count() + 100.0))
          << "the wait after failed attempt " << i + 1 << " should be base * 2^" << i << " plus at most the jitter";
    }
    return true;
  }
};

TEST_F(Retry, RecoversAfterTwoFailuresWaitingFiftyThenOneHundredMilliseconds) {
  auto response = run(ch06::get_with_retry(async_client(), "/flaky/recover?fail=2", kPolicy));
  auto t = trace(3);
  if (!check_attempts(t, 3) || !check_gaps(t)) return;
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("\"attempt\": 3"), std::string::npos) << response.body;
}

// raise_for_status raises for every status that is not 2xx: a 404 is a failed attempt like a
// 503 (the server may answer 404 while a resource is still being created).
TEST_F(Retry, EveryStatusThatIsNot2xxIsAFailedAttemptA404Included) {
  auto response = run(ch06::get_with_retry(async_client(), "/flaky/created-soon?fail=2&status=404", kPolicy));
  auto t = trace(1);
  if (t.size() == 1 && response.status == 404) {
    diagnose("status-not-checked",
             "the first attempt got 404 and get_with_retry returned that response: only 2xx is a "
             "success. Throw HttpError for every other status (4xx as well as 5xx), so that it is "
             "retried and, in the end, reaches the caller");
    return;
  }
  if (!check_attempts(t, 3)) return;
  EXPECT_EQ(response.status, 200);
}

TEST_F(Retry, GivesUpAfterMaxAttemptsAndRethrowsTheLastErrorAtOnce) {
  bool threw = false;
  asynclings::testkit::Stopwatch watch;
  double thrown_at = 0;
  try {
    run(ch06::get_with_retry(async_client(), "/flaky/hopeless?fail=100", kPolicy));
  } catch (const ch06::HttpError& e) {
    thrown_at = watch.elapsed_ms();
    threw = true;
    EXPECT_EQ(e.status, 503) << "the error should carry the server's status";
  }
  auto t = trace(1);
  if (!check_attempts(t, std::size_t(kPolicy.max_attempts)) || !check_gaps(t)) return;
  if (!threw) {
    diagnose(diagnoses::error_swallowed,
             "after the last failed attempt get_with_retry returned normally: rethrow the last "
             "HttpError so the caller knows it gave up");
    return;
  }
  // The stopwatch started a moment before the test's origin: the comparison favours the code.
  const double last_answer = answered_ms(t, t.size() - 1);
  const double after_last = thrown_at - last_answer;
  figure("error_after_last_response_ms", after_last, "ms", "a few ms (no wait after the last attempt)");
  const double next_wait = double(kPolicy.base.count() << (kPolicy.max_attempts - 1));
  if (after_last >= next_wait / 2) {
    diagnose("waits-after-last-attempt",
             "the error reached the caller " + std::to_string(int(after_last)) + " ms after the last attempt "
             "failed: there is nothing left to wait for — wait only between attempts, and throw as soon "
             "as the last one fails");
  }
}

TEST_F(Retry, ASuccessfulFirstAttemptReturnsAtOnce) {
  asynclings::testkit::Stopwatch watch;
  auto response = run(ch06::get_with_retry(async_client(), "/flaky/fine?fail=0", kPolicy));
  const double wall = watch.elapsed_ms();
  auto t = trace(1);
  if (!check_attempts(t, 1)) return;
  EXPECT_EQ(response.status, 200);
  figure("wall_ms", wall, "ms", "one request, no backoff");
  EXPECT_LE(wall, tolerant_ms(200.0)) << "no wait before or after a successful first attempt";
}

// One long wait (400 ms) beside a probe ticking every 5 ms on the same loop. A blocking sleep
// stalls the probe for the whole wait; a timer leaves it ticking. The wait is long so that the
// two are told apart on a busy machine too: a process descheduled for 100-200 ms is not a
// blocked loop, a 400 ms stall is.
TEST_F(Retry, ALongWaitLeavesTheLoopFreeForOtherCoroutines) {
  const ch06::RetryPolicy one_long_wait{2, milliseconds{400}, milliseconds{1}};
  auto lag = std::make_shared<ch06test::LagState>();
  auto response =
      run(ch06test::with_lag_probe(ch06::get_with_retry(async_client(), "/flaky/long?fail=1", one_long_wait), lag));
  auto t = trace(2);
  if (!check_attempts(t, 2)) return;
  figure("loop_lag_ms", lag->max_lag_ms, "ms", "well under the 400 ms wait (the loop stays free while waiting)");
  if (lag->max_lag_ms >= 250.0) {
    diagnose("blocking-backoff",
             "while get_with_retry waited 400 ms, the loop stood still for " + std::to_string(int(lag->max_lag_ms)) +
                 " ms: std::this_thread::sleep_for blocks the thread and every coroutine on it. Wait with "
                 "an asio::steady_timer: expires_after(d), then co_await timer.async_wait(asio::use_awaitable)");
    return;
  }
  EXPECT_EQ(response.status, 200);
}

// Two calls that fail together, with a large jitter and a tiny base: the jitter decides when
// each comes back.
const ch06::RetryPolicy kJittery{6, milliseconds{1}, milliseconds{100}};

// One call that is expected to give up (its HttpError is the expected ending).
asio::awaitable<int> gives_up(AsyncClient client, std::string target) {
  try {
    co_await ch06::get_with_retry(std::move(client), std::move(target), kJittery);
  } catch (const ch06::HttpError&) {
  }
  co_return 0;
}

asio::awaitable<int> two_calls_failing_together(AsyncClient client) {
  auto a = gives_up(client, "/flaky/a?fail=100");
  auto b = gives_up(client, "/flaky/b?fail=100");
  co_await ch06test::together(std::move(a), std::move(b));
  co_return 0;
}

TEST_F(Retry, EachWaitGetsItsOwnJitterSoClientsThatFailedTogetherComeBackApart) {
  run(two_calls_failing_together(async_client()));
  auto t = trace(2);
  auto a = TraceView(t.with_target_prefix("/flaky/a"), t.origin());
  auto b = TraceView(t.with_target_prefix("/flaky/b"), t.origin());
  figure("attempts", double(t.size()), "", "6 per call");
  ASSERT_EQ(a.size(), 6u) << "each call should make max_attempts = 6 attempts";
  ASSERT_EQ(b.size(), 6u) << "each call should make max_attempts = 6 attempts";
  if (!check_gaps(a, kJittery) || !check_gaps(b, kJittery)) return;
  // Jitter: how much each wait exceeded base * 2^i. Without jitter only scheduling noise.
  double largest_extra = 0;
  for (const auto* view : {&a, &b}) {
    const auto gaps = gaps_ms(*view);
    for (std::size_t i = 0; i < gaps.size(); ++i) {
      largest_extra = std::max(largest_extra, gaps[i] - double(kJittery.base.count() << i));
    }
  }
  figure("largest_jitter_ms", largest_extra, "ms", "up to 100 (random 0..jitter per wait)");
  if (largest_extra < 15.0) {
    diagnose("no-jitter",
             "10 waits with a jitter of 100 ms were each at most " + std::to_string(int(largest_extra)) +
                 " ms longer than base * 2^i: add a random 0..policy.jitter to every wait "
                 "(std::uniform_int_distribution over a std::mt19937 seeded from std::random_device)");
    return;
  }
  // The two calls' retries: the same moments mean the same "random" numbers.
  double largest_apart = 0;
  for (std::size_t i = 1; i < 6; ++i) {
    largest_apart = std::max(largest_apart, std::abs(a.arrival_ms(i) - b.arrival_ms(i)));
  }
  figure("retries_apart_ms", largest_apart, "ms", "tens of ms");
  if (largest_apart < 5.0) {
    diagnose("jitter-not-random",
             "the two calls retried within " + std::to_string(largest_apart) +
                 " ms of each other every time: both drew the same jitter. A random engine created "
                 "in each call with the default seed repeats the same numbers — seed it from "
                 "std::random_device (once, e.g. a thread_local engine)");
  }
}

TEST_F(Retry, ANetworkErrorIsAFailedAttemptTooAndIsRetried) {
  ch06test::HangupProxy proxy(address().port, [](const std::string&) { return true; });
  const ch06::RetryPolicy policy{3, milliseconds{20}, milliseconds{10}};
  std::exception_ptr error;
  try {
    run(ch06::get_with_retry(AsyncClient({"127.0.0.1", proxy.port(), tag()}), "/flaky/net?fail=0", policy),
        milliseconds{3000});
  } catch (...) {
    error = std::current_exception();
  }
  rethrow_if_not_implemented(error);
  const auto hangups = proxy.hangups();
  figure("attempts", double(hangups.size()), "", "3 (every attempt hung up on)");
  if (hangups.size() == 1) {
    diagnose("network-error-not-retried",
             "the first attempt failed with a network error and get_with_retry gave up at once: a "
             "boost::system::system_error from client.get() is a failed attempt too (httpx.HTTPError "
             "covers it) — catch it like HttpError, but let operation_aborted through");
    return;
  }
  EXPECT_EQ(hangups.size(), 3u) << "max_attempts = 3 attempts";
  ASSERT_TRUE(error) << "every attempt failed, yet get_with_retry returned normally";
  ch06test::expect_own_error(error, "the last network error");
  for (std::size_t i = 0; i + 1 < hangups.size(); ++i) {
    const double gap = std::chrono::duration<double, std::milli>(hangups[i + 1].second - hangups[i].second).count();
    EXPECT_GE(gap, double(policy.base.count() << i) - 1.0) << "back off after a network error too";
  }
}

TEST_F(Retry, AMaxAttemptsOfZeroIsRefusedWithInvalidArgumentBeforeAnyRequest) {
  bool refused = false;
  std::string other;
  try {
    run(ch06::get_with_retry(async_client(), "/flaky/zero?fail=0", ch06::RetryPolicy{0, milliseconds{10}, milliseconds{0}}),
        milliseconds{2000});
  } catch (const std::invalid_argument&) {
    refused = true;
  } catch (const asynclings::NotImplemented&) {
    throw;
  } catch (const std::exception& e) {
    other = e.what();
  }
  const auto requests = trace_now().size();
  figure("requests", double(requests), "", "0");
  if (!refused) {
    diagnose("zero-attempts-accepted",
             "with max_attempts = 0 get_with_retry " +
                 (other.empty() ? std::string("returned normally") : "threw \"" + other + "\"") + " after " +
                 std::to_string(requests) + " request(s): check the policy first and throw "
                 "std::invalid_argument — zero attempts means no request at all");
    return;
  }
  EXPECT_EQ(requests, 0u);
}

TEST_F(Retry, ACancelDuringTheWaitEndsTheCallAtOnceWithOperationAborted) {
  constexpr milliseconds kCancel{50};
  const ch06::RetryPolicy policy{4, milliseconds{100}, milliseconds{10}};
  const auto ending =
      run(ch06test::cancel_after(ch06::get_with_retry(async_client(), "/flaky/cancel?fail=100", policy), kCancel));
  rethrow_if_not_implemented(ending.error);
  auto t = trace(1);
  const double cancel_ms = t.ms(ending.cancelled_at);
  const double ended_ms = t.ms(ending.ended_at);
  figure("attempts", double(t.size()), "", "1 (the cancel came during the first wait)");
  figure("cancel_late_ms", cancel_ms - double(kCancel.count()), "ms", "a few ms");
  figure("ended_after_cancel_ms", ended_ms - cancel_ms, "ms", "a few ms");
  // The cancel is a timer on the same loop: when it fires far too late, the loop was blocked.
  if (cancel_ms - double(kCancel.count()) >= 45.0) {
    diagnose("blocking-backoff",
             "the cancel, due at 50 ms during the first wait, could only be delivered at " +
                 std::to_string(int(cancel_ms)) + " ms: the wait blocked the loop (std::this_thread::sleep_for). "
                 "co_await an asio::steady_timer instead — its wait also ends at once on a cancel");
    return;
  }
  if (ended_ms - cancel_ms > tolerant_ms(40)) {
    diagnose("cancel-ignored-in-backoff",
             "the cancel came during a wait, but get_with_retry ended only " + std::to_string(int(ended_ms - cancel_ms)) +
                 " ms later: let the wait's operation_aborted end the call at once");
    return;
  }
  if (t.size() > 1) {
    diagnose("retried-after-cancel", "after the cancel another attempt reached the server: a cancellation is "
                                     "not a failure — never retry operation_aborted");
    return;
  }
  ASSERT_TRUE(ending.error) << "get_with_retry returned normally after a cancel";
  EXPECT_TRUE(ch06test::is_operation_aborted(ending.error)) << "the caller should see operation_aborted";
}

}  // namespace
