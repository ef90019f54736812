// Exercise 1: the semaphore on its own (no server, no clock: the io_context is polled by hand),
// then fetch_all judged from the server's trace: the peak number of requests in flight must be
// exactly the limit, and the run must take about ceil(N / limit) delays.
#include "ex1_rate_limit.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cmath>
#include <regex>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::testkit::diagnose;
using asynclings::testkit::figure;
using asynclings::testkit::tolerant_ms;

constexpr int kDelayMs = 100;

asio::awaitable<void> holder(ch06::Semaphore& semaphore, std::vector<int>& entered, int id) {
  co_await semaphore.acquire();
  entered.push_back(id);
}

TEST(Semaphore, AdmitsAsManyHoldersAsPermitsAndMakesTheNextWaitForARelease) {
  asio::io_context io;
  ch06::Semaphore semaphore(io.get_executor(), 2);
  std::vector<int> entered;
  for (int id = 1; id <= 3; ++id) asio::co_spawn(io, holder(semaphore, entered, id), asio::detached);
  io.poll();
  figure("holders_before_release", double(entered.size()), "", "2");
  if (entered.size() > 2) {
    diagnose("limit-ignored", "3 coroutines acquired a semaphore with 2 permits: acquire() must wait "
                              "when no permit is left (async_receive on an empty channel waits)");
    return;
  }
  ASSERT_EQ(entered, (std::vector<int>{1, 2})) << "the first two acquires should not wait";
  semaphore.release();
  io.poll();
  EXPECT_EQ(entered, (std::vector<int>{1, 2, 3})) << "a release should let the waiting coroutine in";
}

class RateLimit : public asynclings::testkit::ServerTest {
 protected:
  // Runs fetch_all over <n> delayed paths with <limit> and judges the trace.
  void check(int n, int limit) {
    std::vector<std::string> paths;
    for (int i = 0; i < n; ++i) paths.push_back("/delay/" + std::to_string(kDelayMs) + "ms?item=" + std::to_string(i));
    asynclings::testkit::Stopwatch watch;
    auto responses = run(ch06::fetch_all(async_client(), paths, std::size_t(limit)));
    const double wall = watch.elapsed_ms();
    auto t = trace(std::size_t(n));
    const auto peak = t.peak_in_flight();
    const int rounds = (n + limit - 1) / limit;
    figure("peak_in_flight", double(peak), "", "exactly " + std::to_string(limit));
    figure("wall_ms", wall, "ms", "about " + std::to_string(rounds * kDelayMs));
    if (t.size() != std::size_t(n)) {
      diagnose("wrong-request-count", "the server saw " + std::to_string(t.size()) + " requests for " +
                                          std::to_string(n) + " paths: GET each path exactly once");
      return;
    }
    if (peak > std::size_t(limit)) {
      diagnose("limit-ignored",
               "the server saw " + std::to_string(peak) + " requests in flight at once with a limit of " +
                   std::to_string(limit) + ": every request must hold a permit — acquire before the "
                   "GET, release after it");
      return;
    }
    if (peak == 1 && limit > 1) {
      diagnose("serialised",
               "the requests ran one after another although " + std::to_string(limit) +
                   " were allowed at once: start them all concurrently (a parallel group) and let "
                   "the semaphore hold back the extra ones — don't co_await each GET in a loop");
      return;
    }
    if (peak < std::size_t(limit)) {
      diagnose("limit-under-used",
               "at most " + std::to_string(peak) + " requests were in flight although the limit is " +
                   std::to_string(limit) + ": every permit should be in use while requests are waiting");
      return;
    }
    ASSERT_EQ(responses.size(), std::size_t(n));
    const std::regex item_re("item=(\\d+)\"");
    for (int i = 0; i < n; ++i) {
      std::smatch m;
      ASSERT_TRUE(std::regex_search(responses[i].body, m, item_re)) << responses[i].body;
      EXPECT_EQ(std::stoi(m[1]), i) << "responses must be in the order of the paths";
    }
    // Every request takes a delay and at most <limit> run at once: at least <rounds> delays.
    EXPECT_GE(wall, rounds * kDelayMs - 5.0);
    EXPECT_LE(wall, tolerant_ms(rounds * kDelayMs + 250.0))
        << "with " << limit << " at a time, " << n << " requests should take about " << rounds << " delays";
  }
};

TEST_F(RateLimit, WithALimitOfOneTheRequestsRunOneAtATime) { check(3, 1); }

TEST_F(RateLimit, WithALimitOfThreeExactlyThreeRequestsAreInFlightAtOnce) { check(7, 3); }

TEST_F(RateLimit, WithALimitOfFiveExactlyFiveRequestsAreInFlightAtOnce) { check(7, 5); }

TEST_F(RateLimit, AnEmptyListOfPathsReturnsAnEmptyResultAtOnce) {
  auto responses = run(ch06::fetch_all(async_client(), {}, 3), std::chrono::seconds{2});
  EXPECT_TRUE(responses.empty());
  EXPECT_EQ(trace_now().size(), 0u);
}

}  // namespace
