// Exercise 2: offload a blocking call to a thread pool.
//
// Every test runs its coroutine on a fresh io_context on the test's thread (so the loop's
// thread id is the test's), with the chapter's loop-lag probe ticking every 5 ms beside it.
// The calls go to the bundled delay server through BlockingClient; the server's trace shows
// when each one was in flight.
#include "ex2_offload.hpp"
#include "loop_lag_probe.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::client::BlockingClient;
using asynclings::client::Response;
using asynclings::testkit::diagnose;
using asynclings::testkit::figure;
using asynclings::testkit::tolerant_ms;

constexpr double kDelayMs = 200.0;

std::string ms(double v) { return std::to_string(int(v)); }

// The diagnosis every test gives when the probe saw the loop frozen.
bool loop_was_blocked(double max_lag_ms, double bound_ms, const std::string& what) {
  figure("max_loop_lag_ms", max_lag_ms, "ms", "< " + ms(bound_ms));
  if (max_lag_ms < bound_ms) return false;
  diagnose("blocked-the-loop",
           "the loop was blocked for " + ms(max_lag_ms) + " ms: " + what +
               " ran on the loop's own thread, so nothing else could run meanwhile. Run it "
               "on the pool: co_await to_thread(pool, [=] { return client.get(target); })");
  return true;
}

struct Threads {
  std::thread::id loop, worker, after;
  int value = 0;
};

class ToThread : public asynclings::testkit::ServerTest {};

TEST_F(ToThread, RunsTheFunctionOnAPoolThreadAndResumesTheCallerOnTheLoopThread) {
  asio::thread_pool pool(2);
  auto work = [](ch05::Pool p) -> asio::awaitable<Threads> {
    Threads t;
    t.loop = std::this_thread::get_id();
    auto job = [&t] {
      t.worker = std::this_thread::get_id();
      return 42;
    };
    t.value = co_await ch05::to_thread(p, job);
    t.after = std::this_thread::get_id();  // where the caller carries on
    co_return t;
  };
  const auto run = ch05_test::run_probed(work(pool.get_executor()));
  pool.join();
  const auto& t = run.value;
  if (t.worker == t.loop) {
    diagnose("not-offloaded",
             "the function ran on the loop's own thread: to_thread must hand it to the pool "
             "(co_spawn onto the pool's executor), not call it directly");
    return;
  }
  if (t.after != t.loop) {
    diagnose("wrong-thread",
             "the code after co_await to_thread(...) ran on a pool thread, not on the loop's "
             "thread: everything the caller touches next (its locals, the loop's objects) is "
             "now touched from another thread. Let co_spawn(pool, job, use_awaitable) bring "
             "the result back to the caller's executor instead of hopping to the pool yourself");
    return;
  }
  EXPECT_EQ(t.value, 42);
}

TEST_F(ToThread, RethrowsTheFunctionsExceptionToTheCaller) {
  asio::thread_pool pool(2);
  auto work = [](ch05::Pool p) -> asio::awaitable<std::string> {
    auto job = []() -> int { throw std::out_of_range("no such row"); };
    try {
      co_await ch05::to_thread(p, job);
    } catch (const std::out_of_range& e) {
      co_return std::string("caught: ") + e.what();
    }
    co_return std::string("no exception");
  };
  const auto run = ch05_test::run_probed(work(pool.get_executor()));
  pool.join();
  EXPECT_EQ(run.value, "caught: no such row");
}

TEST_F(ToThread, LeavesTheLoopTickingWhileABlockingCallWaits) {
  asio::thread_pool pool(2);
  auto work = [](ch05::Pool p, BlockingClient client) -> asio::awaitable<int> {
    auto call = [client] { return client.get("/delay/200ms").status; };
    co_return co_await ch05::to_thread(p, call);
  };
  const auto run = ch05_test::run_probed(work(pool.get_executor(), blocking_client()));
  pool.join();
  if (loop_was_blocked(run.max_lag_ms, tolerant_ms(kDelayMs / 2), "the blocking GET")) return;
  EXPECT_EQ(run.value, 200);
  EXPECT_GE(run.ticks, 10u) << "the probe should have ticked all through the 200 ms call";
  EXPECT_EQ(trace(1).size(), 1u);
}

class FetchAllOffloaded : public asynclings::testkit::ServerTest {};

TEST_F(FetchAllOffloaded, SixBlockingCallsOverlapAndFinishInAboutOneDelay) {
  constexpr int kCalls = 6;
  asio::thread_pool pool(kCalls);
  std::vector<std::string> targets;
  for (int i = 0; i < kCalls; ++i) targets.push_back("/delay/200ms?i=" + std::to_string(i));
  const auto run = ch05_test::run_probed(
      ch05::fetch_all_offloaded(pool.get_executor(), blocking_client(), targets));
  pool.join();
  const auto t = trace(kCalls);
  figure("peak_in_flight", double(t.peak_in_flight()), "", "exactly " + std::to_string(kCalls));
  figure("wall_ms", run.wall_ms, "ms", "< " + ms(kDelayMs + tolerant_ms(kDelayMs)));
  if (loop_was_blocked(run.max_lag_ms, tolerant_ms(kDelayMs / 2), "a blocking GET")) return;
  if (t.size() == std::size_t(kCalls) && t.sequential()) {
    diagnose("sequential-offload",
             "the server saw the calls one after another: each to_thread was awaited before "
             "the next was started. Start them all (co_spawn each with deferred into a "
             "parallel group), then wait for all");
    return;
  }
  EXPECT_EQ(t.peak_in_flight(), std::size_t(kCalls));
  EXPECT_TRUE(t.all_overlap()) << "every call should be in flight together with every other";
  EXPECT_LT(run.wall_ms, kDelayMs + tolerant_ms(kDelayMs))
      << "six overlapping 200 ms calls take about one delay";
  ASSERT_EQ(run.value.size(), std::size_t(kCalls));
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(run.value[i].status, 200);
    EXPECT_NE(run.value[i].body.find("?i=" + std::to_string(i) + "\""), std::string::npos)
        << "response " << i << " should answer target " << targets[i] << " (input order)";
  }
}

TEST_F(FetchAllOffloaded, ReturnsNothingForNoTargetsAtOnce) {
  asio::thread_pool pool(1);
  const auto run = ch05_test::run_probed(
      ch05::fetch_all_offloaded(pool.get_executor(), blocking_client(), {}),
      std::chrono::milliseconds{5}, std::chrono::milliseconds{2000});
  pool.join();
  EXPECT_TRUE(run.value.empty());
  EXPECT_EQ(trace_now().size(), 0u);
}

}  // namespace
