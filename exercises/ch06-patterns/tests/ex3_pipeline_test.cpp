// Exercise 3: producer/consumer over a bounded channel. Each processed item is one
// /delay/100ms?item=K request, so the server's trace says which items were processed, how
// often, and by how many consumers at once; the producer's send times (on_produced) against
// the first processed item's finish show the backpressure. A proxy that hangs up on one item
// makes its processing throw.
#include "ex3_pipeline.hpp"
#include "support.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <asynclings/todo.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;
using asynclings::testkit::Clock;
using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using asynclings::testkit::Outcome;
using asynclings::testkit::tolerant_ms;
using asynclings::testkit::TraceView;
using std::chrono::milliseconds;

constexpr int kItems = 8;  // not a multiple of kConsumers: items are still buffered when the producer finishes
constexpr int kConsumers = 3;
constexpr std::size_t kCapacity = 2;
constexpr milliseconds kWork{100};

struct Outcome3 {
  std::vector<ch06::Processed> done;
  bool hung = false;
  std::exception_ptr error;
  std::vector<Clock::time_point> produced;  // send-completion time of item i, in order
  Clock::time_point returned_at{};          // when run_pipeline handed back its result
};

// Notes the moment run_pipeline returns to its caller.
asio::awaitable<std::vector<ch06::Processed>> timed(asio::awaitable<std::vector<ch06::Processed>> work,
                                                    std::shared_ptr<Clock::time_point> returned_at) {
  auto done = co_await std::move(work);
  *returned_at = Clock::now();
  co_return done;
}

int item_of(const std::string& target) {
  return ch06test::first_int(target, "item=(-?\\d+)", -1000);
}

class Pipeline : public asynclings::testkit::ServerTest {
 protected:
  Outcome3 run_it(AsyncClient client, int items = kItems, int consumers = kConsumers,
                  milliseconds within = milliseconds{4000}) {
    Outcome3 o;
    auto produced = std::make_shared<std::vector<Clock::time_point>>();
    auto returned_at = std::make_shared<Clock::time_point>();
    std::function<void(int)> on_produced = [produced](int) { produced->push_back(Clock::now()); };
    try {
      o.done = run(timed(ch06::run_pipeline(std::move(client), items, consumers, kCapacity, kWork, on_produced),
                         returned_at),
                   within);
    } catch (const asynclings::NotImplemented&) {
      throw;
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()).find("did not finish") != std::string::npos) o.hung = true;
      else o.error = std::current_exception();
    } catch (...) {
      o.error = std::current_exception();
    }
    o.produced = *produced;
    o.returned_at = *returned_at;
    return o;
  }

  // The end marker processed, then duplicates, then losses; false once diagnosed.
  bool each_item_once(const TraceView& t, const Outcome3& o) {
    std::map<int, int> seen;
    for (const auto& r : t.records()) ++seen[item_of(r.target)];
    int duplicated = 0, missing = 0;
    for (int i = 0; i < kItems; ++i) {
      auto it = seen.find(i);
      if (it == seen.end()) ++missing;
      else if (it->second > 1) ++duplicated;
    }
    figure("items_processed", double(t.size()), "", "exactly " + std::to_string(kItems));
    if (seen.count(ch06::kEndOfStream)) {
      diagnose("end-marker-processed",
               "kEndOfStream was processed like an item (the server saw item=" + std::to_string(ch06::kEndOfStream) +
                   "): check for the marker right after async_receive, before processing, and stop there");
      return false;
    }
    if (duplicated > 0) {
      diagnose("items-duplicated",
               std::to_string(duplicated) + " item(s) were processed more than once: hand every item "
               "out exactly once — through the channel, which gives each message to one receiver only");
      return false;
    }
    if (missing == kItems && o.hung) {
      diagnose("consumers-not-concurrent",
               "no item was ever processed and run_pipeline never returned: the producer filled the "
               "channel and waited for a consumer that was not running yet. Run the producer and the "
               "consumers concurrently (one parallel group), not one after the other");
      return false;
    }
    if (missing > 0) {
      diagnose("items-lost-at-shutdown",
               std::to_string(missing) + " of " + std::to_string(kItems) + " items were never processed. "
               "In Boost 1.81 channel::close() DISCARDS the items still buffered: instead of closing, "
               "send one kEndOfStream per consumer after the last item");
      return false;
    }
    return true;
  }
};

