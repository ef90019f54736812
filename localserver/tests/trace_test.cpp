#include <asynclings/server/trace.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

namespace asynclings::server {
namespace {

TraceRecord tagged(std::string tag, std::string target) {
  TraceRecord r;
  r.tag = std::move(tag);
  r.target = std::move(target);
  r.arrival = Clock::now();
  return r;
}

TEST(Trace, NumbersRequestsInArrivalOrder) {
  Trace trace;
  EXPECT_EQ(trace.begin(tagged("a", "/x")), 1u);
  EXPECT_EQ(trace.begin(tagged("a", "/y")), 2u);
  auto records = trace.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].target, "/y");
}

TEST(Trace, LooksUpOneRecordById) {
  Trace trace;
  trace.begin(tagged("a", "/x"));
  const auto id = trace.begin(tagged("a", "/y"));
  ASSERT_TRUE(trace.record(id).has_value());
  EXPECT_EQ(trace.record(id)->target, "/y");
  EXPECT_FALSE(trace.record(id + 1).has_value());
}

TEST(Trace, FiltersRecordsByTag) {
  Trace trace;
  trace.begin(tagged("mine", "/1"));
  trace.begin(tagged("other", "/2"));
  trace.begin(tagged("mine", "/3"));
  auto mine = trace.records("mine");
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].target, "/1");
  EXPECT_EQ(mine[1].target, "/3");
}

TEST(Trace, KeepsTheFirstOutcomeWhenARequestEndsTwice) {
  Trace trace;
  auto id = trace.begin(tagged("t", "/x"));
  trace.end(id, Outcome::client_aborted);
  trace.end(id, Outcome::completed);
  EXPECT_EQ(trace.records()[0].outcome, Outcome::client_aborted);
  EXPECT_TRUE(trace.records()[0].finish.has_value());
}

TEST(Trace, WaitSettledReturnsOnceTheLastRequestEnds) {
  Trace trace;
  auto id = trace.begin(tagged("t", "/x"));
  EXPECT_FALSE(trace.wait_settled("t", std::chrono::milliseconds{20}));
  std::thread ender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds{30});
    trace.end(id, Outcome::completed);
  });
  EXPECT_TRUE(trace.wait_settled("t", std::chrono::seconds{5}));
  ender.join();
}

TEST(Trace, WaitCountTimesOutWhenTooFewRequestsArrive) {
  Trace trace;
  trace.begin(tagged("t", "/x"));
  EXPECT_TRUE(trace.wait_count("t", 1, std::chrono::milliseconds{10}));
  EXPECT_FALSE(trace.wait_count("t", 2, std::chrono::milliseconds{10}));
}

TEST(Trace, ResetOfOneTagLeavesTheOthers) {
  Trace trace;
  trace.begin(tagged("a", "/1"));
  trace.begin(tagged("b", "/2"));
  trace.reset("a");
  EXPECT_TRUE(trace.records("a").empty());
  EXPECT_EQ(trace.records("b").size(), 1u);
  trace.reset();
  EXPECT_TRUE(trace.records().empty());
}

TEST(Trace, JsonHasOneEntryPerRequestWithOutcomeAndTimes) {
  Trace trace;
  auto id = trace.begin(tagged("t", "/delay/1"));
  trace.response_started(id, 200);
  trace.end(id, Outcome::completed);
  trace.begin(tagged("t", "/delay/2"));
  auto j = nlohmann::json::parse(trace.to_json("t"));
  ASSERT_EQ(j["requests"].size(), 2u);
  EXPECT_EQ(j["requests"][0]["outcome"], "completed");
  EXPECT_EQ(j["requests"][0]["status"], 200);
  EXPECT_TRUE(j["requests"][0]["finish_ms"].is_number());
  EXPECT_TRUE(j["requests"][1]["finish_ms"].is_null());
  EXPECT_EQ(j["requests"][1]["outcome"], "in_progress");
}

TEST(Trace, KeepsTheNewestRecordsWithinItsBudgetAndCountsTheDropped) {
  Trace trace{10 * sizeof(TraceRecord)};
  for (int i = 0; i < 30; ++i) trace.begin(tagged("t", "/x"));
  auto records = trace.records();
  ASSERT_EQ(records.size(), 10u);
  EXPECT_EQ(records.front().id, 21u);
  EXPECT_EQ(records.back().id, 30u);
  EXPECT_EQ(trace.dropped(), 20u);
  EXPECT_LE(trace.bytes(), trace.max_bytes());
  auto j = nlohmann::json::parse(trace.to_json());
  EXPECT_EQ(j["dropped"], 20);
  EXPECT_EQ(j["requests"].size(), 10u);
}

TEST(Trace, LongTargetsCountTowardTheBudget) {
  Trace trace{1024 * 1024};
  for (int i = 0; i < 1000; ++i) trace.begin(tagged("t", std::string(8000, 'a')));
  EXPECT_LT(trace.records().size(), 140u);
  EXPECT_GT(trace.records().size(), 100u);
  EXPECT_LE(trace.bytes(), trace.max_bytes());
}

TEST(Trace, AFullResetForgetsRecordsBytesAndTheDroppedCount) {
  Trace trace{10 * sizeof(TraceRecord)};
  for (int i = 0; i < 30; ++i) trace.begin(tagged("t", std::string(100, 'a')));
  trace.reset("other");
  EXPECT_GT(trace.dropped(), 0u) << "a tag's reset keeps the count";
  trace.reset();
  EXPECT_EQ(trace.bytes(), 0u);
  EXPECT_EQ(trace.dropped(), 0u);
  EXPECT_TRUE(trace.records().empty());
  EXPECT_EQ(trace.begin(tagged("t", "/x")), 31u) << "ids keep growing";
}

TEST(Trace, ShrinkingTheBudgetDropsAtOnce) {
  Trace trace;
  for (int i = 0; i < 30; ++i) trace.begin(tagged("t", "/x"));
  trace.set_max_bytes(5 * sizeof(TraceRecord));
  EXPECT_EQ(trace.records().size(), 5u);
  EXPECT_EQ(trace.dropped(), 25u);
}

TEST(Trace, PiecesJoinIntoTheWholeJson) {
  Trace trace;
  for (int i = 0; i < 10; ++i) trace.begin(tagged(i % 2 ? "odd" : "even", "/" + std::to_string(i)));
  for (std::string tag : {"", "odd"}) {
    std::string joined;
    std::uint64_t next = 1;
    int pieces = 0;
    while ((next = trace.append_json(joined, tag, next, 3)) != 0) ++pieces;
    EXPECT_GE(pieces, 1);
    auto whole = nlohmann::json::parse(trace.to_json(tag));
    EXPECT_EQ(nlohmann::json::parse("[" + joined + "]"), whole["requests"]) << tag;
  }
}

TEST(Trace, JsonReplacesBytesThatAreNotUtf8) {
  Trace trace;
  trace.begin(tagged("\xFF", "/get?x=\xC3\x28"));
  auto j = nlohmann::json::parse(trace.to_json());
  EXPECT_EQ(j["requests"][0]["tag"], "\xEF\xBF\xBD");
  EXPECT_EQ(j["requests"][0]["target"], "/get?x=\xEF\xBF\xBD(");
}

}  // namespace
}  // namespace asynclings::server
