// Exercise 1: with_timeout. The server's trace shows whether the timed-out request was really
// aborted (its connection closed) and when, relative to the deadline; a result or an error
// of the operation itself must come back as soon as it exists.
#include "ex1_with_timeout.hpp"
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
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

namespace {

using asynclings::testkit::cancel_after;
using asynclings::testkit::is_operation_aborted;
using asynclings::testkit::rethrow_if_not_implemented;
using Ending = asynclings::testkit::Ending<int>;

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asynclings::client::AsyncClient;
using asynclings::testkit::Clock;
using asynclings::testkit::diagnose;
using asynclings::testkit::delay_target;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using asynclings::testkit::Outcome;
using asynclings::testkit::tolerant_ms;

struct RequestFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

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

// Runs <task>, emitting a terminal cancel at it after <after>; returns how it ended and when.
bool is_timeout(std::exception_ptr e) {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const ch04::TimeoutError&) {
    return true;
  } catch (...) {
    return false;
  }
}

std::string describe(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& error) {
    return error.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

class WithTimeout : public asynclings::testkit::ServerTest {
 protected:
  // run() is over, so every request the operation made has been sent. None at all: the
  // operation never got to run before with_timeout gave up on it.
  bool diagnosed_never_sent() {
    if (trace_now().size() > 0) return false;
    diagnose(diagnoses::blocked_the_loop,
             "the operation's request never reached the server: with_timeout gave up before the "
             "operation ever ran. Blocking the thread (std::this_thread::sleep_for in a coroutine) "
             "stops the event loop, so nothing else can run meanwhile. Wait with a steady_timer's "
             "async_wait, raced against the operation");
    return true;
  }
};

TEST_F(WithTimeout, ThrowsTimeoutErrorAtTheDeadlineAndTheServerSeesTheRequestAborted) {
  constexpr int kDeadline = 150, kRequest = 400;
  const Attempt a = run(attempt(status_after(async_client(), kRequest), std::chrono::milliseconds{kDeadline}));
  if (diagnosed_never_sent()) return;
  auto t = trace(1);
  ASSERT_EQ(t.size(), 1u) << "with_timeout should send the operation's one request";
  const auto& r = t.records()[0];
  const double ended_ms = t.ms(a.ended);
  figure("timeout_ms", ended_ms, "ms", "≈ " + std::to_string(kDeadline));
  figure("request_arrival_ms", t.ms(r.arrival), "ms", "≈ 0");
  if (t.ms(r.arrival) >= kDeadline - 5.0) {
    diagnose(diagnoses::blocked_the_loop,
             "the request reached the server only at " + std::to_string(int(t.ms(r.arrival))) +
                 " ms, when the deadline was already over: the event loop was blocked for the "
                 "whole timeout (std::this_thread::sleep_for in a coroutine stops everything). "
                 "Wait with a steady_timer's async_wait, raced against the operation");
    return;
  }
  if (!a.timed_out) {
    diagnose(diagnoses::no_timeout,
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
  if (r.outcome == Outcome::completed && ended_ms >= finish_ms - 1.0) {
    diagnose(diagnoses::no_timeout,
             "with_timeout threw TimeoutError only at " + std::to_string(int(ended_ms)) +
                 " ms, after the request had run to its end (" + std::to_string(int(finish_ms)) +
                 " ms): it measured the time after awaiting the operation instead of giving up at "
                 "the deadline. Race the operation against a steady_timer, so that the deadline "
                 "ends the wait and cancels the operation");
    return;
  }
  if (r.outcome == Outcome::completed) {
    diagnose(diagnoses::request_not_aborted,
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
  asynclings::testkit::Stopwatch whole_run;
  const Attempt a = run(attempt(status_after(async_client(), kRequest), std::chrono::milliseconds{kDeadline}));
  const double run_ms = whole_run.elapsed_ms();
  if (diagnosed_never_sent()) return;
  auto t = trace(1);
  ASSERT_EQ(t.size(), 1u);
  const double ended_ms = t.ms(a.ended);
  figure("returned_ms", ended_ms, "ms", "≈ " + std::to_string(kRequest));
  figure("loop_busy_until_ms", run_ms, "ms", "≈ " + std::to_string(kRequest) + " (nothing left armed)");
  if (t.ms(t.records()[0].arrival) >= kDeadline - 5.0) {
    diagnose(diagnoses::blocked_the_loop,
             "the request reached the server only when the timeout was over: the event loop was "
             "blocked (std::this_thread::sleep_for in a coroutine stops everything). Wait with a "
             "steady_timer's async_wait, raced against the operation");
    return;
  }
  ASSERT_FALSE(a.timed_out) << "a " << kRequest << " ms request timed out under a " << kDeadline
                            << " ms deadline";
  ASSERT_TRUE(a.value.has_value());
  EXPECT_EQ(*a.value, 200);
  if (ended_ms >= kDeadline - 5.0) {
    diagnose(diagnoses::waited_for_timer,
             "the value came back only at " + std::to_string(int(ended_ms)) +
                 " ms, when the timer expired, although the request finished at about " +
                 std::to_string(kRequest) + " ms: when the operation wins the race, return at once "
                 "and let the timer be cancelled");
    return;
  }
  EXPECT_EQ(t.records()[0].outcome, Outcome::completed);
  EXPECT_LE(ended_ms, kRequest + tolerant_ms(100));
  ch04test::diagnosed_timer_left_armed("with_timeout", "returned", ended_ms, run_ms, kDeadline);
}

TEST_F(WithTimeout, AnErrorOfTheOperationReachesTheCallerAtOnceAndIsNotReportedAsATimeout) {
  constexpr int kDeadline = 300, kRequest = 50;
  asynclings::testkit::Stopwatch whole_run;
  const Attempt a = run(attempt(fails_after(async_client(), kRequest), std::chrono::milliseconds{kDeadline}));
  const double run_ms = whole_run.elapsed_ms();
  if (diagnosed_never_sent()) return;
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
  if (a.value) {
    diagnose(diagnoses::late_failure_lost,
             "the operation failed after about " + std::to_string(kRequest) + " ms, while "
                 "with_timeout was waiting for it, yet with_timeout returned the value " +
                 std::to_string(*a.value) + ": the exception was lost on the way. A Boost 1.81 "
                 "use_promise promise does that to a failure that arrives while it is being "
                 "awaited: race the operation itself (co_spawn with deferred, in a parallel group) "
                 "so that its exception_ptr reaches you");
    return;
  }
  ASSERT_TRUE(a.failure.has_value()) << "with_timeout should rethrow the operation's RequestFailed";
  EXPECT_EQ(*a.failure, "deliberate failure after 50 ms");
  if (ended_ms >= kDeadline - 5.0) {
    diagnose(diagnoses::error_delayed,
             "the operation's error reached the caller only at " + std::to_string(int(ended_ms)) +
                 " ms, when the timer expired: rethrow it as soon as the operation fails");
    return;
  }
  EXPECT_LE(ended_ms, kRequest + tolerant_ms(100));
  figure("loop_busy_until_ms", run_ms, "ms", "≈ " + std::to_string(kRequest) + " (nothing left armed)");
  ch04test::diagnosed_timer_left_armed("with_timeout", "threw the operation's error", ended_ms, run_ms, kDeadline);
}

// The caller itself is cancelled at 100 ms (a terminal cancel from outside, like a task
// cancelled while inside asyncio.wait_for): the operation must be cancelled too, and the
// caller sees the cancellation, not a TimeoutError, without waiting for the timer.
TEST_F(WithTimeout, ACancelFromOutsideCancelsTheOperationAndIsNotReportedAsATimeout) {
  constexpr int kDeadline = 300, kRequest = 400, kCancel = 100;
  asynclings::testkit::Stopwatch whole_run;
  const Ending e = run(cancel_after(ch04::with_timeout(status_after(async_client(), kRequest),
                                                              std::chrono::milliseconds{kDeadline}),
                                           std::chrono::milliseconds{kCancel}));
  const double run_ms = whole_run.elapsed_ms();
  if (e.error) rethrow_if_not_implemented(e.error);
  if (diagnosed_never_sent()) return;
  auto t = trace(1);
  ASSERT_EQ(t.size(), 1u);
  const auto& r = t.records()[0];
  const double ended_ms = t.ms(e.ended_at);
  figure("ended_ms", ended_ms, "ms", "≈ " + std::to_string(kCancel));
  figure("request_outcome", r.outcome == Outcome::client_aborted ? 1 : 0, "", "1 (aborted)");
  if (is_timeout(e.error)) {
    diagnose("cancel-became-timeout",
             "with_timeout was cancelled from outside at " + std::to_string(kCancel) + " ms but "
                 "threw TimeoutError (" + std::to_string(int(ended_ms)) + " ms): a cancellation is "
                 "not a timeout. When the timer's wait ended with operation_aborted, it did not "
                 "expire: let the cancellation (operation_aborted) go on to the caller");
    return;
  }
  if (r.outcome == Outcome::completed) {
    diagnose(diagnoses::request_not_aborted,
             "with_timeout was cancelled at " + std::to_string(kCancel) + " ms, but the server saw "
                 "its request run on to the end: the operation must receive the cancellation "
                 "(run it in a parallel group or `||`, which forward the caller's cancel)");
    return;
  }
  ASSERT_TRUE(e.error) << "a cancelled with_timeout should end with operation_aborted, not a value";
  EXPECT_TRUE(is_operation_aborted(e.error)) << "it threw: " << describe(e.error);
  EXPECT_LE(ended_ms, kCancel + tolerant_ms(60));
  ch04test::diagnosed_timer_left_armed("with_timeout", "ended with the cancel", ended_ms, run_ms, kDeadline);
}

// asyncio.wait_for(op, 0) times out at once unless op is already done: a timeout of 0 is no
// time at all, not "no timeout" (this API has no such value). The operation must not run on.
TEST_F(WithTimeout, AZeroTimeoutTimesOutAtOnceAndTheOperationDoesNotRunOn) {
  constexpr int kRequest = 300;
  const Attempt a = run(attempt(status_after(async_client(), kRequest), std::chrono::milliseconds{0}));
  auto t = trace_now();
  const double ended_ms = t.ms(a.ended);
  figure("timeout_ms", ended_ms, "ms", "≈ 0");
  if (!a.timed_out) {
    diagnose(diagnoses::no_timeout,
             "with_timeout(op, 0ms) returned " +
                 (a.value ? "the operation's value" : std::string("without a value")) + " after " +
                 std::to_string(int(ended_ms)) + " ms instead of throwing TimeoutError at once: a "
                 "timeout of 0 leaves the operation no time at all (asyncio.wait_for(op, 0) times "
                 "out at once); it does not mean \"wait forever\"");
    return;
  }
  if (t.count(Outcome::completed) > 0) {
    diagnose(diagnoses::request_not_aborted,
             "with_timeout(op, 0ms) threw TimeoutError, but the server saw the operation's request "
             "run on to its end: the operation must be cancelled (or never started), not left behind");
    return;
  }
  EXPECT_LE(ended_ms, tolerant_ms(60)) << "a timeout of 0 should end the wait at once";
}

}  // namespace