// Whether the call ended with std::invalid_argument (the stub's documented refusal).
bool refused_with_invalid_argument(std::exception_ptr error) {
  if (!error) return false;
  try {
    std::rethrow_exception(error);
  } catch (const std::invalid_argument&) {
    return true;
  } catch (...) {
    return false;
  }
}

TEST_F(Pipeline, EveryItemIsProcessedExactlyOnceAndThePipelineReturnsOnlyWhenAllAreDone) {
  Outcome3 o = run_it(async_client());
  auto t = trace(0);
  if (!each_item_once(t, o)) return;
  if (o.hung) {
    diagnose("shutdown-hangs",
             "every item was processed but run_pipeline never returned: some coroutine is still "
             "waiting on the channel — each consumer needs its own end-of-stream marker, and the "
             "producer must finish too");
    return;
  }
  if (o.error) std::rethrow_exception(o.error);
  double last_answer = 0;
  for (const auto& r : t.records()) {
    if (r.response_start) last_answer = std::max(last_answer, t.ms(*r.response_start));
  }
  figure("returned_ms", t.ms(o.returned_at), "ms", "after the last item (" + std::to_string(int(last_answer)) + " ms)");
  if (o.done.size() < std::size_t(kItems) || t.ms(o.returned_at) < last_answer) {
    diagnose("returned-before-all-processed",
             "run_pipeline returned at " + std::to_string(int(t.ms(o.returned_at))) + " ms with " +
                 std::to_string(o.done.size()) + " of " + std::to_string(kItems) +
                 " items reported, before the last item was processed (" + std::to_string(int(last_answer)) +
                 " ms): the producer being done is not the pipeline being done — await the consumers too");
    return;
  }
  ASSERT_EQ(o.done.size(), std::size_t(kItems)) << "run_pipeline should report every processed item once";
  std::vector<int> items;
  for (const auto& p : o.done) {
    items.push_back(p.item);
    EXPECT_TRUE(p.consumer >= 0 && p.consumer < kConsumers) << "consumer ids are 0.." << kConsumers - 1;
  }
  std::sort(items.begin(), items.end());
  for (int i = 0; i < kItems; ++i) EXPECT_EQ(items[i], i);
}

TEST_F(Pipeline, ConsumersOverlapAndAFullChannelHoldsTheProducerBack) {
  Outcome3 o = run_it(async_client());
  auto t = trace(0);
  if (!each_item_once(t, o)) return;
  const auto peak = t.peak_in_flight();
  figure("peak_in_flight", double(peak), "", "exactly " + std::to_string(kConsumers));
  if (peak < std::size_t(kConsumers)) {
    diagnose("consumers-not-concurrent",
             "at most " + std::to_string(peak) + " items were processed at once with " + std::to_string(kConsumers) +
                 " consumers: run the producer and every consumer concurrently (a parallel group), "
                 "not one after another");
    return;
  }
  EXPECT_EQ(peak, std::size_t(kConsumers)) << "each consumer processes one item at a time";
  ASSERT_EQ(o.produced.size(), std::size_t(kItems)) << "on_produced should be called once per item";
  // The first moment an item was done: before it, only the consumers' first items and a full
  // buffer could have been sent. (The moment the server started writing the response: its
  // "finish" is noted after the write completes, which can be after the client has read it.)
  double first_finish = 1e18;
  for (const auto& r : t.records()) {
    if (r.response_start) first_finish = std::min(first_finish, t.ms(*r.response_start));
  }
  int sent_early = 0;
  for (auto when : o.produced) sent_early += t.ms(when) < first_finish ? 1 : 0;
  const int allowed = kConsumers + int(kCapacity);
  figure("sent_before_first_item_done", sent_early, "items", "<= " + std::to_string(allowed));
  figure("last_send_ms", t.ms(o.produced.back()), "ms", "after the first item is done");
  if (sent_early == allowed + 1) {
    diagnose("reported-before-sent",
             std::to_string(sent_early) + " items were reported sent before any item was processed, one more "
             "than the consumers and a channel of capacity " + std::to_string(kCapacity) + " can take: "
             "on_produced(i) came before the send of item i completed (or the channel is one too big) — "
             "call it after co_await async_send(…)");
    return;
  }
  if (sent_early > allowed) {
    diagnose("no-backpressure",
             std::to_string(sent_early) + " items were sent before any item was processed: the channel "
             "should hold only <capacity> items, so the producer waits in async_send while it is full");
    return;
  }
  EXPECT_GT(t.ms(o.produced.back()), first_finish) << "the last items can only be sent once consumers free room";
  EXPECT_FALSE(o.hung) << "run_pipeline should return once every item is processed";
}

