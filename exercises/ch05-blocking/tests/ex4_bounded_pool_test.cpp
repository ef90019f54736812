// Exercise 4: a bounded pool.
//
// fetch_all_on_pool runs on a fresh io_context on the test's thread with the chapter's
// loop-lag probe beside it; the delay server's trace shows how many calls were in flight at
// once. Bounds on wall time are multiples of the exercise's own delay (100 ms), stretched by
// ASYNCLINGS_TIME_TOLERANCE; the decisive evidence is the server's peak in flight.
#include "ex4_bounded_pool.hpp"
#include "loop_lag_probe.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using asynclings::testkit::tolerant_ms;

constexpr double kDelayMs = 100.0;

std::string ms(double v) { return std::to_string(int(v)); }

std::vector<std::string> delay_targets(int n) {
  std::vector<std::string> targets;
  for (int i = 0; i < n; ++i) targets.push_back("/delay/100ms?i=" + std::to_string(i));
  return targets;
}

class BoundedPool : public asynclings::testkit::ServerTest {
 protected:
  // The common judgement: the pool's bound seen at the server, then the loop, then order.
  // Returns false once a diagnosis is given.
  bool judge(const ch05_test::Probed<std::vector<asynclings::client::Response>>& run,
             std::size_t threads, int calls) {
    const auto t = trace(std::size_t(calls));
    const auto peak = t.peak_in_flight();
    figure("peak_in_flight", double(peak), "", "exactly " + std::to_string(threads));
    figure("wall_ms", run.wall_ms, "ms",
           "about " + ms(kDelayMs * ((calls + threads - 1) / threads)));
    // A call made on the loop's thread freezes it for a whole delay; three quarters of one
    // leaves room for a loaded machine that is slow to give the loop's thread the CPU.
    const double lag_bound = tolerant_ms(kDelayMs * 3 / 4);
    figure("max_loop_lag_ms", run.max_lag_ms, "ms", "< " + ms(lag_bound));
    figure("probe_ticks", double(run.ticks), "ticks", "many (one per 5 ms)");
    if (peak <= threads && ch05_test::loop_held_throughout(run)) {
      diagnose(diagnoses::blocked_the_loop,
               "the loop's probe ticked only " + std::to_string(run.ticks) + " times in the " +
                   ms(run.wall_ms) + " ms the calls took (peak in flight " + std::to_string(peak) +
                   "): the loop's thread was held the whole time, by a blocking call or a "
                   "blocking wait for the results (a std::future's .get()?), so nothing else on "
                   "the loop could run. co_await each call instead (co_spawn(pool, job, "
                   "use_awaitable)), gathered in a parallel group");
      return false;
    }
    if (peak > threads) {
      diagnose(diagnoses::pool_size_ignored,
               "the server saw " + std::to_string(peak) + " calls in flight at once with a pool "
               "of " + std::to_string(threads) + " threads: the pool's size is the bound. Make "
               "boost::asio::thread_pool pool(threads), not one thread per call");
      return false;
    }
    if (peak < threads) {
      // A call made on the loop's thread (or a blocking wait there) both freezes the loop and
      // keeps the next call from starting; when it did so for every call, the probe's tick
      // count said so above. Calls that went one after another with the loop free meanwhile
      // were awaited one by one. A single late tick is a busy machine's as often as the
      // code's (a descheduled process stalls 100-200 ms at load 10), so the lag is only
      // asked about once the trace has ruled out a plain sequence.
      if (peak <= 1 && t.sequential()) {
        diagnose(diagnoses::sequential_offload,
                 "the server saw the calls one after another: each was awaited before the next "
                 "was queued, so the pool had one job at a time. Queue them all, then wait for "
                 "all (co_spawn each with deferred into a parallel group)");
        return false;
      }
      if (run.max_lag_ms >= lag_bound) {
        diagnose(diagnoses::blocked_the_loop,
                 "the loop was blocked for " + ms(run.max_lag_ms) + " ms and the server saw at "
                 "most " + std::to_string(peak) + " calls at once: a blocking call (or a "
                 "blocking wait for one) ran on the loop's own thread. Every client.get belongs "
                 "on the pool, and the loop only co_awaits");
        return false;
      }
      diagnose("pool-under-used",
               "the server saw at most " + std::to_string(peak) + " calls at once although the "
               "pool has " + std::to_string(threads) + " threads: queue every call before "
               "waiting for any");
      return false;
    }
    EXPECT_EQ(run.value.size(), std::size_t(calls));
    for (int i = 0; i < calls && i < int(run.value.size()); ++i) {
      EXPECT_EQ(run.value[i].status, 200);
      EXPECT_NE(run.value[i].body.find("?i=" + std::to_string(i) + "\""), std::string::npos)
          << "response " << i << " should answer /delay/100ms?i=" << i << " (input order)";
    }
    return true;
  }
};

