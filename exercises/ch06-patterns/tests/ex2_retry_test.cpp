// Exercise 2: retry with backoff, judged from the server's trace of /flaky/{key}?fail=k (the
// first k calls per key fail with 503). Attempts are counted on the server; the backoff is the
// gap between a failed attempt's finish and the next attempt's arrival.
#include "ex2_retry.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using asynclings::testkit::diagnose;
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

  // The wait between attempts, as the server saw it: next arrival minus the moment the server
  // started writing the failed response. (TraceView::gaps_ms() starts from the recorded finish,
  // which the server notes after its write completes — possibly after the client has read the
  // response and started its timer; the response start is always before.)
  static std::vector<double> gaps_ms(const TraceView& t) {
    std::vector<double> gaps;
    for (std::size_t i = 0; i + 1 < t.size(); ++i) {
      const auto& r = t.records()[i];
      const double answered = r.response_start ? t.ms(*r.response_start) : t.finish_ms(i);
      gaps.push_back(t.arrival_ms(i + 1) - answered);
    }
    return gaps;
  }

  bool check_gaps(const TraceView& t) {
    const auto gaps = gaps_ms(t);
    for (std::size_t i = 0; i < gaps.size(); ++i) {
      const double wanted = double(kPolicy.base.count() << i);
      figure("gap_" + std::to_string(i) + "_ms", gaps[i], "ms",
             ">= " + std::to_string(int(wanted)) + " and <= " + std::to_string(int(wanted + kPolicy.jitter.count())) +
                 " (+ scheduling)");
    }
    for (std::size_t i = 0; i < gaps.size(); ++i) {
      const double wanted = double(kPolicy.base.count() << i);
      if (gaps[i] < kPolicy.base.count() / 2.0) {
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
      EXPECT_LE(gaps[i], tolerant_ms(wanted + kPolicy.jitter.count() + 100.0))
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

TEST_F(Retry, GivesUpAfterMaxAttemptsAndRethrowsTheLastError) {
  bool threw = false;
  try {
    run(ch06::get_with_retry(async_client(), "/flaky/hopeless?fail=100", kPolicy));
  } catch (const ch06::HttpError& e) {
    threw = true;
    EXPECT_EQ(e.status, 503) << "the error should carry the server's status";
  }
  auto t = trace(1);
  if (!check_attempts(t, std::size_t(kPolicy.max_attempts)) || !check_gaps(t)) return;
  if (!threw) {
    diagnose("error-swallowed",
             "after the last failed attempt get_with_retry returned normally: rethrow the last "
             "HttpError so the caller knows it gave up");
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

}  // namespace
