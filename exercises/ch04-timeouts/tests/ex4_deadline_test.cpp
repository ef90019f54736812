// Exercise 4: one deadline for several steps. The server's trace shows the steps one after
// another, which of them completed, and when the one cut off by the deadline was aborted.
#include "ex4_deadline.hpp"
#include "left_armed.hpp"

#include <asynclings/testkit/cancel_after.hpp>
#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/requests.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;
using asynclings::testkit::Clock;
using asynclings::testkit::diagnose;
using asynclings::testkit::delay_target;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using asynclings::testkit::Outcome;
using asynclings::testkit::tolerant_ms;
using asynclings::testkit::TraceView;
using std::chrono::milliseconds;

// One step: a request to /delay/{ms}ms; its result is ms.
asio::awaitable<int> step(AsyncClient client, int ms) {
  std::string target = delay_target(ms);
  co_await client.get(std::move(target));
  co_return ms;
}

struct StepFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A step the server fails (503) after <ms>.
asio::awaitable<int> failing_step(AsyncClient client, int ms) {
  std::string target = "/drip?delay=" + std::to_string(ms) + "ms&duration=0ms&numbytes=1&code=503";
  auto response = co_await client.get(std::move(target));
  if (!response.ok()) throw StepFailed("step failed with status " + std::to_string(response.status));
  co_return ms;
}

struct Attempt {
  std::optional<std::vector<int>> results;
  bool deadline_exceeded = false;
  Clock::time_point ended{};
};

asio::awaitable<Attempt> run_with_budget(AsyncClient client, std::vector<int> delays, milliseconds budget) {
  std::vector<asio::awaitable<int>> steps;
  for (int d : delays) steps.push_back(step(client, d));
  Attempt r;
  try {
    r.results = co_await ch04::run_steps(std::move(steps), budget);
  } catch (const ch04::DeadlineExceeded&) {
    r.deadline_exceeded = true;
  }
  r.ended = Clock::now();
  co_return r;
}

// run_steps on ready-made steps; a StepFailed goes on to the caller.
asio::awaitable<Attempt> run_steps_timed(std::vector<asio::awaitable<int>> steps, milliseconds budget) {
  Attempt r;
  try {
    r.results = co_await ch04::run_steps(std::move(steps), budget);
  } catch (const ch04::DeadlineExceeded&) {
    r.deadline_exceeded = true;
  }
  r.ended = Clock::now();
  co_return r;
}

bool diagnosed_concurrent(const TraceView& t) {
  if (t.size() >= 2 && t.peak_in_flight() > 1) {
    diagnose("steps-ran-concurrently",
             "the server saw the steps in flight together: they are a sequence. co_await each "
             "one before starting the next");
    return true;
  }
  return false;
}

bool is_deadline_exceeded(std::exception_ptr e) {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const ch04::DeadlineExceeded&) {
    return true;
  } catch (...) {
    return false;
  }
}

class Deadline : public asynclings::testkit::ServerTest {};

TEST_F(Deadline, ThreeStepsOf150MsUnderA400MsBudgetTimeOutDuringTheThirdStep) {
  constexpr int kBudget = 400;
  const Attempt r = run(run_with_budget(async_client(), {150, 150, 150}, milliseconds{kBudget}));
  auto t = trace(1);
  const double ended_ms = t.ms(r.ended);
  figure("ended_ms", ended_ms, "ms", "≈ " + std::to_string(kBudget) + ", with DeadlineExceeded");
  figure("steps_completed", double(t.count(Outcome::completed)), "", "2");
  if (diagnosed_concurrent(t)) return;
  if (!r.deadline_exceeded && t.count(Outcome::completed) == 3) {
    diagnose("per-step-timeout",
             "all three 150 ms steps ran to completion (" + std::to_string(int(ended_ms)) +
                 " ms) under a " + std::to_string(kBudget) + " ms budget: each step got the whole "
                 "budget (or there was none). Start ONE timer before the first step and race "
                 "every step against that same timer");
    return;
  }
  ASSERT_TRUE(r.deadline_exceeded) << "run_steps should throw ch04::DeadlineExceeded";
  ASSERT_EQ(t.size(), 3u) << "the first two steps fit, the third is started and cut off";
  const auto& third = t.records()[2];
  if (third.outcome == Outcome::completed) {
    diagnose(diagnoses::request_not_aborted,
             "DeadlineExceeded came at " + std::to_string(int(ended_ms)) + " ms, but the server "
                 "saw the third step run on to its end: the step running at the deadline must be "
                 "cancelled, not left behind");
    return;
  }
  EXPECT_EQ(t.records()[0].outcome, Outcome::completed);
  EXPECT_EQ(t.records()[1].outcome, Outcome::completed);
  EXPECT_EQ(third.outcome, Outcome::client_aborted);
  ASSERT_TRUE(third.finish.has_value());
  const double abort_ms = t.ms(*third.finish);
  figure("third_step_aborted_ms", abort_ms, "ms", "≈ " + std::to_string(kBudget));
  EXPECT_GE(abort_ms, kBudget - 1.0) << "the third step was aborted before the budget ran out";
  EXPECT_LE(abort_ms, kBudget + tolerant_ms(80)) << "the third step was aborted long after the budget ran out";
  EXPECT_GE(ended_ms, kBudget - 1.0);
  EXPECT_LE(ended_ms, kBudget + tolerant_ms(80));
  EXPECT_TRUE(t.sequential()) << "the steps should run one after another";
}

