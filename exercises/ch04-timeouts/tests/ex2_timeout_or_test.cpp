// Exercise 2: with_timeout_or. The fallback must come at the deadline with the request aborted
// at the server; a real value as soon as it exists; several calls keep separate deadlines;
// errors other than a timeout are not papered over with the fallback.
#include "ex2_timeout_or.hpp"
#include "left_armed.hpp"


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
#include <boost/system/system_error.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>

namespace {

using asynclings::testkit::cancel_after;
using asynclings::testkit::is_operation_aborted;
using asynclings::testkit::rethrow_if_not_implemented;
using Ending = asynclings::testkit::Ending<int>;

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using asynclings::client::AsyncClient;
using asynclings::testkit::Clock;
using asynclings::testkit::diagnose;
using asynclings::testkit::delay_target;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using asynclings::testkit::Outcome;
using asynclings::testkit::tolerant_ms;
using std::chrono::milliseconds;

struct RequestFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

asio::awaitable<int> status_after(AsyncClient client, int ms) {
  auto response = co_await client.get(delay_target(ms));
  co_return response.status;
}

asio::awaitable<std::string> named_after(AsyncClient client, int ms) {
  auto response = co_await client.get(delay_target(ms));
  co_return "answer after " + std::to_string(ms) + " ms (status " + std::to_string(response.status) + ")";
}

asio::awaitable<int> fails_after(AsyncClient client, int ms) {
  co_await client.get(delay_target(ms));
  throw RequestFailed("deliberate failure after " + std::to_string(ms) + " ms");
}

// The value with_timeout_or returned and when; a RequestFailed is recorded, anything else
// (NotImplemented included) propagates and fails the test.
template <typename T>
struct Call {
  std::optional<T> value;
  std::optional<std::string> failure;
  Clock::time_point ended{};
};

template <typename T>
asio::awaitable<Call<T>> call(asio::awaitable<T> op, milliseconds d, T fallback) {
  Call<T> c;
  try {
    c.value = co_await ch04::with_timeout_or(std::move(op), d, std::move(fallback));
  } catch (const RequestFailed& e) {
    c.failure = e.what();
  }
  c.ended = Clock::now();
  co_return c;
}

// Three with_timeout_or calls at once (the test, not the student, runs them together).
using Three = std::tuple<std::string, std::string, std::string>;
asio::awaitable<std::pair<Three, Clock::time_point>> three_at_once(AsyncClient client, int a, int b,
                                                                   int c, milliseconds d) {
  auto first = ch04::with_timeout_or(named_after(client, a), d, std::string("fallback"));
  auto second = ch04::with_timeout_or(named_after(client, b), d, std::string("fallback"));
  auto third = ch04::with_timeout_or(named_after(client, c), d, std::string("fallback"));
  auto all = std::move(first) && std::move(second) && std::move(third);
  Three values = co_await std::move(all);
  co_return std::make_pair(std::move(values), Clock::now());
}

constexpr int kFallback = -1;

// Runs <task>, emitting a terminal cancel at it after <after>; returns how it ended and when.
class WithTimeoutOr : public asynclings::testkit::ServerTest {
 protected:
  // run() is over, so every request made has been sent. None at all: op never got to run.
  bool diagnosed_never_sent() {
    if (trace_now().size() > 0) return false;
    diagnose(diagnoses::blocked_the_loop,
             "the operation's request never reached the server: with_timeout_or gave up before "
             "op ever ran. Blocking the thread (std::this_thread::sleep_for in a coroutine) stops "
             "the event loop. Wait with a steady_timer's async_wait, raced against op");
    return true;
  }
};

TEST_F(WithTimeoutOr, ReturnsTheFallbackAtTheDeadlineAndTheServerSeesTheRequestAborted) {
  constexpr int kDeadline = 150, kRequest = 400;
  const auto c = run(call(status_after(async_client(), kRequest), milliseconds{kDeadline}, kFallback));
  if (diagnosed_never_sent()) return;
  auto t = trace(1);
  ASSERT_EQ(t.size(), 1u);
  const auto& r = t.records()[0];
  const double ended_ms = t.ms(c.ended);
  figure("returned_ms", ended_ms, "ms", "≈ " + std::to_string(kDeadline));
  ASSERT_TRUE(c.value.has_value()) << "with_timeout_or threw instead of returning the fallback";
  if (*c.value != kFallback) {
    diagnose(diagnoses::no_timeout,
             "with_timeout_or waited for the whole " + std::to_string(kRequest) + " ms request and "
                 "returned its value after " + std::to_string(int(ended_ms)) + " ms: after " +
                 std::to_string(kDeadline) + " ms it should give up and return the fallback");
    return;
  }
  ASSERT_TRUE(r.finish.has_value());
  const double finish_ms = t.ms(*r.finish);
  figure("abort_after_ms", finish_ms - t.ms(r.arrival), "ms", "≈ " + std::to_string(kDeadline));
  if (r.outcome == Outcome::completed && ended_ms >= finish_ms - 1.0) {
    diagnose(diagnoses::no_timeout,
             "the fallback came back only at " + std::to_string(int(ended_ms)) + " ms, after the "
                 "request had run to its end (" + std::to_string(int(finish_ms)) + " ms): "
                 "with_timeout_or measured the time after awaiting op instead of giving up at the "
                 "deadline. Race op against a steady_timer, so that the deadline ends the wait and "
                 "cancels op");
    return;
  }
  if (r.outcome == Outcome::completed) {
    diagnose(diagnoses::request_not_aborted,
             "the fallback came back at " + std::to_string(int(ended_ms)) + " ms, but the server saw "
                 "the request run on to its end at " + std::to_string(int(finish_ms)) +
                 " ms: nothing cancelled it. Race op against the timer so that the loser is "
                 "cancelled, instead of leaving op running on its own");
    return;
  }
  EXPECT_EQ(r.outcome, Outcome::client_aborted);
  EXPECT_GE(ended_ms, kDeadline - 1.0) << "the fallback came before the deadline";
  EXPECT_LE(ended_ms, kDeadline + tolerant_ms(80));
  EXPECT_GE(finish_ms, kDeadline - 1.0) << "the request was aborted before the deadline";
  EXPECT_LE(finish_ms, kDeadline + tolerant_ms(80)) << "the request was aborted long after the deadline";
}

TEST_F(WithTimeoutOr, ReturnsTheRealValueAsSoonAsAQuickOperationFinishes) {
  constexpr int kDeadline = 300, kRequest = 50;
  asynclings::testkit::Stopwatch whole_run;
  const auto c = run(call(status_after(async_client(), kRequest), milliseconds{kDeadline}, kFallback));
  const double run_ms = whole_run.elapsed_ms();
  figure("loop_busy_until_ms", run_ms, "ms", "≈ " + std::to_string(kRequest) + " (nothing left armed)");
  if (diagnosed_never_sent()) return;
  auto t = trace(1);
  ASSERT_EQ(t.size(), 1u);
  const double ended_ms = t.ms(c.ended);
  figure("returned_ms", ended_ms, "ms", "≈ " + std::to_string(kRequest));
  ASSERT_TRUE(c.value.has_value());
  ASSERT_NE(*c.value, kFallback) << "a " << kRequest << " ms request got the fallback under a "
                                 << kDeadline << " ms deadline";
  EXPECT_EQ(*c.value, 200);
  if (ended_ms >= kDeadline - 5.0) {
    diagnose(diagnoses::waited_for_timer,
             "the value came back only at " + std::to_string(int(ended_ms)) +
                 " ms, when the timer expired, although the request finished at about " +
                 std::to_string(kRequest) + " ms: return as soon as op wins the race");
    return;
  }
  EXPECT_EQ(t.records()[0].outcome, Outcome::completed);
  EXPECT_LE(ended_ms, kRequest + tolerant_ms(100));
  ch04test::diagnosed_timer_left_armed("with_timeout_or", "returned", ended_ms, run_ms, kDeadline);
}

TEST_F(WithTimeoutOr, ThreeCallsRunTogetherEachKeepItsOwnDeadline) {
  constexpr int kDeadline = 200;
  const auto [values, ended] = run(three_at_once(async_client(), 50, 400, 100, milliseconds{kDeadline}));
  if (diagnosed_never_sent()) return;
  auto t = trace(3);
  ASSERT_EQ(t.size(), 3u);
  const double ended_ms = t.ms(ended);
  figure("all_returned_ms", ended_ms, "ms", "≈ " + std::to_string(kDeadline));
  figure("peak_in_flight", double(t.peak_in_flight()), "", "3");
  EXPECT_EQ(std::get<0>(values), "answer after 50 ms (status 200)");
  EXPECT_EQ(std::get<1>(values), "fallback") << "the 400 ms request should have fallen back at "
                                             << kDeadline << " ms";
  EXPECT_EQ(std::get<2>(values), "answer after 100 ms (status 200)");
  const auto slow = t.with_target_prefix("/delay/400ms");
  ASSERT_EQ(slow.size(), 1u);
  if (slow[0].outcome == Outcome::completed) {
    diagnose(diagnoses::request_not_aborted,
             "the slow call's fallback came back, but the server saw its 400 ms request run to "
             "the end: a timed-out op must be cancelled, not left running");
    return;
  }
  EXPECT_EQ(slow[0].outcome, Outcome::client_aborted);
  EXPECT_EQ(t.count(Outcome::completed), 2u) << "the two quick requests should complete";
  EXPECT_EQ(t.peak_in_flight(), 3u) << "the three calls should be in flight together";
  EXPECT_GE(ended_ms, kDeadline - 1.0);
  EXPECT_LE(ended_ms, kDeadline + tolerant_ms(100));
}

TEST_F(WithTimeoutOr, AnErrorOfTheOperationIsRethrownNotReplacedByTheFallback) {
  constexpr int kDeadline = 300, kRequest = 50;
  asynclings::testkit::Stopwatch whole_run;
  const auto c = run(call(fails_after(async_client(), kRequest), milliseconds{kDeadline}, kFallback));
  const double run_ms = whole_run.elapsed_ms();
  if (diagnosed_never_sent()) return;
  auto t = trace(1);
  const double ended_ms = t.ms(c.ended);
  figure("ended_ms", ended_ms, "ms", "≈ " + std::to_string(kRequest) + ", with RequestFailed");
  if (c.value && *c.value == kFallback) {
    diagnose(diagnoses::error_swallowed,
             "op failed with its own error after about " + std::to_string(kRequest) +
                 " ms, but with_timeout_or returned the fallback (at " + std::to_string(int(ended_ms)) +
                 " ms): only a timeout earns the fallback. A catch-all hides real failures, and "
                 "`op || timer` waits for the first *success*, so a failed op loses to the timer; "
                 "wait for the first completion (wait_for_one()) and rethrow op's exception");
    return;
  }
  ASSERT_TRUE(c.failure.has_value()) << "with_timeout_or should rethrow op's RequestFailed";
  EXPECT_EQ(*c.failure, "deliberate failure after 50 ms");
  EXPECT_LE(ended_ms, kRequest + tolerant_ms(100)) << "the error should come back as soon as op fails";
  figure("loop_busy_until_ms", run_ms, "ms", "≈ " + std::to_string(kRequest) + " (nothing left armed)");
  ch04test::diagnosed_timer_left_armed("with_timeout_or", "threw op's error", ended_ms, run_ms, kDeadline);
}

// The caller is cancelled from outside at 100 ms: that is not a timeout, so no fallback; the
// request is cancelled and the caller sees operation_aborted.
TEST_F(WithTimeoutOr, ACancelFromOutsideIsPassedOnAndNotTurnedIntoTheFallback) {
  constexpr int kDeadline = 300, kRequest = 400, kCancel = 100;
  asynclings::testkit::Stopwatch whole_run;
  const Ending e = run(cancel_after(
      ch04::with_timeout_or(status_after(async_client(), kRequest), milliseconds{kDeadline}, kFallback),
      milliseconds{kCancel}));
  const double run_ms = whole_run.elapsed_ms();
  if (e.error) rethrow_if_not_implemented(e.error);
  if (diagnosed_never_sent()) return;
  auto t = trace(1);
  ASSERT_EQ(t.size(), 1u);
  const auto& r = t.records()[0];
  const double ended_ms = t.ms(e.ended_at);
  figure("ended_ms", ended_ms, "ms", "≈ " + std::to_string(kCancel) + ", with operation_aborted");
  if (e.value) {
    diagnose("cancel-became-fallback",
             "with_timeout_or was cancelled from outside at " + std::to_string(kCancel) +
                 " ms and returned " + std::to_string(*e.value) + " at " + std::to_string(int(ended_ms)) +
                 " ms: a cancellation is not a timeout and earns no fallback. Return the fallback "
                 "only when the timer really expired; otherwise let operation_aborted go on");
    return;
  }
  if (r.outcome == Outcome::completed) {
    diagnose(diagnoses::request_not_aborted,
             "with_timeout_or was cancelled at " + std::to_string(kCancel) + " ms, but the server "
                 "saw its request run on to the end: the operation must receive the cancellation");
    return;
  }
  EXPECT_TRUE(is_operation_aborted(e.error)) << "the caller should see operation_aborted";
  EXPECT_LE(ended_ms, kCancel + tolerant_ms(60));
  figure("loop_busy_until_ms", run_ms, "ms", "≈ " + std::to_string(kCancel) + " (nothing left armed)");
  ch04test::diagnosed_timer_left_armed("with_timeout_or", "ended with the cancel", ended_ms, run_ms, kDeadline);
}

}  // namespace
