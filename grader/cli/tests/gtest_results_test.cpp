#include "gtest_results.hpp"

#include <gtest/gtest.h>

using namespace asynclings::grader;

namespace {
const TestResult& find(const TestReport& r, const std::string& name) {
  for (const auto& t : r.tests)
    if (t.name == name) return t;
  throw std::runtime_error("no test " + name);
}
}  // namespace

TEST(GtestResults, EveryTestOfAPlainReportGetsItsStatus) {
  const auto report = read_gtest_json(GRADER_FIXTURES "/gtest_mixed.json");
  ASSERT_EQ(report.tests.size(), 5u);
  EXPECT_EQ(find(report, "Passes").status, TestStatus::passed);
  EXPECT_EQ(find(report, "Fails").status, TestStatus::failed);
  EXPECT_EQ(find(report, "Throws").status, TestStatus::failed);
  EXPECT_EQ(find(report, "DISABLED_Skip").status, TestStatus::not_run);
  EXPECT_EQ(find(report, "Skipped").status, TestStatus::skipped);
  EXPECT_EQ(find(report, "Fails").full_name(), "S.Fails");
}

TEST(GtestResults, AFailureSayingNotImplementedYetMarksTheTestNotStarted) {
  const auto report = read_gtest_json(GRADER_FIXTURES "/gtest_mixed.json");
  EXPECT_TRUE(find(report, "Throws").not_started);
  EXPECT_FALSE(find(report, "Fails").not_started);
  EXPECT_FALSE(find(report, "Passes").not_started);
}

TEST(GtestResults, DiagnosisAndItsDetailAreReadFromTheProperties) {
  const auto report = read_gtest_json(GRADER_FIXTURES "/gtest_mixed.json");
  EXPECT_EQ(find(report, "Fails").diagnosis, "eager-start");
  EXPECT_EQ(find(report, "Fails").diagnosis_detail, "it ran early");
  ASSERT_EQ(find(report, "Fails").failures.size(), 1u);
  EXPECT_NE(find(report, "Fails").failures[0].find("[diagnosis eager-start]"), std::string::npos);
}

TEST(GtestResults, FiguresAreParsedWithValueUnitAndExpectation) {
  const auto report = read_gtest_json(GRADER_FIXTURES "/testkit_report.json");
  const auto& t = find(report, "RunsConcurrently");
  ASSERT_EQ(t.figures.size(), 2u);
  const Figure& wall = t.figures[0].name == "wall_ms" ? t.figures[0] : t.figures[1];
  EXPECT_DOUBLE_EQ(wall.value, 602.3);
  EXPECT_EQ(wall.unit, "ms");
  EXPECT_EQ(wall.expected, "<= 400");
  EXPECT_DOUBLE_EQ(t.time_ms, 612);
}

TEST(GtestResults, AMalformedFigureIsKeptAsAPlainPropertyInsteadOfFailingTheRead) {
  const auto report = read_gtest_json(GRADER_FIXTURES "/testkit_report.json");
  const auto& t = find(report, "ReturnsResultsInOrder");
  EXPECT_TRUE(t.figures.empty());
  EXPECT_EQ(t.other_properties.at("figure.results"), "not json");
}

TEST(GtestResults, TheTraceIsReadWithOpenTimesAndOutcomes) {
  const auto report = read_gtest_json(GRADER_FIXTURES "/testkit_report.json");
  const auto& trace = find(report, "RunsConcurrently").trace;
  ASSERT_EQ(trace.size(), 3u);
  EXPECT_EQ(trace[0].id, 1u);
  EXPECT_EQ(trace[0].target, "/delay/200?tag=t1");
  ASSERT_TRUE(trace[0].finish_ms.has_value());
  EXPECT_DOUBLE_EQ(*trace[0].finish_ms, 201.4);
  EXPECT_EQ(trace[2].outcome, "client_aborted");
  EXPECT_FALSE(trace[2].response_start_ms.has_value());
}

TEST(GtestResults, TextThatIsNotAReportIsAnErrorNotACrash) {
  EXPECT_THROW(parse_gtest_json("{\"tests\": 3"), ResultsError);
  EXPECT_THROW(parse_gtest_json("[1, 2]"), ResultsError);
  EXPECT_THROW(read_gtest_json("/nonexistent/results.json"), ResultsError);
}

TEST(GtestResults, AMalformedTraceGivesNoRequestsRatherThanAnError) {
  EXPECT_TRUE(parse_trace("{\"requests\": 5}").empty());
  EXPECT_TRUE(parse_trace("garbage").empty());
  EXPECT_EQ(parse_trace(R"({"requests":[{"id":4,"target":"/get","arrival_ms":1}]})").size(), 1u);
}
