// Exercise 3: as_completed. The handler notes when it was called; the server's trace says
// when each request finished, so "handled as it arrived" is checked against the server.
#include "ex3_as_completed.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/requests.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
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
using asynclings::testkit::process_cpu_ms;
using asynclings::testkit::Stopwatch;
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

struct Handled {
  std::size_t index;
  int value;
  Clock::time_point at;
};


// How an empty parallel group (or any wait nothing will ever complete) shows up in run():
// either the time limit passes, or Asio drops the abandoned coroutine and its future reports
// a broken promise. Anything else (NotImplemented included) is not this.
bool never_finished(const std::exception& e) {
  if (const auto* fe = dynamic_cast<const std::future_error*>(&e)) {
    return fe->code() == std::future_errc::broken_promise;
  }
  return dynamic_cast<const std::runtime_error*>(&e) != nullptr &&
         (std::string(e.what()).find("did not finish") != std::string::npos ||
          std::string(e.what()).find("can never finish") != std::string::npos);
}

// Notes the moment as_completed came back (or threw).
asio::awaitable<void> timed(asio::awaitable<void> work, std::shared_ptr<Clock::time_point> returned_at) {
  try {
    co_await std::move(work);
  } catch (...) {
    *returned_at = Clock::now();
    throw;
  }
  *returned_at = Clock::now();
}

// A request the server answers with <code> after <ms>.
asio::awaitable<int> fails_after(AsyncClient client, int ms, int code) {
  std::string target = "/drip?delay=" + std::to_string(ms) + "ms&duration=0ms&numbytes=1&code=" +
                       std::to_string(code);
  auto response = co_await client.get(std::move(target));
  if (!response.ok()) throw RequestFailed("status " + std::to_string(response.status));
  co_return ms;
}

class AsCompleted : public asynclings::testkit::ServerTest {};

