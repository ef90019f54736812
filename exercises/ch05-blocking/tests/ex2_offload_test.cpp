// Exercise 2: offload a blocking call to a thread pool.
//
// Every test runs its coroutine on a fresh io_context on the test's thread (so the loop's
// thread id is the test's), with the chapter's loop-lag probe ticking every 5 ms beside it.
// The calls go to the bundled delay server through BlockingClient; the server's trace shows
// when each one was in flight.
#include "ex2_offload.hpp"
#include "loop_lag_probe.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/pool_threads.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::client::BlockingClient;
using asynclings::client::Response;
using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using asynclings::testkit::thread_ids_of;
using asynclings::testkit::tolerant_ms;

constexpr double kDelayMs = 200.0;

std::string ms(double v) { return std::to_string(int(v)); }

// The diagnosis every test gives when the probe saw the loop frozen.
bool loop_was_blocked(double max_lag_ms, double bound_ms, const std::string& what) {
  figure("max_loop_lag_ms", max_lag_ms, "ms", "< " + ms(bound_ms));
  if (max_lag_ms < bound_ms) return false;
  diagnose(diagnoses::blocked_the_loop,
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
  const auto pool_threads = thread_ids_of(pool, 2);
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
  if (!pool_threads.count(t.worker)) {
    diagnose(diagnoses::off_the_pool,
             "the function ran off the loop, but on a thread that is not the given pool's "
             "(std::async, a std::thread or a thread_pool of your own?): the caller's pool "
             "decides how many blocking calls run at once. co_spawn the job onto the pool "
             "executor to_thread was given");
    return;
  }
  if (t.after != t.loop) {
    diagnose(diagnoses::wrong_thread,
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
  EXPECT_GE(run.ticks, 5u) << "the probe should have ticked all through the 200 ms call";
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
  figure("probe_ticks", double(run.ticks), "ticks", "many (one per 5 ms)");
  // The loop's thread held for the whole run (the probe could not tick): a blocking call on the
  // loop, or every call submitted and then waited for with a blocking .get() there (then all
  // are in flight together, and only the probe tells).
  if (ch05_test::loop_held_throughout(run)) {
    diagnose(diagnoses::blocked_the_loop,
             "the loop's probe ticked only " + std::to_string(run.ticks) + " times in the " +
                 ms(run.wall_ms) + " ms the calls took (peak in flight " +
                 std::to_string(t.peak_in_flight()) + "): the loop's thread was held the whole "
                 "time, by a blocking call or a blocking wait for the results (a std::future's "
                 ".get()?), so nothing else on the loop could run. co_await the calls instead: "
                 "co_spawn each to_thread with deferred into a parallel group, then wait for all");
    return;
  }
  // Calls one after another with the loop free meanwhile (a GET on the loop for every call
  // was caught above, by the probe's tick count) were awaited one by one. Asked before the
  // lag: a single late tick is a busy machine's as often as the code's.
  if (t.size() == std::size_t(kCalls) && t.sequential()) {
    diagnose(diagnoses::sequential_offload,
             "the server saw the calls one after another: each to_thread was awaited before "
             "the next was started. Start them all (co_spawn each with deferred into a "
             "parallel group), then wait for all");
    return;
  }
  // A GET on the loop's thread freezes it AND keeps the next call from starting; a late probe
  // with every call in flight together is a loaded machine, not a blocked loop.
  if (t.peak_in_flight() < std::size_t(kCalls) &&
      loop_was_blocked(run.max_lag_ms, tolerant_ms(kDelayMs / 2), "a blocking GET"))
    return;
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
  std::vector<Response> value;
  try {
    value = ch05_test::run_probed(
                ch05::fetch_all_offloaded(pool.get_executor(), blocking_client(), {}),
                std::chrono::milliseconds{5}, std::chrono::milliseconds{2000})
                .value;
  } catch (const std::exception& e) {
    if (dynamic_cast<const std::runtime_error*>(&e) == nullptr &&
        dynamic_cast<const std::future_error*>(&e) == nullptr)
      throw;
    pool.join();
    diagnose(diagnoses::empty_group_hangs,
             std::string("fetch_all_offloaded with no targets never finished (") + e.what() +
                 "): a parallel group of no operations never completes in Asio 1.81. Return "
                 "an empty vector at once when there are no targets");
    return;
  }
  pool.join();
  EXPECT_TRUE(value.empty());
  EXPECT_EQ(trace_now().size(), 0u);
}

TEST_F(FetchAllOffloaded, AFailingCallReachesTheCallerAsItsException) {
  // A client for a port nobody listens on: every get() throws on its pool thread. The caller
  // must get that exception, not a vector of empty responses.
  asio::thread_pool pool(3);
  BlockingClient nowhere(asynclings::client::ServerAddress{"127.0.0.1", 1, tag()});
  std::vector<std::string> targets{"/get?i=0", "/get?i=1", "/get?i=2"};
  std::string outcome;
  try {
    const auto run = ch05_test::run_probed(ch05::fetch_all_offloaded(pool.get_executor(), nowhere, targets),
                                           std::chrono::milliseconds{5}, std::chrono::milliseconds{5000});
    outcome = "returned " + std::to_string(run.value.size()) + " responses";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    if (what.find("did not finish") != std::string::npos) outcome = "never finished";
  }
  pool.join();
  figure("outcome", 0, "", outcome.empty() ? "the call's exception" : outcome);
  if (!outcome.empty()) {
    diagnose(diagnoses::error_swallowed,
             "every call threw on its pool thread, yet fetch_all_offloaded " + outcome +
                 ": the exceptions were dropped. The parallel group hands you one "
                 "exception_ptr per call: rethrow the first that is set "
                 "(std::rethrow_exception) before returning the responses");
  }
}

}  // namespace
