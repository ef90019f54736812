// Exercise 1: gather. The work items are requests to the delay server; the server's trace
// shows whether they ran together (peak in flight) or one after another (sequential).
#include "ex1_gather.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <future>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;
using asynclings::testkit::diagnose;
using asynclings::testkit::figure;
using asynclings::testkit::Stopwatch;
using asynclings::testkit::tolerant_ms;

struct RequestFailed : std::runtime_error {
  explicit RequestFailed(int code)
      : std::runtime_error("request failed with status " + std::to_string(code)), status(code) {}
  int status;
};

// One request to /delay/{ms}ms; its value is the delay, so the result says which one it was.
asio::awaitable<int> delayed(AsyncClient client, int ms) {
  std::string target = "/delay/" + std::to_string(ms) + "ms";
  auto response = co_await client.get(std::move(target));
  if (!response.ok()) throw RequestFailed(response.status);
  co_return ms;
}

asio::awaitable<int> fails_at_once(AsyncClient client) {
  auto response = co_await client.get("/status/500");
  if (!response.ok()) throw RequestFailed(response.status);
  co_return 0;
}

std::vector<asio::awaitable<int>> delays(const AsyncClient& client, const std::vector<int>& ms) {
  std::vector<asio::awaitable<int>> work;
  for (int d : ms) work.push_back(delayed(client, d));
  return work;
}

std::string show(const std::vector<int>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

bool diagnosed_sequential(const asynclings::testkit::TraceView& t) {
  if (t.size() >= 2 && t.sequential()) {
    diagnose("sequential-awaits",
             "the server saw each request start only after the previous one finished: you "
             "co_awaited the awaitables one by one. Start them all first (co_spawn each with "
             "asio::deferred into a parallel group) and wait for the whole group once");
    return true;
  }
  return false;
}


// How an empty parallel group (or any wait nothing will ever complete) shows up in run():
// either the time limit passes, or Asio drops the abandoned coroutine and its future reports
// a broken promise. Anything else (NotImplemented included) is not this.
// ServerTest::run reports a coroutine that hangs ("did not finish within") or that the loop
// abandons ("can never finish", what an empty parallel group does in 1.81).
bool never_finished(const std::exception& e) {
  const std::string what = e.what();
  return dynamic_cast<const std::runtime_error*>(&e) != nullptr &&
         (what.find("did not finish") != std::string::npos ||
          what.find("can never finish") != std::string::npos);
}

class Gather : public asynclings::testkit::ServerTest {};

TEST_F(Gather, ReturnsResultsInInputOrderWhenCompletionOrderDiffers) {
  const std::vector<int> input{300, 200, 100};  // the last one finishes first
  auto results = run(ch03::gather(delays(async_client(), input)));
  auto t = trace(3);
  if (diagnosed_sequential(t)) return;
  figure("peak_in_flight", double(t.peak_in_flight()), "", "exactly 3");
  if (results == std::vector<int>{100, 200, 300}) {
    diagnose("completion-order",
             "the results came back in the order the requests finished, not the order they "
             "were given: put each result at its input position (wait_for_all's value "
             "vector is already in input order)");
    return;
  }
  EXPECT_EQ(results, input) << "results " << show(results) << ", expected input order " << show(input);
  EXPECT_EQ(t.peak_in_flight(), 3u);
  const std::vector<std::string> finish_order{"/delay/100ms", "/delay/200ms", "/delay/300ms"};
  EXPECT_EQ(t.targets_by_finish(), finish_order) << "the server should finish the shortest delay first";
}

TEST_F(Gather, RunsEveryAwaitableAtOnce) {
  constexpr int kDelay = 200;
  constexpr std::size_t kCount = 5;
  Stopwatch wall;
  auto results = run(ch03::gather(delays(async_client(), std::vector<int>(kCount, kDelay))));
  const double wall_ms = wall.elapsed_ms();
  auto t = trace(kCount);
  figure("peak_in_flight", double(t.peak_in_flight()), "", "exactly 5");
  figure("wall_ms", wall_ms, "ms", "about one delay (200 ms), not five");
  if (diagnosed_sequential(t)) return;
  if (t.peak_in_flight() < kCount) {
    diagnose("not-all-at-once",
             "the server never saw all 5 requests in flight together (peak " +
                 std::to_string(t.peak_in_flight()) +
                 "): start every awaitable before waiting for any of them");
    return;
  }
  EXPECT_EQ(results, std::vector<int>(kCount, kDelay));
  EXPECT_EQ(t.peak_in_flight(), kCount);
  EXPECT_TRUE(t.all_overlap());
  EXPECT_LE(wall_ms, tolerant_ms(kDelay * 1.75)) << "5 concurrent 200 ms requests should take about 200 ms";
}

TEST_F(Gather, EmptyInputReturnsAnEmptyVectorPromptly) {
  Stopwatch wall;
  std::vector<int> results{-1};
  try {
    results = run(ch03::gather(std::vector<asio::awaitable<int>>{}), std::chrono::seconds{2});
  } catch (const std::exception& e) {
    if (never_finished(e)) {
      diagnose("empty-group-hangs",
               "gather of no awaitables never finished: in Boost 1.81 an empty parallel "
               "group never completes. Return an empty vector before building the group");
      return;
    }
    throw;
  }
  figure("wall_ms", wall.elapsed_ms(), "ms", "a few ms");
  EXPECT_TRUE(results.empty()) << "gather of nothing returns an empty vector";
  EXPECT_LE(wall.elapsed_ms(), tolerant_ms(100));
  EXPECT_EQ(trace_now().size(), 0u);
}

TEST_F(Gather, AnExceptionFromOneAwaitableReachesTheCaller) {
  std::vector<asio::awaitable<int>> work;
  work.push_back(delayed(async_client(), 100));
  work.push_back(fails_at_once(async_client()));
  try {
    auto results = run(ch03::gather(std::move(work)));
    diagnose("error-lost",
             "one awaitable threw, but gather returned " + show(results) +
                 ": rethrow the first exception (std::rethrow_exception) instead of a value");
  } catch (const RequestFailed& e) {
    EXPECT_EQ(e.status, 500);
  }
  EXPECT_EQ(trace(2).size(), 2u);
}

}  // namespace
