// Exercise 4: first completed. The server's trace shows whether the losers were really
// cancelled (their connections aborted) and when, relative to the winner's finish.
#include "ex4_first_completed.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;
using asynclings::testkit::Clock;
using asynclings::testkit::diagnose;
using asynclings::testkit::figure;
using asynclings::testkit::Outcome;
using asynclings::testkit::tolerant_ms;

struct RequestFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

asio::awaitable<int> delayed(AsyncClient client, int ms) {
  std::string target = "/delay/" + std::to_string(ms) + "ms";
  auto response = co_await client.get(std::move(target));
  if (!response.ok()) throw RequestFailed("status " + std::to_string(response.status));
  co_return ms;
}

// Notes the moment first_completed handed back its winner (run() itself only returns once
// every coroutine, including any left running in the background, has finished).
asio::awaitable<ch03::Winner<int>> timed(std::vector<asio::awaitable<int>> work,
                                         std::shared_ptr<Clock::time_point> returned_at) {
  auto winner = co_await ch03::first_completed(std::move(work));
  *returned_at = Clock::now();
  co_return winner;
}

class FirstCompleted : public asynclings::testkit::ServerTest {};

TEST_F(FirstCompleted, ReturnsTheWinnerAndCancelsTheLosers) {
  constexpr double kAbortBoundMs = 60;
  std::vector<asio::awaitable<int>> work;
  for (int d : {300, 100, 250}) work.push_back(delayed(async_client(), d));
  auto returned_at = std::make_shared<Clock::time_point>();
  const auto winner = run(timed(std::move(work), returned_at));
  auto t = trace(3);
  ASSERT_EQ(t.size(), 3u);
  const auto winners = t.with_target_prefix("/delay/100ms");
  ASSERT_EQ(winners.size(), 1u);
  ASSERT_TRUE(winners[0].finish.has_value());
  const double win_ms = t.ms(*winners[0].finish);
  const double returned_ms = t.ms(*returned_at);
  figure("winner_finish_ms", win_ms, "ms", "about 100");
  figure("returned_ms", returned_ms, "ms", "just after the winner finished");

  double latest_loser_finish = 0;
  std::size_t losers_aborted = 0;
  for (const auto& r : t.records()) {
    if (r.target == "/delay/100ms") continue;
    if (r.finish) latest_loser_finish = std::max(latest_loser_finish, t.ms(*r.finish));
    if (r.outcome == Outcome::client_aborted) ++losers_aborted;
  }
  figure("losers_aborted", double(losers_aborted), "", "exactly 2");
  figure("last_loser_end_after_winner_ms", latest_loser_finish - win_ms, "ms",
         "<= " + std::to_string(int(tolerant_ms(kAbortBoundMs))));

  if (t.sequential()) {
    diagnose("sequential-awaits",
             "the server saw the requests one after another: start them all at once (a parallel "
             "group) and wait for the first of them");
    return;
  }
  if (losers_aborted == 0 && returned_ms >= latest_loser_finish - 1.0) {
    diagnose("waited-for-all",
             "first_completed returned only after the slowest request had finished: it waited "
             "for all of them. Use wait_for_one() on the parallel group: it completes with the "
             "first finisher and cancels the rest");
    return;
  }
  if (losers_aborted < 2) {
    diagnose("losers-not-cancelled",
             "the winner came back, but " + std::to_string(2 - losers_aborted) +
                 " loser(s) ran on to the end at the server: nothing cancelled them. Use a "
                 "parallel group with wait_for_one(), which cancels the others when one finishes");
    return;
  }
  EXPECT_EQ(winner.index, 1u);
  EXPECT_EQ(winner.value, 100);
  EXPECT_EQ(t.count(Outcome::completed), 1u) << "only the winner completes";
  EXPECT_LE(latest_loser_finish - win_ms, tolerant_ms(kAbortBoundMs))
      << "the losers' connections should close within a few ms of the winner finishing";
  EXPECT_LT(returned_ms, win_ms + tolerant_ms(kAbortBoundMs + 40));
}

TEST_F(FirstCompleted, NoAwaitablesIsAnError) {
  EXPECT_THROW(run(ch03::first_completed(std::vector<asio::awaitable<int>>{}), std::chrono::seconds{2}),
               std::invalid_argument)
      << "there is no winner among zero awaitables: throw std::invalid_argument";
}

}  // namespace