TEST_F(Pipeline, NoItemsReturnsAnEmptyListAtOnce) {
  Outcome3 o = run_it(async_client(), 0, kConsumers, milliseconds{1000});
  if (o.hung) {
    diagnose("shutdown-hangs", "with no items run_pipeline never returned: the producer must still send one "
                               "kEndOfStream per consumer, so that every consumer ends");
    return;
  }
  for (const auto& r : trace_now().records()) {
    if (item_of(r.target) == ch06::kEndOfStream) {
      diagnose("end-marker-processed", "with no items a consumer processed kEndOfStream like an item: check "
                                       "for the marker right after async_receive, before processing");
      return;
    }
  }
  if (o.error) std::rethrow_exception(o.error);
  EXPECT_TRUE(o.done.empty());
  EXPECT_EQ(trace_now().size(), 0u) << "nothing to process, nothing to request";
}

TEST_F(Pipeline, ZeroConsumersIsRefusedWithInvalidArgument) {
  Outcome3 o = run_it(async_client(), 3, 0, milliseconds{1000});
  const bool refused = refused_with_invalid_argument(o.error);
  if (!refused) {
    diagnose("zero-consumers-accepted",
             std::string("run_pipeline with 0 consumers ") +
                 (o.hung ? "never returned: the producer waits forever on a full channel nobody empties"
                         : "did not throw std::invalid_argument") +
                 ". Check the arguments first and throw std::invalid_argument");
    return;
  }
  EXPECT_EQ(trace_now().size(), 0u);
}

TEST_F(Pipeline, ANegativeItemCountIsRefusedWithInvalidArgument) {
  Outcome3 o = run_it(async_client(), -2, kConsumers, milliseconds{1000});
  const bool refused = refused_with_invalid_argument(o.error);
  if (!refused) {
    diagnose("negative-items-accepted",
             std::string("run_pipeline with -2 items ") +
                 (o.hung ? "never returned" : "did not throw std::invalid_argument") +
                 ": a negative count is the caller's mistake, not \"nothing to do\" (only 0 "
                 "items is an empty list). Check the arguments first and throw "
                 "std::invalid_argument");
    return;
  }
  EXPECT_EQ(trace_now().size(), 0u);
}

