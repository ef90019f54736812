// Exercise 3: producer/consumer over a bounded channel. Each processed item is one
// /delay/100ms?item=K request, so the server's trace says which items were processed, how
// often, and by how many consumers at once; the producer's send times (on_produced) against
// the first processed item's finish show the backpressure.
#include "ex3_pipeline.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using asynclings::testkit::Clock;
using asynclings::testkit::diagnose;
using asynclings::testkit::figure;
using asynclings::testkit::TraceView;
using std::chrono::milliseconds;

constexpr int kItems = 8;  // not a multiple of kConsumers: items are still buffered when the producer finishes
constexpr int kConsumers = 3;
constexpr std::size_t kCapacity = 2;
constexpr milliseconds kWork{100};

struct Outcome {
  std::vector<ch06::Processed> done;
  bool hung = false;
  std::vector<Clock::time_point> produced;  // send-completion time of item i, in order
};

class Pipeline : public asynclings::testkit::ServerTest {
 protected:
  Outcome run_it() {
    Outcome o;
    auto produced = std::make_shared<std::vector<Clock::time_point>>();
    std::function<void(int)> on_produced = [produced](int) { produced->push_back(Clock::now()); };
    try {
      o.done = run(ch06::run_pipeline(async_client(), kItems, kConsumers, kCapacity, kWork, on_produced),
                   milliseconds{4000});
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()).find("did not finish") == std::string::npos) throw;
      o.hung = true;
    }
    o.produced = *produced;
    return o;
  }

  // How often the server saw each item processed.
  static std::map<int, int> items_seen(const TraceView& t) {
    std::map<int, int> seen;
    const std::regex item_re("item=(\\d+)");
    for (const auto& r : t.records()) {
      std::smatch m;
      if (std::regex_search(r.target, m, item_re)) ++seen[std::stoi(m[1])];
    }
    return seen;
  }

  // Duplicates, then losses; false once diagnosed.
  bool each_item_once(const TraceView& t) {
    const auto seen = items_seen(t);
    int duplicated = 0, missing = 0;
    for (int i = 0; i < kItems; ++i) {
      auto it = seen.find(i);
      if (it == seen.end()) ++missing;
      else if (it->second > 1) ++duplicated;
    }
    figure("items_processed", double(t.size()), "", "exactly " + std::to_string(kItems));
    if (duplicated > 0) {
      diagnose("items-duplicated",
               std::to_string(duplicated) + " item(s) were processed more than once: hand every item "
               "out exactly once — through the channel, which gives each message to one receiver only");
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

TEST_F(Pipeline, EveryItemIsProcessedExactlyOnceAndThePipelineShutsDownCleanly) {
  Outcome o = run_it();
  auto t = trace(1);
  if (!each_item_once(t)) return;
  if (o.hung) {
    diagnose("shutdown-hangs",
             "every item was processed but run_pipeline never returned: some coroutine is still "
             "waiting on the channel — each consumer needs its own end-of-stream marker, and the "
             "producer must finish too");
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
  Outcome o = run_it();
  auto t = trace(1);
  if (!each_item_once(t)) return;
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
  const int allowed = kConsumers + int(kCapacity) + 1;
  figure("sent_before_first_item_done", sent_early, "items", "<= " + std::to_string(allowed));
  figure("last_send_ms", t.ms(o.produced.back()), "ms", "after the first item is done");
  if (sent_early > allowed) {
    diagnose("no-backpressure",
             std::to_string(sent_early) + " items were sent before any item was processed: the channel "
             "should hold only <capacity> items, so the producer waits in async_send while it is full");
    return;
  }
  EXPECT_GT(t.ms(o.produced.back()), first_finish) << "the last items can only be sent once consumers free room";
  EXPECT_FALSE(o.hung) << "run_pipeline should return once every item is processed";
}

}  // namespace
