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
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using asynclings::testkit::diagnose;
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
    const double lag_bound = tolerant_ms(kDelayMs / 2);
    figure("max_loop_lag_ms", run.max_lag_ms, "ms", "< " + ms(lag_bound));
    if (peak > threads) {
      diagnose("pool-size-ignored",
               "the server saw " + std::to_string(peak) + " calls in flight at once with a pool "
               "of " + std::to_string(threads) + " threads: the pool's size is the bound. Make "
               "boost::asio::thread_pool pool(threads), not one thread per call");
      return false;
    }
    if (run.max_lag_ms >= lag_bound) {
      diagnose("blocked-the-loop",
               "the loop was blocked for " + ms(run.max_lag_ms) + " ms: a blocking call ran on "
               "the loop's own thread. Every client.get belongs on the pool");
      return false;
    }
    if (peak < threads) {
      if (peak <= 1 && t.sequential()) {
        diagnose("sequential-offload",
                 "the server saw the calls one after another: each was awaited before the next "
                 "was queued, so the pool had one job at a time. Queue them all, then wait for "
                 "all (co_spawn each with deferred into a parallel group)");
      } else {
        diagnose("pool-under-used",
                 "the server saw at most " + std::to_string(peak) + " calls at once although the "
                 "pool has " + std::to_string(threads) + " threads: queue every call before "
                 "waiting for any");
      }
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
  EXPECT_LT(run.wall_ms, 5 * kDelayMs + tolerant_ms(2 * kDelayMs));
}

TEST_F(BoundedPool, TenCallsOnTenThreadsAllOverlap) {
  const auto run = ch05_test::run_probed(ch05::fetch_all_on_pool(10, blocking_client(), delay_targets(10)));
  if (!judge(run, 10, 10)) return;
  EXPECT_TRUE(trace(10).all_overlap());
  EXPECT_LT(run.wall_ms, kDelayMs + tolerant_ms(kDelayMs)) << "ten calls on ten threads take one delay";
}

TEST_F(BoundedPool, RefusesZeroThreadsBeforeSendingAnything) {
  try {
    ch05_test::run_probed(ch05::fetch_all_on_pool(0, blocking_client(), delay_targets(2)),
                          std::chrono::milliseconds{5}, std::chrono::milliseconds{2000});
    ADD_FAILURE() << "fetch_all_on_pool(0, …) returned: a pool of no threads runs nothing "
                     "(and in Asio 1.81 its join() never returns); throw std::invalid_argument";
  } catch (const std::invalid_argument&) {
    EXPECT_EQ(trace_now().size(), 0u) << "no request may be sent";
  }
}

}  // namespace