TEST_F(BoundedPool, TwentyCallsOnFourThreadsTakeAboutFiveDelaysWithFourInFlight) {
  const auto run = ch05_test::run_probed(ch05::fetch_all_on_pool(4, blocking_client(), delay_targets(20)));
  if (!judge(run, 4, 20)) return;
  // Five waves of four: at least five delays, and not much more.
  EXPECT_GE(run.wall_ms, 5 * kDelayMs - 5) << "four at a time, twenty calls need five delays";
  // The bound itself is proven by the server's peak in flight; the wall time only rules out
  // far slower shapes (one at a time would take 20 delays), with room for a loaded machine.
  EXPECT_LT(run.wall_ms, 5 * kDelayMs + tolerant_ms(4 * kDelayMs));
}

TEST_F(BoundedPool, TenCallsOnTenThreadsAllOverlap) {
  const auto run = ch05_test::run_probed(ch05::fetch_all_on_pool(10, blocking_client(), delay_targets(10)));
  if (!judge(run, 10, 10)) return;
  EXPECT_TRUE(trace(10).all_overlap());
  EXPECT_LT(run.wall_ms, kDelayMs + tolerant_ms(2 * kDelayMs)) << "ten calls on ten threads take one delay, not ten";
}

TEST_F(BoundedPool, RefusesZeroThreadsBeforeSendingAnything) {
  try {
    const auto run = ch05_test::run_probed(ch05::fetch_all_on_pool(0, blocking_client(), delay_targets(2)),
                                           std::chrono::milliseconds{5}, std::chrono::milliseconds{2000});
    figure("requests_sent", double(trace_now().size()), "", "0");
    diagnose(diagnoses::zero_threads_accepted,
             "fetch_all_on_pool(0, …) returned " + std::to_string(run.value.size()) +
                 " responses instead of refusing: a pool of 0 threads is a mistake of the "
                 "caller's, and quietly using 1 (or any other number) hides it. Throw "
                 "std::invalid_argument when threads == 0, before sending anything");
  } catch (const std::invalid_argument&) {
    EXPECT_EQ(trace_now().size(), 0u) << "no request may be sent";
  }
}

TEST_F(BoundedPool, ReturnsNothingForNoTargetsAtOnce) {
  std::vector<asynclings::client::Response> value;
  try {
    value = ch05_test::run_probed(ch05::fetch_all_on_pool(3, blocking_client(), {}),
                                  std::chrono::milliseconds{5}, std::chrono::milliseconds{2000})
                .value;
  } catch (const std::exception& e) {
    if (dynamic_cast<const std::runtime_error*>(&e) == nullptr &&
        dynamic_cast<const std::future_error*>(&e) == nullptr)
      throw;
    diagnose(diagnoses::empty_group_hangs,
             std::string("fetch_all_on_pool with no targets never finished (") + e.what() +
                 "): a parallel group of no operations never completes in Asio 1.81. Return "
                 "an empty vector at once when there are no targets");
    return;
  }
  EXPECT_TRUE(value.empty());
  EXPECT_EQ(trace_now().size(), 0u);
}

TEST_F(BoundedPool, AFailingCallReachesTheCallerAsItsException) {
  // A client for a port nobody listens on: every get() throws on its pool thread.
  asynclings::client::BlockingClient nowhere(asynclings::client::ServerAddress{"127.0.0.1", 1, tag()});
  std::string outcome;
  try {
    const auto run = ch05_test::run_probed(ch05::fetch_all_on_pool(2, nowhere, delay_targets(3)),
                                           std::chrono::milliseconds{5}, std::chrono::milliseconds{5000});
    outcome = "returned " + std::to_string(run.value.size()) + " responses";
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).find("did not finish") != std::string::npos) outcome = "never finished";
  }
  figure("outcome", 0, "", outcome.empty() ? "the call's exception" : outcome);
  if (!outcome.empty()) {
    diagnose(diagnoses::error_swallowed,
             "every call threw on its pool thread, yet fetch_all_on_pool " + outcome +
                 ": the exceptions were dropped. Rethrow the first exception_ptr the parallel "
                 "group gives you (std::rethrow_exception) before returning the responses");
  }
}

}  // namespace
