// Exercise 4: first completed. The server's trace shows whether the losers were really
// cancelled (their connections aborted) and when, relative to the winner's finish.
#include "ex4_first_completed.hpp"
#include "outside_cancel.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/requests.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <asynclings/todo.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
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

struct RequestFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

asio::awaitable<int> delayed(AsyncClient client, int ms) {
  std::string target = delay_target(ms);
  auto response = co_await client.get(std::move(target));
  if (!response.ok()) throw RequestFailed("status " + std::to_string(response.status));
  co_return ms;
}

// A request the server answers with <code> after <ms>.
asio::awaitable<int> fails_after(AsyncClient client, int ms, int code) {
  std::string target = "/drip?delay=" + std::to_string(ms) + "ms&duration=0ms&numbytes=1&code=" +
                       std::to_string(code);
  auto response = co_await client.get(std::move(target));
  if (!response.ok()) throw RequestFailed("status " + std::to_string(response.status));
  co_return ms;
}

// Notes the moment first_completed handed back its winner (run() itself only returns once
// every coroutine, including any left running in the background, has finished).
asio::awaitable<ch03::Winner<int>> timed(std::vector<asio::awaitable<int>> work,
                                         std::shared_ptr<Clock::time_point> returned_at) {
  try {
    auto winner = co_await ch03::first_completed(std::move(work));
    *returned_at = Clock::now();
    co_return winner;
  } catch (...) {
    *returned_at = Clock::now();
    throw;
  }
}

class FirstCompleted : public asynclings::testkit::ServerTest {};

TEST_F(FirstCompleted, ReturnsTheWinnerAndCancelsTheLosers) {
  constexpr double kAbortBoundMs = 100;  // well before the nearest loser would end (250 ms)
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

  if (losers_aborted == 0 && t.sequential()) {  // requests aborted at once also look sequential
    diagnose(diagnoses::sequential_awaits,
             "the server saw the requests one after another: start them all at once (a parallel "
             "group) and wait for the first of them");
    return;
  }
  if (losers_aborted == 0 && returned_ms >= latest_loser_finish - 1.0) {
    diagnose(diagnoses::waited_for_all,
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
  std::optional<ch03::Winner<int>> winner;
  try {
    winner = run(ch03::first_completed(std::vector<asio::awaitable<int>>{}), std::chrono::seconds{2});
  } catch (const std::invalid_argument&) {
    return;  // as documented
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    if (what.find("did not finish") != std::string::npos || what.find("can never finish") != std::string::npos) {
      diagnose(diagnoses::empty_group_hangs,
               "first_completed of no awaitables never came back: an empty parallel group never "
               "completes in Boost 1.81. Check for empty input first and throw "
               "std::invalid_argument");
      return;
    }
    throw;
  }
  diagnose("empty-not-rejected",
           "first_completed of no awaitables returned a winner (index " + std::to_string(winner->index) +
               ") although nothing ran: there is no winner among zero awaitables. Throw "
               "std::invalid_argument");
}

TEST_F(FirstCompleted, AFailureThatCompletesFirstIsRethrownAndTheOthersAreCancelled) {
  constexpr double kAbortBoundMs = 100;  // well before the nearest loser would end (250 ms)
  // Index 1 fails (503) at 100 ms, before the 250 and 300 ms requests succeed.
  std::vector<asio::awaitable<int>> work;
  work.push_back(delayed(async_client(), 300));
  work.push_back(fails_after(async_client(), 100, 503));
  work.push_back(delayed(async_client(), 250));
  auto returned_at = std::make_shared<Clock::time_point>();
  std::optional<ch03::Winner<int>> winner;
  std::string error, other_error;
  try {
    winner = run(timed(std::move(work), returned_at));
  } catch (const RequestFailed& e) {
    error = e.what();
  } catch (const asynclings::NotImplemented&) {
    throw;
  } catch (const std::exception& e) {
    other_error = e.what();
  }
  auto t = trace(3);
  ASSERT_EQ(t.size(), 3u);
  const auto failing = t.with_target_prefix("/drip");
  ASSERT_EQ(failing.size(), 1u);
  ASSERT_TRUE(failing[0].finish.has_value());
  const double failed_ms = t.ms(*failing[0].finish);
  std::size_t aborted = 0;
  double last_end = 0;
  for (const auto& r : t.with_target_prefix("/delay/")) {
    if (r.outcome == Outcome::client_aborted) ++aborted;
    if (r.finish) last_end = std::max(last_end, t.ms(*r.finish));
  }
  figure("failure_ms", failed_ms, "ms", "about 100");
  figure("others_aborted", double(aborted), "", "exactly 2");
  double first_success_ms = -1;
  for (const auto& r : t.with_target_prefix("/delay/")) {
    if (r.outcome == Outcome::completed && r.finish &&
        (first_success_ms < 0 || t.ms(*r.finish) < first_success_ms)) {
      first_success_ms = t.ms(*r.finish);
    }
  }
  const double returned_ms = t.ms(*returned_at);
  figure("returned_ms", returned_ms, "ms", "about 100, when the failure arrived");
  if (winner || (first_success_ms >= 0 && returned_ms >= first_success_ms - 1.0)) {
    diagnose("first-success",
             "the awaitable at index 1 was the first to complete (it failed at about 100 ms), but "
             "first_completed came back only at " + std::to_string(int(returned_ms)) +
                 " ms, after a request had succeeded" +
                 (winner ? " (it returned index " + std::to_string(winner->index) + ")" : std::string()) +
                 ": it waited for the first *success* "
                 "(wait_for_one_success, or `||`). FIRST_COMPLETED counts a failure too: use "
                 "wait_for_one() and rethrow the winner's exception");
    return;
  }
  if (!other_error.empty()) {
    diagnose(diagnoses::wrong_error,
             "the first awaitable to complete failed with RequestFailed at about 100 ms, but "
                 "first_completed threw \"" + other_error + "\" (a cancelled loser's error?): "
                 "rethrow the exception of the first entry of the completion order");
    return;
  }
  if (aborted < 2) {
    diagnose("losers-not-cancelled",
             "the failure came back, but " + std::to_string(2 - aborted) +
                 " other request(s) ran on at the server: when the first awaitable completes "
                 "(even with an error) the others must be cancelled");
    return;
  }
  EXPECT_EQ(error, "status 503");
  EXPECT_LE(last_end - failed_ms, tolerant_ms(kAbortBoundMs));
  EXPECT_LT(t.ms(*returned_at), failed_ms + tolerant_ms(kAbortBoundMs + 40));
}

// The caller gives up at 100 ms, before any awaitable has won: nothing may be left running.
TEST_F(FirstCompleted, ACancelFromOutsideBeforeAnyWinnerCancelsEveryAwaitable) {
  constexpr int kCancel = 100;
  std::vector<asio::awaitable<int>> work;
  for (int ms : {400, 500, 600}) work.push_back(delayed(async_client(), ms));
  const auto e = run(asynclings::testkit::cancel_after(ch03::first_completed(std::move(work)),
                                                       std::chrono::milliseconds{kCancel}));
  ch03_test::expect_the_cancel_reached_every_request("first_completed", e, trace(3), 3, kCancel);
}

}  // namespace
