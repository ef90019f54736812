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

}  // namespace
}  // namespace asynclings::server
