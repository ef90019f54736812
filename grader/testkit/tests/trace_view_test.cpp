// TraceView on hand-made records: times are milliseconds after an origin one minute ago, so
// a record still in progress ("finishes now") ends long after every finished one.
#include <asynclings/testkit/trace_view.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <optional>

namespace {

using asynclings::testkit::Clock;
using asynclings::testkit::Outcome;
using asynclings::testkit::TraceRecord;
using asynclings::testkit::TraceView;
using ::testing::ElementsAre;

const Clock::time_point origin = Clock::now() - std::chrono::minutes{1};

Clock::time_point at(double ms) {
  return origin + std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double, std::milli>{ms});
}

// A request from <arrival_ms> to <finish_ms>; without a finish it is still in progress.
TraceRecord request(std::uint64_t id, const std::string& target, double arrival_ms,
                    std::optional<double> finish_ms,
                    Outcome outcome = Outcome::completed) {
  TraceRecord r;
  r.id = id;
  r.tag = "t";
  r.method = "GET";
  r.target = target;
  r.connection = id;
  r.arrival = at(arrival_ms);
  if (finish_ms) {
    r.response_start = at(*finish_ms);
    r.finish = at(*finish_ms);
    r.status = 200;
    r.outcome = outcome;
  }
  return r;
}

TraceView view(std::vector<TraceRecord> records) { return TraceView(std::move(records), origin); }

TEST(TraceView, OrdersRecordsByArrivalWhateverOrderTheyAreGivenIn) {
  auto t = view({request(3, "/c", 30, 40), request(1, "/a", 10, 50), request(2, "/b", 20, 25)});
  EXPECT_THAT(t.targets_by_arrival(), ElementsAre("/a", "/b", "/c"));
  EXPECT_EQ(t.records().front().id, 1u);
}

TEST(TraceView, CountsPeakInFlightWhenRequestsOverlapPartially) {
  auto t = view({request(1, "/a", 0, 100), request(2, "/b", 50, 150), request(3, "/c", 120, 200)});
  EXPECT_EQ(t.peak_in_flight(), 2u);
}

TEST(TraceView, CountsEveryRequestInFlightWhenAllRunTogether) {
  auto t = view({request(1, "/a", 0, 100), request(2, "/b", 1, 100), request(3, "/c", 2, 99)});
  EXPECT_EQ(t.peak_in_flight(), 3u);
}

TEST(TraceView, DoesNotCountARequestFinishingAsTheNextArrivesAsOverlapping) {
  auto t = view({request(1, "/a", 0, 100), request(2, "/b", 100, 200), request(3, "/c", 200, 300)});
  EXPECT_EQ(t.peak_in_flight(), 1u);
  EXPECT_FALSE(t.overlap(0, 1));
}

TEST(TraceView, CountsARequestStillInProgressAsInFlightUntilNow) {
  auto t = view({request(1, "/slow", 0, std::nullopt), request(2, "/late", 30'000, 30'100)});
  EXPECT_EQ(t.peak_in_flight(), 2u);
  EXPECT_TRUE(t.overlap(0, 1));
}

TEST(TraceView, CountsAZeroLengthRequestInsideAnotherAsOverlappingIt) {
  auto t = view({request(1, "/a", 0, 100), request(2, "/instant", 50, 50)});
  EXPECT_EQ(t.peak_in_flight(), 2u);
  EXPECT_TRUE(t.overlap(0, 1));
}

TEST(TraceView, ReportsZeroPeakAndNoSpreadForAnEmptyTrace) {
  auto t = view({});
  EXPECT_EQ(t.peak_in_flight(), 0u);
  EXPECT_EQ(t.arrival_spread_ms(), 0.0);
  EXPECT_TRUE(t.gaps_ms().empty());
}

TEST(TraceView, SeesRequestsThatEachStartAfterThePreviousFinishedAsSequential) {
  auto t = view({request(1, "/a", 0, 100), request(2, "/b", 100, 200), request(3, "/c", 250, 300)});
  EXPECT_TRUE(t.sequential());
}

TEST(TraceView, SeesOverlappingRequestsAsNotSequential) {
  auto t = view({request(1, "/a", 0, 100), request(2, "/b", 150, 250), request(3, "/c", 200, 300)});
  EXPECT_FALSE(t.sequential());
}

TEST(TraceView, ToleratesAnArrivalWithinTheSlackBeforeThePreviousFinish) {
  auto t = view({request(1, "/a", 0, 100), request(2, "/b", 99.5, 200)});
  EXPECT_TRUE(t.sequential(1.0));
  EXPECT_FALSE(t.sequential(0.0));
}

TEST(TraceView, SeesARequestArrivingWhileOneIsStillInProgressAsNotSequential) {
  auto t = view({request(1, "/hanging", 0, std::nullopt), request(2, "/b", 500, 600)});
  EXPECT_FALSE(t.sequential());
}

TEST(TraceView, SaysAllOverlapWhenEveryPairSharesAMoment) {
  auto t = view({request(1, "/a", 0, 100), request(2, "/b", 10, 60), request(3, "/c", 50, 200)});
  EXPECT_TRUE(t.all_overlap());
}

TEST(TraceView, SaysNotAllOverlapWhenTheFirstEndsBeforeTheLastArrives) {
  // Chained: a overlaps b and b overlaps c, but a and c never meet.
  auto t = view({request(1, "/a", 0, 100), request(2, "/b", 50, 200), request(3, "/c", 150, 250)});
  EXPECT_TRUE(t.overlap(0, 1));
  EXPECT_TRUE(t.overlap(1, 2));
  EXPECT_FALSE(t.overlap(0, 2));
  EXPECT_FALSE(t.all_overlap());
}