TEST_F(Deadline, StepsThatFitTheBudgetReturnTheirResultsInOrderAsSoonAsTheLastFinishes) {
  constexpr int kBudget = 400;
  asynclings::testkit::Stopwatch whole_run;
  const Attempt r = run(run_with_budget(async_client(), {40, 50, 60}, milliseconds{kBudget}));
  const double run_ms = whole_run.elapsed_ms();
  figure("loop_busy_until_ms", run_ms, "ms", "≈ 150 (nothing left armed)");
  auto t = trace(3);
  ASSERT_EQ(t.size(), 3u);
  const double ended_ms = t.ms(r.ended);
  figure("returned_ms", ended_ms, "ms", "≈ 150");
  if (diagnosed_concurrent(t)) return;
  ASSERT_FALSE(r.deadline_exceeded) << "40 + 50 + 60 ms of steps fit a " << kBudget << " ms budget";
  ASSERT_TRUE(r.results.has_value());
  EXPECT_EQ(*r.results, (std::vector<int>{40, 50, 60}));
  if (ended_ms >= kBudget - 5.0) {
    diagnose("waited-for-deadline",
             "the results came back only at " + std::to_string(int(ended_ms)) +
                 " ms, when the budget ran out, although the last step finished at about 150 ms: "
                 "return as soon as the last step is done");
    return;
  }
  EXPECT_EQ(t.count(Outcome::completed), 3u);
  EXPECT_TRUE(t.sequential());
  EXPECT_LE(ended_ms, 150 + tolerant_ms(200));  // a loaded machine may add 100+ ms; the budget is 400
  ch04test::diagnosed_timer_left_armed("run_steps", "returned", ended_ms, run_ms, kBudget);
}

TEST_F(Deadline, TimeTheQuickStepsDidNotUseIsLeftForTheSlowOne) {
  // 350 ms of steps; the budget leaves 50 ms (stretched on a slow machine) to spare.
  const int budget = 350 + int(tolerant_ms(50));
  const Attempt r = run(run_with_budget(async_client(), {40, 40, 200}, milliseconds{budget}));
  auto t = trace(1);
  const double ended_ms = t.ms(r.ended);
  figure("returned_ms", ended_ms, "ms", "≈ 280, with the three results");
  if (diagnosed_concurrent(t)) return;
  if (r.deadline_exceeded) {
    diagnose("budget-split",
             "40 + 40 + 200 ms of steps fit a " + std::to_string(budget) + " ms budget, but "
                 "run_steps threw DeadlineExceeded after " + std::to_string(int(ended_ms)) +
                 " ms: each step got only a share of the budget. The deadline is one moment for "
                 "the whole sequence; a step may use whatever time the earlier ones left");
    return;
  }
  ASSERT_TRUE(r.results.has_value());
  EXPECT_EQ(*r.results, (std::vector<int>{40, 40, 200}));
  EXPECT_EQ(t.count(Outcome::completed), 3u);
}

TEST_F(Deadline, AStepsOwnErrorReachesTheCallerAtOnceAndEndsTheSequence) {
  // Step 2 fails (503) at 40 + 60 ms; the budget is far away and step 3 must never start.
  std::vector<asio::awaitable<int>> steps;
  steps.push_back(step(async_client(), 40));
  steps.push_back(failing_step(async_client(), 60));
  steps.push_back(step(async_client(), 100));
  constexpr int kBudget = 400;
  Attempt r;
  std::string failure;
  try {
    r = run(run_steps_timed(std::move(steps), milliseconds{kBudget}));
  } catch (const StepFailed& e) {
    failure = e.what();
  }
  auto t = trace(2);
  if (diagnosed_concurrent(t)) return;
  if (r.deadline_exceeded) {
    diagnose("error-became-deadline",
             "step 2 failed with its own error at about 100 ms, but run_steps threw "
             "DeadlineExceeded at " + std::to_string(int(t.ms(r.ended))) + " ms. `step || timer` "
             "waits for the first *success*, so a failed step loses to the timer: race with "
             "wait_for_one() and rethrow the step's exception");
    return;
  }
  if (failure.empty()) {
    diagnose(diagnoses::error_swallowed,
             "step 2 failed, but run_steps returned normally (" + std::to_string(t.size()) +
                 " requests): a step's exception must reach the caller and end the sequence");
    return;
  }
  EXPECT_EQ(failure, "step failed with status 503");
  EXPECT_EQ(t.size(), 2u) << "the third step must not start after the second failed";
}

