#include "render/timeline.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace asynclings::grader;

namespace {

TraceRequest request(std::uint64_t id, double arrival, std::optional<double> finish, const char* outcome = "completed") {
  TraceRequest r;
  r.id = id;
  r.target = "/delay/100";
  r.arrival_ms = arrival;
  r.finish_ms = finish;
  r.status = 200;
  r.outcome = outcome;
  return r;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The bar part of a row: after the label column.
std::string bar(const std::string& row, const TimelineOptions& o) { return row.substr(static_cast<std::size_t>(o.label_width) + 1, static_cast<std::size_t>(o.width)); }

}  // namespace

TEST(Timeline, NoRequestsDrawNothing) { EXPECT_EQ(draw_timeline({}), ""); }

TEST(Timeline, SequentialRequestsDrawAsAStaircaseScaledToTheWidth) {
  TimelineOptions o;
  o.width = 60;
  const auto text = draw_timeline({request(1, 1000, 1100), request(2, 1100, 1200), request(3, 1200, 1300)}, o);
  const auto rows = lines(text);
  ASSERT_GE(rows.size(), 3u);
  const std::string first = bar(rows[0], o), second = bar(rows[1], o), third = bar(rows[2], o);
  // The first starts at column 0, the last ends at the last column; each is a third wide.
  EXPECT_EQ(first.find('='), 0u);
  EXPECT_EQ(third.find('|'), 59u);
  EXPECT_NEAR(static_cast<double>(first.find('|')), 19.0, 1.0);
  EXPECT_NEAR(static_cast<double>(second.find('=')), 19.0, 1.0);
  EXPECT_NE(text.find("300 ms"), std::string::npos) << text;  // the axis spans 300 ms
}

TEST(Timeline, ConcurrentRequestsOverlapOnTheSameColumns) {
  TimelineOptions o;
  const auto rows = lines(draw_timeline({request(1, 0, 200), request(2, 1, 200), request(3, 2, 201)}, o));
  for (int i = 0; i < 3; ++i) {
    const std::string b = bar(rows[static_cast<std::size_t>(i)], o);
    EXPECT_LE(b.find('='), 1u) << rows[static_cast<std::size_t>(i)];
    EXPECT_GE(b.find('|'), 58u) << rows[static_cast<std::size_t>(i)];
  }
}

TEST(Timeline, AnAbortedRequestEndsInAnXAndTheLegendExplainsIt) {
  const auto text = draw_timeline({request(1, 0, 100), request(2, 0, 50, "client_aborted")});
  const auto rows = lines(text);
  EXPECT_NE(rows[1].find("=x"), std::string::npos) << text;
  EXPECT_NE(rows[1].find("aborted"), std::string::npos) << text;
  EXPECT_NE(text.find("x aborted by the client"), std::string::npos) << text;
  EXPECT_EQ(rows[0].find('x'), std::string::npos) << text;
}

TEST(Timeline, TheLegendMentionsAbortsOnlyWhenThereAreAny) {
  EXPECT_EQ(draw_timeline({request(1, 0, 100)}).find("aborted"), std::string::npos);
}

TEST(Timeline, AnUnfinishedRequestRunsToTheEndMarkedOpen) {
  TimelineOptions o;
  const auto text = draw_timeline({request(1, 0, 100), request(2, 10, std::nullopt, "in_progress")}, o);
  const auto rows = lines(text);
  EXPECT_EQ(bar(rows[1], o).back(), '>') << text;
  EXPECT_NE(text.find("still open"), std::string::npos);
}

TEST(Timeline, RowsAreOrderedByArrivalAndLabelledWithIdAndTarget) {
  const auto rows = lines(draw_timeline({request(2, 50, 100), request(1, 0, 100)}));
  EXPECT_EQ(rows[0].rfind("#1 /delay/100", 0), 0u) << rows[0];
  EXPECT_EQ(rows[1].rfind("#2 /delay/100", 0), 0u) << rows[1];
}

TEST(Timeline, AThousandRequestsAreSummarisedNotDrawnInFull) {
  std::vector<TraceRequest> many;
  for (int i = 0; i < 1000; ++i) many.push_back(request(static_cast<std::uint64_t>(i + 1), i, i + 100.0));
  TimelineOptions o;
  o.max_rows = 10;
  const auto text = draw_timeline(many, o);
  EXPECT_LT(lines(text).size(), 20u);
  EXPECT_NE(text.find("990 more requests"), std::string::npos) << text;
  EXPECT_NE(text.find("#1000 "), std::string::npos) << text;  // the last one is drawn
}

TEST(Timeline, EveryRowFitsTheRequestedWidth) {
  TimelineOptions o;
  o.width = 40;
  o.label_width = 12;
  TraceRequest r = request(1, 0, 100);
  r.target = "/a/very/long/target/that/does/not/fit?tag=abcdefgh";
  for (const auto& line : lines(draw_timeline({r, request(2, 0, 50, "client_aborted")}, o)))
    if (line.rfind('#', 0) == 0) EXPECT_LE(line.size(), static_cast<std::size_t>(o.label_width + 1 + o.width + 2 + 20)) << line;
}

TEST(Timeline, ASharedSpanDrawsTwoTimelinesOnOneScale) {
  // 100 ms of requests drawn on a 400 ms axis fill a quarter of the width.
  TimelineOptions o;
  o.width = 61;
  EXPECT_DOUBLE_EQ(timeline_span_ms({request(1, 1000, 1100), request(2, 1050, 1080)}), 100.0);
  o.span_ms = 400;
  const auto rows = lines(draw_timeline({request(1, 1000, 1100)}, o));
  ASSERT_GE(rows.size(), 3u);
  EXPECT_NEAR(static_cast<double>(bar(rows[0], o).find('|')), 15.0, 1.0) << rows[0];
  EXPECT_NE(rows[2].find("400 ms"), std::string::npos) << rows[2];
}