// Item 2 goes through a proxy that hangs up: its processing throws at once, while items 0 and 1
// are in flight.
TEST_F(Pipeline, AFailingItemStopsThePipelineAtOnceAndItsErrorReachesTheCaller) {
  ch06test::HangupProxy proxy(address().port, [](const std::string& target) { return item_of(target) == 2; });
  Outcome3 o = run_it(AsyncClient({"127.0.0.1", proxy.port(), tag()}), kItems, kConsumers, milliseconds{2000});
  auto t = trace(0);
  const auto hangups = proxy.hangups();
  ASSERT_EQ(hangups.size(), 1u) << "item 2 should have been taken once";
  const double failed_ms = t.ms(hangups[0].second);
  // Items 0 and 1 were with the other two consumers when item 2 failed; any later item was taken
  // after the failure. (Arrival times do not tell: the proxy forwards 0 and 1 after it hung up on 2.)
  std::size_t started_after = 0, completed = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (item_of(t.records()[i].target) > 2) ++started_after;
    if (t.records()[i].outcome == Outcome::completed) ++completed;
  }
  figure("items_started_after_the_failure", double(started_after), "", "0");
  figure("items_completed", double(completed), "", "0 (the others are aborted)");
  if (o.hung) {
    diagnose("hangs-after-error",
             "item 2 failed and run_pipeline never returned: a consumer that throws must not vanish "
             "(detached drops the exception) — run them in a parallel group with wait_for_one_error, "
             "which cancels the others and hands you the error");
    return;
  }
  if (!o.error) {
    diagnose(diagnoses::error_swallowed, "item 2 failed, yet run_pipeline returned normally: rethrow the failure");
    return;
  }
  if (started_after > 0 || completed > 0) {
    diagnose("error-does-not-stop-the-pipeline",
             "after item 2 failed at " + std::to_string(int(failed_ms)) + " ms, " + std::to_string(started_after) +
                 " more item(s) started and " + std::to_string(completed) + " completed: the first failure "
                 "must stop the pipeline — wait_for_one_error cancels the producer and the other consumers");
    return;
  }
  ch06test::expect_own_error(o.error, "item 2's own error");
}

TEST_F(Pipeline, CancellingThePipelineAbortsTheItemsInFlightAndLeavesNothingRunning) {
  constexpr milliseconds kCancel{50};
  auto produced = std::make_shared<std::vector<Clock::time_point>>();
  std::function<void(int)> on_produced = [produced](int) { produced->push_back(Clock::now()); };
  const auto ending = run(ch06test::cancel_after(
      ch06::run_pipeline(async_client(), kItems, kConsumers, kCapacity, kWork, on_produced), kCancel));
  asynclings::testkit::rethrow_if_not_implemented(ending.error);
  auto t = trace(0);
  figure("requests", double(t.size()), "", std::to_string(kConsumers) + " (the items in flight at the cancel)");
  figure("completed", double(t.count(Outcome::completed)), "", "0");
  if (t.size() > std::size_t(kConsumers) || t.count(Outcome::completed) > 0) {
    diagnose(diagnoses::requests_left_running,
             "after the cancel at 50 ms the server saw " + std::to_string(t.size()) + " items, " +
                 std::to_string(t.count(Outcome::completed)) + " of them completed: the cancel must reach "
                 "the producer and every consumer (one parallel group the caller awaits, not detached)");
    return;
  }
  ASSERT_TRUE(ending.error) << "run_pipeline returned normally after a cancel";
  EXPECT_TRUE(ch06test::is_cancellation(ending.error))
      << "the caller should see the cancellation (operation_aborted or channel_cancelled)";
  // By 50 ms each consumer holds one item and the channel two more: no other send can have
  // completed, so on_produced, called once a send completed, was called at most that often.
  constexpr std::size_t kDeliverable = std::size_t(kConsumers) + kCapacity;
  figure("on_produced_calls", double(produced->size()), "", "<= " + std::to_string(kDeliverable));
  if (produced->size() > kDeliverable) {
    diagnose("reported-unsent-item",
             "on_produced was called for " + std::to_string(produced->size()) + " items, but only " +
                 std::to_string(kDeliverable) + " sends (one item per consumer, " +
                 std::to_string(kCapacity) + " in the channel) could complete before the cancel: an "
                 "item was reported although its send was cancelled. Call on_produced(i) only after "
                 "co_await async_send(...) returned normally");
  }
}

}  // namespace