// asyncio.timeout(0): the budget is spent before the first step, so the sequence ends at once
// with DeadlineExceeded — never a shorter (or empty) list of results, never a step run to its end.
TEST_F(Deadline, ABudgetOfZeroThrowsDeadlineExceededAtOnceAndNoStepCompletes) {
  const Attempt r = run(run_with_budget(async_client(), {100, 100}, milliseconds{0}));
  auto t = trace_now();
  const double ended_ms = t.ms(r.ended);
  figure("ended_ms", ended_ms, "ms", "≈ 0, with DeadlineExceeded");
  figure("steps_completed", double(t.count(Outcome::completed)), "", "0");
  if (!r.deadline_exceeded) {
    const std::size_t n = r.results ? r.results->size() : 0;
    diagnose("deadline-not-thrown",
             "run_steps(steps, 0ms) returned " + std::to_string(n) + " of 2 results after " +
                 std::to_string(int(ended_ms)) + " ms instead of throwing DeadlineExceeded: when the "
                 "budget runs out (here before the first step) the sequence fails — a shorter list "
                 "of results, or no deadline at all, hides that it did not finish");
    return;
  }
  if (t.count(Outcome::completed) > 0) {
    diagnose(diagnoses::request_not_aborted,
             "run_steps(steps, 0ms) threw DeadlineExceeded, but the server saw a step run on to its "
             "end: with no budget left, the step is cancelled (or never started)");
    return;
  }
  EXPECT_LE(ended_ms, tolerant_ms(60)) << "a budget of 0 should end the sequence at once";
}

// The caller is cancelled from outside at 100 ms, during the first of three 150 ms steps: the
// running step is aborted, no later step starts, and the caller sees the cancellation — it is
// not the budget running out.
TEST_F(Deadline, ACancelFromOutsideAbortsTheRunningStepAndIsNotReportedAsDeadlineExceeded) {
  constexpr int kBudget = 400, kCancel = 100;
  std::vector<asio::awaitable<int>> steps;
  for (int i = 0; i < 3; ++i) steps.push_back(step(async_client(), 150));
  asynclings::testkit::Stopwatch whole_run;
  const auto e = run(asynclings::testkit::cancel_after(ch04::run_steps(std::move(steps), milliseconds{kBudget}),
                                                       milliseconds{kCancel}));
  const double run_ms = whole_run.elapsed_ms();
  if (e.error) asynclings::testkit::rethrow_if_not_implemented(e.error);
  auto t = trace(1);
  const double ended_ms = t.ms(e.ended_at);
  figure("ended_ms", ended_ms, "ms", "≈ " + std::to_string(kCancel) + ", with operation_aborted");
  figure("steps_completed", double(t.count(Outcome::completed)), "", "0");
  if (diagnosed_concurrent(t)) return;
  if (is_deadline_exceeded(e.error)) {
    diagnose("cancel-became-deadline",
             "run_steps was cancelled from outside at " + std::to_string(kCancel) + " ms but threw "
                 "DeadlineExceeded (" + std::to_string(int(ended_ms)) + " ms): a cancellation is not "
                 "the budget running out. When the deadline timer's wait ended with operation_aborted, "
                 "it did not expire: let the cancellation go on to the caller");
    return;
  }
  if (t.count(Outcome::completed) > 0) {
    diagnose(diagnoses::request_not_aborted,
             "run_steps was cancelled at " + std::to_string(kCancel) + " ms, but the server saw " +
                 std::to_string(t.count(Outcome::completed)) + " step(s) run on to the end: the "
                 "step running at the cancel must receive it (a parallel group or `||` forwards "
                 "the caller's cancel; a signal of your own must be emitted from the caller's slot)");
    return;
  }
  ASSERT_FALSE(e.value.has_value()) << "a cancelled run_steps returned results";
  EXPECT_TRUE(asynclings::testkit::is_cancellation(e.error)) << "the caller should see operation_aborted";
  EXPECT_EQ(t.size(), 1u) << "no step should start after the cancel";
  EXPECT_LE(ended_ms, kCancel + tolerant_ms(60));
  ch04test::diagnosed_timer_left_armed("run_steps", "ended with the cancel", ended_ms, run_ms, kBudget);
}

}  // namespace
