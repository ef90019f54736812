// Cancelled from outside: the check gather, first_completed, gather_outcomes and task_group
// share. In asyncio, cancelling the task that awaits gather() or a TaskGroup cancels every
// awaitable they still hold. Here the caller's cancellation slot gets a terminal cancel while
// every request is in flight; the function must pass it on to each awaitable still running
// (a parallel group does that by itself; a co_spawn(..., detached) child never hears it) and
// end with the cancellation, at the cancel.
#pragma once

#include <gtest/gtest.h>
#include <asynclings/diagnoses.hpp>
#include <asynclings/testkit/cancel_after.hpp>
#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/requests.hpp>
#include <asynclings/testkit/timing.hpp>
#include <asynclings/testkit/trace_view.hpp>

#include <cstddef>
#include <functional>
#include <string>

namespace ch03_test {

// Judges how <function> ended after a cancel at <cancel_ms>, with <requests> requests in
// flight that would each have run well past it. <e> is cancel_after's record of the run, <t>
// the trace of those requests once none is in progress (each due to run until at least
// <cancel_ms> + 300 ms). The function ends with the
// cancellation (operation_aborted, or channel_cancelled from a channel's receive) — or, where
// <value_says_cancelled> accepts its value, with a value that says every awaitable was.
template <typename T>
void expect_the_cancel_reached_every_request(
    const std::string& function, const asynclings::testkit::Ending<T>& e,
    const asynclings::testkit::TraceView& t, std::size_t requests, int cancel_ms,
    std::function<bool(const T&)> value_says_cancelled = nullptr) {
  using asynclings::testkit::diagnose;
  using asynclings::testkit::figure;
  using asynclings::testkit::Outcome;
  if (e.error) asynclings::testkit::rethrow_if_not_implemented(e.error);
  const std::size_t aborted = t.count(Outcome::client_aborted);
  const double ended_ms = t.ms(e.ended_at);
  figure("requests_aborted", double(aborted), "", std::to_string(requests));
  figure("ended_ms", ended_ms, "ms", "≈ " + std::to_string(cancel_ms));
  ASSERT_EQ(t.size(), requests) << "each awaitable sends one request";
  if (aborted < requests) {
    diagnose(asynclings::diagnoses::requests_left_running,
             function + " was cancelled from outside at " + std::to_string(cancel_ms) +
                 " ms, but the server saw " + std::to_string(requests - aborted) + " of its " +
                 std::to_string(requests) +
                 " requests run on to their end: the cancellation must reach every awaitable "
                 "still running (a parallel group passes its caller's cancel on to each member; "
                 "a co_spawn(..., detached) task never hears it)");
    return;
  }
  if (e.error) {
    EXPECT_TRUE(asynclings::testkit::is_cancellation(e.error))
        << function << " was cancelled, but ended with another exception than the cancellation";
  } else {
    EXPECT_TRUE(value_says_cancelled && e.value && value_says_cancelled(*e.value))
        << function << " was cancelled: it should end with the cancellation (operation_aborted), "
        << "not with a value";
  }
  // Against the moment the cancel was really emitted (a busy machine can fire the canceller's
  // timer late); the requests would have run 300 ms and more past it, so 150 ms tells a
  // function that ended at the cancel from one that waited for its awaitables.
  EXPECT_LE(ended_ms - t.ms(e.cancelled_at), asynclings::testkit::tolerant_ms(150))
      << function << " should end at the cancel, not after its awaitables' own delays";
}

}  // namespace ch03_test