TEST(TraceView, MeasuresArrivalSpreadFromFirstToLastArrival) {
  auto t = view({request(1, "/a", 10, 500), request(2, "/b", 35, 500), request(3, "/c", 22, 500)});
  EXPECT_DOUBLE_EQ(t.arrival_spread_ms(), 25.0);
}

TEST(TraceView, MeasuresTheGapFromEachFinishToTheNextArrival) {
  auto t = view({request(1, "/a", 0, 100), request(2, "/b", 150, 200), request(3, "/c", 190, 300)});
  EXPECT_THAT(t.gaps_ms(), ElementsAre(50.0, -10.0));
}

TEST(TraceView, SelectsRecordsByOutcome) {
  auto t = view({request(1, "/a", 0, 100), request(2, "/b", 10, 20, Outcome::client_aborted),
                 request(3, "/c", 30, std::nullopt), request(4, "/d", 40, 45, Outcome::client_aborted)});
  auto aborted = t.with_outcome(Outcome::client_aborted);
  ASSERT_EQ(aborted.size(), 2u);
  EXPECT_EQ(aborted[0].target, "/b");
  EXPECT_EQ(aborted[1].target, "/d");
  EXPECT_EQ(t.count(Outcome::client_aborted), 2u);
  EXPECT_EQ(t.count(Outcome::in_progress), 1u);
  EXPECT_EQ(t.count(Outcome::completed), 1u);
  EXPECT_EQ(t.count(Outcome::bad_request), 0u);
}

TEST(TraceView, SelectsRecordsWhoseTargetStartsWithAPrefix) {
  auto t = view({request(1, "/delay/100ms", 0, 100), request(2, "/status/500", 10, 20),
                 request(3, "/delay/1", 30, 40), request(4, "/get?x=/delay", 50, 60)});
  auto delays = t.with_target_prefix("/delay/");
  ASSERT_EQ(delays.size(), 2u);
  EXPECT_EQ(delays[0].target, "/delay/100ms");
  EXPECT_EQ(delays[1].target, "/delay/1");
}

TEST(TraceView, ListsTargetsInFinishOrderWithRequestsInProgressLast) {
  auto t = view({request(1, "/slow", 0, 300), request(2, "/hanging", 5, std::nullopt),
                 request(3, "/fast", 10, 100), request(4, "/medium", 20, 200)});
  EXPECT_THAT(t.targets_by_finish(), ElementsAre("/fast", "/medium", "/slow", "/hanging"));
}

TEST(TraceView, GivesTimesInMillisecondsSinceItsOrigin) {
  auto t = view({request(1, "/a", 12.5, 112.5)});
  EXPECT_DOUBLE_EQ(t.arrival_ms(0), 12.5);
  EXPECT_DOUBLE_EQ(t.finish_ms(0), 112.5);
  EXPECT_DOUBLE_EQ(t.duration_ms(0), 100.0);
  EXPECT_DOUBLE_EQ(t.ms(at(-3)), -3.0);
}

TEST(TraceView, GivesARequestInProgressTheCurrentTimeAsItsFinish) {
  auto t = view({request(1, "/hanging", 100, std::nullopt)});
  const double now_ms = t.ms(Clock::now());
  EXPECT_GE(t.finish_ms(0), now_ms);
  EXPECT_LT(t.finish_ms(0), now_ms + 1000);
  EXPECT_GE(t.duration_ms(0), now_ms - 100);
}

TEST(TraceView, RefusesAnIndexPastTheEnd) {
  auto t = view({request(1, "/a", 0, 10)});
  EXPECT_THROW(t.arrival_ms(1), std::out_of_range);
  EXPECT_THROW(t.overlap(0, 1), std::out_of_range);
}

TEST(TraceView, WritesJsonWithTimesRelativeToItsOrigin) {
  auto r = request(7, "/delay/100ms", 10, 110);
  r.response_start = at(105);
  r.method = "POST";
  r.connection = 3;
  auto json = nlohmann::json::parse(view({r}).to_json());
  ASSERT_EQ(json.at("requests").size(), 1u);
  const auto& req = json["requests"][0];
  EXPECT_EQ(req.at("id"), 7);
  EXPECT_EQ(req.at("target"), "/delay/100ms");
  EXPECT_EQ(req.at("method"), "POST");
  EXPECT_EQ(req.at("connection"), 3);
  EXPECT_DOUBLE_EQ(req.at("arrival_ms").get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(req.at("response_start_ms").get<double>(), 105.0);
  EXPECT_DOUBLE_EQ(req.at("finish_ms").get<double>(), 110.0);
  EXPECT_EQ(req.at("status"), 200);
  EXPECT_EQ(req.at("outcome"), "completed");
  EXPECT_TRUE(json.at("origin_ms").is_number());
}

TEST(TraceView, WritesNullTimesAndInProgressOutcomeForAnUnfinishedRequest) {
  auto json = nlohmann::json::parse(view({request(1, "/hanging", 5, std::nullopt)}).to_json());
  const auto& req = json.at("requests").at(0);
  EXPECT_TRUE(req.at("response_start_ms").is_null());
  EXPECT_TRUE(req.at("finish_ms").is_null());
  EXPECT_EQ(req.at("outcome"), "in_progress");
}

}  // namespace