TEST_F(AsCompleted, HandlesEachResultAsSoonAsItArrives) {
  const std::vector<int> input{300, 100, 200};
  std::vector<asio::awaitable<int>> work;
  for (int d : input) work.push_back(delayed(async_client(), d));
  auto handled = std::make_shared<std::vector<Handled>>();
  std::function<void(std::size_t, int)> on_result = [handled](std::size_t index, int value) {
    handled->push_back(Handled{index, value, Clock::now()});
  };
  auto returned_at = std::make_shared<Clock::time_point>();
  Stopwatch wall;
  const double cpu_before = process_cpu_ms();
  run(timed(ch03::as_completed(std::move(work), on_result), returned_at));
  const double cpu_ms = process_cpu_ms() - cpu_before;
  const double wall_ms = wall.elapsed_ms();
  auto t = trace(3);
  ASSERT_EQ(t.size(), 3u);
  ASSERT_EQ(handled->size(), 3u) << "on_result should be called once per awaitable";

  if (t.sequential()) {
    diagnose(diagnoses::sequential_awaits,
             "the server saw the requests one after another: the awaitables were awaited in "
             "turn. co_spawn every one of them first, each sending its result to a channel");
    return;
  }
  const auto slowest = t.with_target_prefix("/delay/300ms");
  ASSERT_EQ(slowest.size(), 1u);
  const double slowest_finish = t.ms(*slowest[0].finish);
  const double first_handled = t.ms(handled->front().at);
  figure("first_handled_ms", first_handled, "ms", "about 100 (the shortest delay)");
  figure("slowest_finish_ms", slowest_finish, "ms", "about 300");
  // Order first: handling in input order also makes the first call late (it waits for the
  // 300 ms request), which is not the same mistake as waiting for everything.
  std::vector<std::size_t> order;
  for (const auto& h : *handled) order.push_back(h.index);
  std::vector<int> values;
  for (const auto& h : *handled) values.push_back(h.value);
  if (order == std::vector<std::size_t>{0, 1, 2} && values == std::vector<int>{100, 200, 300}) {
    diagnose("wrong-index",
             "on_result got the results in completion order (100, 200, 300 ms), but with the "
             "indexes 0, 1, 2: you passed how many results had arrived so far, not the "
             "awaitable's position in `work`. Send each awaitable's own input index along with "
             "its value");
    return;
  }
  if (order == std::vector<std::size_t>{0, 1, 2}) {
    diagnose("input-order",
             "results were handled in input order (awaiting each one in turn), not in the order "
             "they finished: each finished awaitable must report itself, e.g. by sending its "
             "index and value into a channel that the caller receives from");
    return;
  }
  if (first_handled >= slowest_finish - 1.0) {
    diagnose(diagnoses::waited_for_all,
             "the first result was handled only after the slowest request had finished: "
             "as_completed waited for everything, then handed the results out. Receive each "
             "result from a channel as it arrives and call on_result right away");
    return;
  }
  const double last_handled = t.ms(handled->back().at);
  const double returned_ms = t.ms(*returned_at);
  figure("returned_ms", returned_ms, "ms", "after the last on_result call");
  if (returned_ms < last_handled) {
    diagnose("returned-before-all-handled",
             "as_completed returned at " + std::to_string(int(returned_ms)) + " ms, before the "
                 "last result was handled (" + std::to_string(int(last_handled)) + " ms): the "
                 "caller went on while results were still coming in. Receive all N results "
                 "before returning");
    return;
  }
  // A loop that waits correctly sleeps in the kernel: a few ms of CPU in 300 ms of waiting.
  // One that polls (post, check, post…) spins the whole time. (Load only lowers the CPU a
  // spinning loop gets, and a quarter of the wall time is far above a waiting loop's share.)
  figure("cpu_ms", cpu_ms, "ms", "a few ms, far below a quarter of the wall time");
  if (cpu_ms > wall_ms / 4) {
    diagnose(diagnoses::busy_wait,
             "as_completed used " + std::to_string(int(cpu_ms)) + " ms of CPU in " +
                 std::to_string(int(wall_ms)) + " ms of waiting for three requests: it checked "
                 "for results in a loop (post, look, post again) instead of sleeping until one "
                 "arrives. co_await a channel's async_receive: it suspends until a result is sent");
    return;
  }
  EXPECT_EQ(order, (std::vector<std::size_t>{1, 2, 0})) << "expected the 100, 200, 300 ms results in that order";
  for (const auto& h : *handled) EXPECT_EQ(h.value, input.at(h.index)) << "value for index " << h.index;
  EXPECT_EQ(t.peak_in_flight(), 3u);
  // The first result is handled about when the 100 ms request finishes, long before 300 ms.
  EXPECT_LT(first_handled, slowest_finish - 100.0);
}

TEST_F(AsCompleted, EmptyInputReturnsAtOnce) {
  Stopwatch wall;
  int calls = 0;
  std::function<void(std::size_t, int)> on_result = [&calls](std::size_t, int) { ++calls; };
  try {
    run(ch03::as_completed(std::vector<asio::awaitable<int>>{}, on_result), std::chrono::seconds{2});
  } catch (const std::exception& e) {
    if (never_finished(e)) {
      diagnose("empty-input-hangs",
               "as_completed of nothing never returned: with no work there is nothing to "
               "receive, so return before waiting on the channel");
      return;
    }
    throw;
  }
  EXPECT_EQ(calls, 0);
  EXPECT_LE(wall.elapsed_ms(), tolerant_ms(100));
}

