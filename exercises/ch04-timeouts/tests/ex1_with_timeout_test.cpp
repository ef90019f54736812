// Exercise 1: with_timeout. The server's trace shows whether the timed-out request was really
// aborted (its connection closed) and when, relative to the deadline; a result or an error
// of the operation itself must come back as soon as it exists.
#include "ex1_with_timeout.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asynclings::client::AsyncClient;
using asynclings::testkit::Clock;
using asynclings::testkit::diagnose;
using asynclings::testkit::figure;
using asynclings::testkit::Outcome;
using asynclings::testkit::tolerant_ms;

struct RequestFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string delay_target(int ms) { return "/delay/" + std::to_string(ms) + "ms"; }

// The status of a GET to /delay/{ms}ms.
asio::awaitable<int> status_after(AsyncClient client, int ms) {
  auto response = co_await client.get(delay_target(ms));
  co_return response.status;
}

// Waits for /delay/{ms}ms, then fails with its own error.
asio::awaitable<int> fails_after(AsyncClient client, int ms) {
  co_await client.get(delay_target(ms));
  throw RequestFailed("deliberate failure after " + std::to_string(ms) + " ms");
}

// How one call of with_timeout ended, and when. Anything else (NotImplemented included)
// propagates and fails the test.
struct Attempt {
  std::optional<int> value;
  bool timed_out = false;
  std::optional<std::string> failure;
  Clock::time_point ended{};
};

asio::awaitable<Attempt> attempt(asio::awaitable<int> op, std::chrono::milliseconds d) {
  Attempt a;
  try {
    a.value = co_await ch04::with_timeout(std::move(op), d);
  } catch (const ch04::TimeoutError&) {
    a.timed_out = true;
  } catch (const RequestFailed& e) {
    a.failure = e.what();
  }
  a.ended = Clock::now();
  co_return a;
}

class WithTimeout : public asynclings::testkit::ServerTest {};

TEST_F(WithTimeout, ThrowsTimeoutErrorAtTheDeadlineAndTheServerSeesTheRequestAborted) {
  constexpr int kDeadline = 150, kRequest = 400;
  const Attempt a = run(attempt(status_after(async_client(), kRequest), std::chrono::milliseconds{kDeadline}));
  auto t = trace(1);
  ASSERT_EQ(t.size(), 1u) << "with_timeout should send the operation's one request";
  const auto& r = t.records()[0];
  const double ended_ms = t.ms(a.ended);
  figure("timeout_ms", ended_ms, "ms", "≈ " + std::to_string(kDeadline));
  if (!a.timed_out) {
    diagnose("no-timeout",
             "with_timeout returned the " + std::to_string(kRequest) + " ms request's result after " +
                 std::to_string(int(ended_ms)) + " ms instead of throwing ch04::TimeoutError at " +
                 std::to_string(kDeadline) + " ms: start a steady_timer for d and race the "
                 "operation against it");
    return;
  }
  ASSERT_TRUE(r.finish.has_value());
  const double finish_ms = t.ms(*r.finish);
  figure("abort_after_ms", t.ms(*r.finish) - t.ms(r.arrival), "ms", "≈ " + std::to_string(kDeadline));
  figure("server_finish_ms", finish_ms, "ms", "≈ " + std::to_string(kDeadline) + ", aborted");
  if (r.outcome == Outcome::completed) {
    diagnose("request-not-aborted",
             "with_timeout threw TimeoutError at " + std::to_string(int(ended_ms)) +
                 " ms, but the server saw the request run on to its end at " +
                 std::to_string(int(finish_ms)) + " ms: the operation was left running in the "
                 "background. Race it against the timer so that the loser is cancelled (`||` or "
                 "a parallel group with wait_for_one()) instead of co_spawning it on its own");
    return;
  }
  EXPECT_EQ(r.outcome, Outcome::client_aborted);
  EXPECT_GE(ended_ms, kDeadline - 1.0) << "TimeoutError came before the deadline";
  EXPECT_LE(ended_ms, kDeadline + tolerant_ms(80)) << "TimeoutError came long after the deadline";
  EXPECT_GE(finish_ms, kDeadline - 1.0) << "the request was aborted before the deadline";
  EXPECT_LE(std::abs(finish_ms - ended_ms), tolerant_ms(50))
      << "the server should see the connection close when the timeout fires, not later";
}

TEST_F(WithTimeout, ReturnsTheValueAsSoonAsTheOperationFinishesInTime) {
  constexpr int kDeadline = 300, kRequest = 50;
  const Attempt a = run(attempt(status_after(async_client(), kRequest), std::chrono::milliseconds{kDeadline}));
  auto t = trace(1);
  ASSERT_EQ(t.size(), 1u);
  const double ended_ms = t.ms(a.ended);
  figure("returned_ms", ended_ms, "ms", "≈ " + std::to_string(kRequest));
  ASSERT_FALSE(a.timed_out) << "a " << kRequest << " ms request timed out under a " << kDeadline
                            << " ms deadline";
  ASSERT_TRUE(a.value.has_value());
  EXPECT_EQ(*a.value, 200);
  if (ended_ms >= kDeadline - 5.0) {
    diagnose("waited-for-timer",
             "the value came back only at " + std::to_string(int(ended_ms)) +
                 " ms, when the timer expired, although the request finished at about " +
                 std::to_string(kRequest) + " ms: when the operation wins the race, return at once "
                 "and let the timer be cancelled");
    return;
  }
  EXPECT_EQ(t.records()[0].outcome, Outcome::completed);
  EXPECT_LE(ended_ms, kRequest + tolerant_ms(100));
}

TEST_F(WithTimeout, AnErrorOfTheOperationReachesTheCallerAtOnceAndIsNotReportedAsATimeout) {
  constexpr int kDeadline = 300, kRequest = 50;
  const Attempt a = run(attempt(fails_after(async_client(), kRequest), std::chrono::milliseconds{kDeadline}));
  auto t = trace(1);
  const double ended_ms = t.ms(a.ended);
  figure("error_ms", ended_ms, "ms", "≈ " + std::to_string(kRequest));
  if (a.timed_out) {
    diagnose("error-became-timeout",
             "the operation failed with its own error after about " + std::to_string(kRequest) +
                 " ms, but with_timeout threw TimeoutError at " + std::to_string(int(ended_ms)) +
                 " ms. `op || timer` waits for the first *success*, so a failed operation loses "
                 "the race to the timer: wait for the first *completion* (a parallel group with "
                 "wait_for_one()) and rethrow the operation's exception");
    return;
  }
  ASSERT_TRUE(a.failure.has_value()) << "with_timeout should rethrow the operation's RequestFailed";
  EXPECT_EQ(*a.failure, "deliberate failure after 50 ms");
  if (ended_ms >= kDeadline - 5.0) {
    diagnose("error-delayed",
             "the operation's error reached the caller only at " + std::to_string(int(ended_ms)) +
                 " ms, when the timer expired: rethrow it as soon as the operation fails");
    return;
  }
  EXPECT_LE(ended_ms, kRequest + tolerant_ms(100));
}

}  // namespace
