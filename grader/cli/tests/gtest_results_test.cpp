#include "core/gtest_results.hpp"

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

TEST(GtestResults, NonAsciiTextThatGoogleTestEscapedByteByByteIsReadBackAsUtf8) {
  // What GoogleTest writes for a figure expecting "≈ 150" and a diagnosis with "…" and "é".
  const std::string text = R"({"testsuites": [{"name": "S", "testsuite": [{"name": "T", "classname": "S",
    "status": "RUN", "result": "COMPLETED", "time": "0.1s",
    "figure.wall_ms": "{\"value\":151,\"unit\":\"ms\",\"expected\":\"\u00E2\u0089\u0088 150\"}",
    "diagnosis_detail": "caf\u00C3\u00A9 \u00E2\u0080\u00A6 done",
    "other": "plain \u00FC is not UTF-8 on its own"}]}]})";
  const auto report = parse_gtest_json(text);
  const auto& t = find(report, "T");
  ASSERT_EQ(t.figures.size(), 1u);
  EXPECT_EQ(t.figures[0].expected, "\xE2\x89\x88 150");
  EXPECT_EQ(t.diagnosis_detail, "caf\xC3\xA9 \xE2\x80\xA6 done");
  // A lone Latin-1 byte is not valid UTF-8: the text stays as parsed (ü in UTF-8).
  EXPECT_EQ(t.other_properties.at("other"), "plain \xC3\xBC is not UTF-8 on its own");
}