TEST_F(AsCompleted, AFailureIsRethrownWhenItArrivesAfterTheEarlierResultsWereHandled) {
  // 50 ms succeeds, 150 ms fails (503), 400 ms would succeed last.
  std::vector<asio::awaitable<int>> work;
  work.push_back(delayed(async_client(), 400));
  work.push_back(fails_after(async_client(), 150, 503));
  work.push_back(delayed(async_client(), 50));
  auto handled = std::make_shared<std::vector<Handled>>();
  std::function<void(std::size_t, int)> on_result = [handled](std::size_t index, int value) {
    handled->push_back(Handled{index, value, Clock::now()});
  };
  auto returned_at = std::make_shared<Clock::time_point>();
  std::string error;
  try {
    run(timed(ch03::as_completed(std::move(work), on_result), returned_at), std::chrono::seconds{2});
  } catch (const RequestFailed& e) {
    error = e.what();
  } catch (const std::runtime_error& e) {
    if (!never_finished(e)) throw;
    diagnose(diagnoses::exception_lost_caller_waits,
             "one awaitable threw and as_completed never returned: the failure was dropped on "
             "the way (a detached co_spawn, or a sender that only sends values), so the caller "
             "waits for a result that never comes. Send the exception_ptr too, and rethrow it");
    return;
  }
  auto t = trace(3);
  ASSERT_EQ(t.size(), 3u);
  if (t.sequential()) {
    diagnose(diagnoses::sequential_awaits,
             "the server saw the requests one after another: co_spawn every awaitable first");
    return;
  }
  const auto failing = t.with_target_prefix("/drip");
  const auto slowest = t.with_target_prefix("/delay/400ms");
  ASSERT_EQ(failing.size(), 1u);
  ASSERT_EQ(slowest.size(), 1u);
  ASSERT_TRUE(failing[0].finish && slowest[0].finish);
  const double failed_ms = t.ms(*failing[0].finish);
  const double slowest_ms = t.ms(*slowest[0].finish);
  const double returned_ms = t.ms(*returned_at);
  figure("failure_ms", failed_ms, "ms", "about 150");
  figure("thrown_ms", returned_ms, "ms", "about 150, when the failure arrived");
  if (error.empty()) {
    diagnose(diagnoses::error_lost,
             "the awaitable at index 1 failed, but as_completed returned normally after handling " +
                 std::to_string(handled->size()) + " result(s): rethrow an arrival's exception "
                 "(std::rethrow_exception) instead of skipping it");
    return;
  }
  if (returned_ms >= slowest_ms - 1.0) {
    diagnose(diagnoses::error_delayed,
             "the failure arrived at " + std::to_string(int(failed_ms)) + " ms but as_completed "
                 "threw it only at " + std::to_string(int(returned_ms)) + " ms, after the slowest "
                 "request: rethrow it as soon as it is received, like asyncio.as_completed");
    return;
  }
  ASSERT_EQ(handled->size(), 1u) << "only the 50 ms result comes before the failure";
  EXPECT_EQ(handled->front().index, 2u);
  EXPECT_EQ(handled->front().value, 50);
  EXPECT_EQ(error, "status 503");
  EXPECT_LT(returned_ms, failed_ms + tolerant_ms(60));
}

// Four awaitables wait on one timer, so they finish in the same turn of the loop, before the
// caller has handled the first: every result must still be handled, once each.
asio::awaitable<int> on_shared_timer(std::shared_ptr<asio::steady_timer> timer, int value) {
  co_await timer->async_wait(asio::use_awaitable);
  co_return value;
}

TEST_F(AsCompleted, ResultsThatArriveTogetherAreEachHandledOnce) {
  constexpr std::size_t kCount = 4;
  auto handled = std::make_shared<std::vector<Handled>>();
  std::function<void(std::size_t, int)> on_result = [handled](std::size_t index, int value) {
    handled->push_back(Handled{index, value, Clock::now()});
  };
  auto together = [](std::function<void(std::size_t, int)> handle) -> asio::awaitable<void> {
    auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor,
                                                      std::chrono::milliseconds{50});
    std::vector<asio::awaitable<int>> work;
    for (std::size_t i = 0; i < kCount; ++i) work.push_back(on_shared_timer(timer, int(i) * 10));
    co_await ch03::as_completed(std::move(work), std::move(handle));
  };
  try {
    run(together(on_result), std::chrono::seconds{2});
  } catch (const std::runtime_error& e) {
    if (!never_finished(e)) throw;
    diagnose("result-dropped",
             "four results arrived together and as_completed never returned after handling " +
                 std::to_string(handled->size()) + " of them: results that arrived while the "
                 "caller was busy were thrown away (try_send on a channel that is full, or has no "
                 "room at all, drops the message). Give the channel room for every result, or "
                 "co_await async_send");
    return;
  }
  std::vector<std::size_t> indexes;
  for (const auto& h : *handled) indexes.push_back(h.index);
  std::sort(indexes.begin(), indexes.end());
  EXPECT_EQ(indexes, (std::vector<std::size_t>{0, 1, 2, 3})) << "each index handled exactly once";
  for (const auto& h : *handled) EXPECT_EQ(h.value, int(h.index) * 10) << "value for index " << h.index;
}

}  // namespace
