// The class view of grade-batch: per exercise, the verdict counts, the diagnosis histogram,
// the unnamed failures and the median attempt time, from gradebook rows; its JSON, CSV and
// HTML; and what a gradebook row keeps of a report for it.
#include "batch/class_view.hpp"
#include "batch/gradebook.hpp"
#include "render/render.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace asynclings::grader;
using json = nlohmann::json;

namespace {

std::vector<GradebookColumn> two_columns() {
  return {{"ch01-generators", "ex1", "generator", {"ex1_generator.hpp"}},
          {"ch01-generators", "ex2", "send", {"ex2_send.hpp"}}};
}

ExerciseGrade grade(const GradebookColumn& column, const std::string& verdict, std::vector<std::string> diagnoses = {},
                    std::optional<double> attempt_ms = 1000) {
  ExerciseGrade g;
  g.column = column;
  g.verdict = verdict;
  g.diagnoses = std::move(diagnoses);
  g.attempt_ms = attempt_ms;
  return g;
}

GradebookRow row(const std::string& student, std::vector<ExerciseGrade> grades) {
  GradebookRow r;
  r.student = student;
  r.status = SubmissionStatus::graded;
  r.exercises = std::move(grades);
  return r;
}

// Six students of ch01 ex1/ex2: two eager starts (one also leaks its frame), one leak, one
// pass, one forged report that names a mistake, one unnamed failure; ex2 mostly untouched.
std::vector<GradebookRow> a_class() {
  const auto c = two_columns();
  return {
      row("ann", {grade(c[0], "failed", {"eager-start"}, 4000), grade(c[1], "not_started", {}, 2000)}),
      row("bob", {grade(c[0], "failed", {"eager-start", "frame-leak"}, 5000), grade(c[1], "passed", {}, 3000)}),
      row("cat", {grade(c[0], "failed", {"frame-leak"}, 6000), grade(c[1], "timed_out", {}, 31000)}),
      row("dan", {grade(c[0], "passed", {}, 7000), grade(c[1], "crashed", {}, 2500)}),
      row("eve", {grade(c[0], "tampered", {"eager-start"}, 0), grade(c[1], "compile_error", {}, 1500)}),
      row("fay", {grade(c[0], "failed", {}, 8000), grade(c[1], "not_started", {}, 2000)}),
  };
}

std::string slurp_between(const std::string& text, const std::string& from, const std::string& to) {
  const auto a = text.find(from);
  if (a == std::string::npos) return {};
  const auto b = text.find(to, a);
  return text.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

}  // namespace

// ---- Aggregation ------------------------------------------------------------------------------

TEST(ClassView, CountsEverySubmissionOnceUnderItsVerdictInEachExercise) {
  const auto view = make_class_view(two_columns(), a_class());
  ASSERT_EQ(view.exercises.size(), 2u);
  const auto& ex1 = view.exercises[0];
  EXPECT_EQ(ex1.column.label(), "ch01-generators/ex1");
  EXPECT_EQ(ex1.submissions, 6);
  EXPECT_EQ(ex1.count("failed"), 4);
  EXPECT_EQ(ex1.count("passed"), 1);
  EXPECT_EQ(ex1.count("tampered"), 1);
  const auto& ex2 = view.exercises[1];
  EXPECT_EQ(ex2.count("not_started"), 2);
  EXPECT_EQ(ex2.count("passed"), 1);
  EXPECT_EQ(ex2.count("timed_out"), 1);
  EXPECT_EQ(ex2.count("crashed"), 1);
  EXPECT_EQ(ex2.count("compile_error"), 1);
  int sum = 0;
  for (const auto& [name, n] : ex2.verdicts) sum += n;
  EXPECT_EQ(sum, 6) << "every submission is in exactly one verdict";
}

TEST(ClassView, HasACountForEveryVerdictNameEvenWhenNoSubmissionGotIt) {
  const auto view = make_class_view(two_columns(), a_class());
  for (const auto& name : class_view_verdicts()) EXPECT_EQ(view.exercises[0].verdicts.count(name), 1u) << name;
  EXPECT_EQ(view.exercises[0].count("crashed"), 0);
  EXPECT_EQ(class_view_verdicts().front(), "passed");
  EXPECT_EQ(class_view_verdicts().back(), "missing");
}

TEST(ClassView, CountsASubmissionOncePerMistakeHoweverManyOfItsTestsNamedIt) {
  const auto c = two_columns();
  const auto view = make_class_view(c, {row("ann", {grade(c[0], "failed", {"eager-start", "eager-start"}), grade(c[1], "passed")})});
  ASSERT_EQ(view.exercises[0].mistakes.size(), 1u);
  EXPECT_EQ(view.exercises[0].mistakes[0].diagnosis, "eager-start");
  EXPECT_EQ(view.exercises[0].mistakes[0].submissions, 1);
}

TEST(ClassView, ListsTheMistakeMostSubmissionsMadeFirstAndTiesByName) {
  const auto c = two_columns();
  const auto view = make_class_view(c, {row("a", {grade(c[0], "failed", {"zebra", "middle"}), grade(c[1], "passed")}),
                                        row("b", {grade(c[0], "failed", {"zebra", "apple"}), grade(c[1], "passed")}),
                                        row("c", {grade(c[0], "failed", {"zebra"}), grade(c[1], "passed")})});
  const auto& m = view.exercises[0].mistakes;
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].diagnosis, "zebra");
  EXPECT_EQ(m[0].submissions, 3);
  EXPECT_EQ(m[1].diagnosis, "apple");
  EXPECT_EQ(m[2].diagnosis, "middle");
}

TEST(ClassView, TheHistogramCountsEachSubmissionWhoseFailingTestsNamedTheMistake) {
  const auto view = make_class_view(two_columns(), a_class());
  const auto& m = view.exercises[0].mistakes;
  ASSERT_EQ(m.size(), 2u);
  // ann and bob started eagerly (eve's forged report is not believed); bob and cat leaked.
  EXPECT_EQ(m[0].diagnosis, "eager-start");
  EXPECT_EQ(m[0].submissions, 2);
  EXPECT_EQ(m[1].diagnosis, "frame-leak");
  EXPECT_EQ(m[1].submissions, 2);
  EXPECT_TRUE(view.exercises[1].mistakes.empty());
}

TEST(ClassView, DoesNotBelieveTheDiagnosesOfATamperedExercise) {
  const auto c = two_columns();
  const auto view = make_class_view(c, {row("eve", {grade(c[0], "tampered", {"eager-start"}), grade(c[1], "passed")})});
  EXPECT_TRUE(view.exercises[0].mistakes.empty());
  EXPECT_EQ(view.exercises[0].count("tampered"), 1);
  EXPECT_EQ(view.exercises[0].failed_unnamed, 0);
}

TEST(ClassView, CountsAFailureWhoseTestsNamedNoMistakeAsUnnamed) {
  const auto view = make_class_view(two_columns(), a_class());
  EXPECT_EQ(view.exercises[0].failed_unnamed, 1);  // fay
  EXPECT_EQ(view.exercises[1].failed_unnamed, 0) << "a hang, a crash or a stub is not an unnamed failure";
}

TEST(ClassView, TakesTheMedianAttemptTimeOfTheSubmissionsWhoseReportHasTheExercise) {
  const auto view = make_class_view(two_columns(), a_class());
  // ex1: 0, 4000, 5000, 6000, 7000, 8000 -> (5000 + 6000) / 2.
  ASSERT_TRUE(view.exercises[0].median_attempt_ms);
  EXPECT_DOUBLE_EQ(*view.exercises[0].median_attempt_ms, 5500);
  EXPECT_EQ(view.exercises[0].attempts_timed, 6);
  // ex2: 1500, 2000, 2000, 2500, 3000, 31000 -> (2000 + 2500) / 2: one hang does not move it far.
  EXPECT_DOUBLE_EQ(*view.exercises[1].median_attempt_ms, 2250);
}

TEST(ClassView, TheMedianOfAnOddNumberOfAttemptsIsTheMiddleOne) {
  const auto c = two_columns();
  const auto view = make_class_view(c, {row("a", {grade(c[0], "passed", {}, 9000), grade(c[1], "passed")}),
                                        row("b", {grade(c[0], "passed", {}, 1000), grade(c[1], "passed")}),
                                        row("c", {grade(c[0], "passed", {}, 3000), grade(c[1], "passed")})});
  EXPECT_DOUBLE_EQ(*view.exercises[0].median_attempt_ms, 3000);
}

TEST(ClassView, ASubmissionWithoutAReportIsMissingInEveryExerciseAndTakesNoPartInTheMedian) {
  const auto c = two_columns();
  auto rows = a_class();
  rows.push_back(row_without_report("gus", c, SubmissionStatus::timed_out, "grading took longer than the limit"));
  rows.push_back(row_without_report("hal", c, SubmissionStatus::empty, "no exercises/ folder"));
  const auto view = make_class_view(c, rows);
  EXPECT_EQ(view.students, 8);
  EXPECT_EQ(view.exercises[0].submissions, 8);
  EXPECT_EQ(view.exercises[0].count("missing"), 2);
  EXPECT_EQ(view.exercises[1].count("missing"), 2);
  EXPECT_EQ(view.exercises[0].attempts_timed, 6);
  EXPECT_DOUBLE_EQ(*view.exercises[0].median_attempt_ms, 5500);
}

TEST(ClassView, CountsTheSubmissionsByHowTheirGradingEnded) {
  const auto c = two_columns();
  auto rows = a_class();
  rows.push_back(row_without_report("gus", c, SubmissionStatus::timed_out, "too long"));
  const auto view = make_class_view(c, rows);
  EXPECT_EQ(view.statuses.at("graded"), 6);
  EXPECT_EQ(view.statuses.at("timed_out"), 1);
  EXPECT_EQ(view.statuses.at("crashed"), 0);
  EXPECT_EQ(view.statuses.size(), 6u) << "every status, zeros included";
}

TEST(ClassView, AnExerciseNoReportHadHasNoMedian) {
  const auto c = two_columns();
  const auto view = make_class_view(c, {row_without_report("hal", c, SubmissionStatus::empty, "nothing")});
  EXPECT_FALSE(view.exercises[0].median_attempt_ms);
  EXPECT_EQ(view.exercises[0].attempts_timed, 0);
}

TEST(ClassView, AVerdictNameItDoesNotKnowCountsAsAGradingError) {
  const auto c = two_columns();
  const auto view = make_class_view(c, {row("a", {grade(c[0], "exploded"), grade(c[1], "passed")})});
  EXPECT_EQ(view.exercises[0].count("error"), 1);
  EXPECT_EQ(view.exercises[0].verdicts.count("exploded"), 0u);
}

TEST(ClassView, AnEmptyClassHasEveryExerciseWithZeroSubmissions) {
  const auto view = make_class_view(two_columns(), {});
  ASSERT_EQ(view.exercises.size(), 2u);
  EXPECT_EQ(view.exercises[0].submissions, 0);
  EXPECT_FALSE(view.exercises[0].median_attempt_ms);
  EXPECT_NO_THROW(render_class_view_html(view, "nobody"));
}

// ---- From a `grader check` report to a gradebook row -------------------------------------------

TEST(ClassViewFromReports, TheAttemptTimeIsTheExercisesBuildPlusItsRun) {
  const json report = {{"schema", "asynclings-grader/1"},
                       {"exercises", {{{"chapter", "ch01-generators"}, {"id", "ex1"}, {"status", "failed"},
                                       {"build_ms", 1500.0}, {"elapsed_ms", 250.5}, {"tests", json::array()}}}}};
  const auto r = row_from_report("ann", two_columns(), report.dump());
  ASSERT_TRUE(r.exercises[0].attempt_ms);
  EXPECT_DOUBLE_EQ(*r.exercises[0].attempt_ms, 1750.5);
  EXPECT_FALSE(r.exercises[1].attempt_ms) << "ex2 is not in the report";
  const json gradebook = json::parse(render_gradebook_json({r}));
  EXPECT_EQ(gradebook[0]["exercises"][0]["attempt_ms"], 1750.5);
  EXPECT_TRUE(gradebook[0]["exercises"][1]["attempt_ms"].is_null());
}

TEST(ClassViewFromReports, OnlyTheDiagnosesOfFailingTestsCount) {
  const json tests = {{{"name", "G.A"}, {"status", "passed"}, {"diagnosis", "eager-start"}},
                      {{"name", "G.B"}, {"status", "failed"}, {"diagnosis", "frame-leak"}},
                      {{"name", "G.C"}, {"status", "failed"}, {"diagnosis", nullptr}}};
  const json report = {{"schema", "asynclings-grader/1"},
                       {"exercises", {{{"chapter", "ch01-generators"}, {"id", "ex1"}, {"status", "failed"}, {"tests", tests}}}}};
  const auto r = row_from_report("ann", two_columns(), report.dump());
  EXPECT_EQ(r.exercises[0].diagnoses, (std::vector<std::string>{"frame-leak"}));
}

// ---- JSON, CSV, HTML ------------------------------------------------------------------------------

TEST(ClassViewJson, HasTheStudentsTheStatusesAndPerExerciseEveryVerdictTheMistakesInOrderAndTheMedian) {
  const json j = json::parse(render_class_view_json(make_class_view(two_columns(), a_class())));
  EXPECT_EQ(j["schema"], "asynclings-class-view/1");
  EXPECT_EQ(j["students"], 6);
  EXPECT_EQ(j["statuses"]["graded"], 6);
  ASSERT_EQ(j["exercises"].size(), 2u);
  const auto& ex1 = j["exercises"][0];
  EXPECT_EQ(ex1["label"], "ch01-generators/ex1");
  EXPECT_EQ(ex1["chapter"], "ch01-generators");
  EXPECT_EQ(ex1["id"], "ex1");
  EXPECT_EQ(ex1["name"], "generator");
  EXPECT_EQ(ex1["submissions"], 6);
  EXPECT_EQ(ex1["verdicts"].size(), class_view_verdicts().size());
  EXPECT_EQ(ex1["verdicts"]["failed"], 4);
  EXPECT_EQ(ex1["verdicts"]["crashed"], 0);
  EXPECT_EQ(ex1["mistakes"], json::parse(R"([{"diagnosis":"eager-start","submissions":2},{"diagnosis":"frame-leak","submissions":2}])"));
  EXPECT_EQ(ex1["failed_unnamed"], 1);
  EXPECT_EQ(ex1["median_attempt_s"], 5.5);
  EXPECT_EQ(ex1["attempts_timed"], 6);
}

TEST(ClassViewJson, AnExerciseWithoutAttemptsHasANullMedian) {
  const auto c = two_columns();
  const json j = json::parse(render_class_view_json(make_class_view(c, {row_without_report("hal", c, SubmissionStatus::empty, "")})));
  EXPECT_TRUE(j["exercises"][0]["median_attempt_s"].is_null());
}

TEST(ClassViewCsv, HasOneRowPerExerciseWithEveryVerdictAndOneColumnPerMistakeOfTheBatch) {
  const std::string csv = render_class_view_csv(make_class_view(two_columns(), a_class()));
  std::istringstream lines(csv);
  std::string header, ex1, ex2, extra;
  std::getline(lines, header);
  std::getline(lines, ex1);
  std::getline(lines, ex2);
  EXPECT_FALSE(std::getline(lines, extra)) << csv;
  EXPECT_EQ(header,
            "exercise,name,submissions,passed,failed,not_started,compile_error,crashed,timed_out,tampered,error,"
            "interrupted,missing,failed_unnamed,median_attempt_s,attempts_timed,mistake:eager-start,mistake:frame-leak");
  EXPECT_EQ(ex1, "ch01-generators/ex1,generator,6,1,4,0,0,0,0,1,0,0,0,1,5.5,6,2,2");
  EXPECT_EQ(ex2, "ch01-generators/ex2,send,6,1,0,2,1,1,1,0,0,0,0,0,2.3,6,0,0");
}

TEST(ClassViewCsv, DefusesAMistakeNameASpreadsheetWouldRunAsAFormula) {
  const auto c = two_columns();
  const std::string csv =
      render_class_view_csv(make_class_view(c, {row("a", {grade(c[0], "failed", {"=cmd|x"}), grade(c[1], "passed")})}));
  EXPECT_NE(csv.find(",mistake:=cmd|x"), std::string::npos) << "it starts with mistake:, so it is text: " << csv;
}

TEST(ClassViewHtml, IsOneSelfContainedPageThatLoadsAndRunsNothing) {
  const std::string html = render_class_view_html(make_class_view(two_columns(), a_class()), "ch01-generators, class");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* fetches : {"<script", "<link", "<img", "src=", "url(", "@import", "https://"})
    EXPECT_EQ(html.find(fetches), std::string::npos) << fetches;
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(ClassViewHtml, CarriesEveryCountAsAnAttributeOfTheExercisesSection) {
  const std::string html = render_class_view_html(make_class_view(two_columns(), a_class()), "class");
  const std::string ex1 = slurp_between(html, "<section class=\"exercise\" id=\"ch01-generators-ex1\"", "</section>");
  ASSERT_FALSE(ex1.empty()) << html;
  EXPECT_NE(ex1.find("data-submissions=\"6\""), std::string::npos);
  EXPECT_NE(ex1.find("data-verdict=\"failed\" data-count=\"4\""), std::string::npos);
  EXPECT_NE(ex1.find("data-verdict=\"tampered\" data-count=\"1\""), std::string::npos);
  EXPECT_NE(ex1.find("<tr class=\"mistake\" data-diagnosis=\"eager-start\" data-count=\"2\">"), std::string::npos);
  EXPECT_NE(ex1.find("<tr class=\"unnamed\" data-count=\"1\">"), std::string::npos);
  EXPECT_NE(ex1.find("data-median-ms=\"5500\""), std::string::npos);
  EXPECT_EQ(ex1.find("data-verdict=\"crashed\""), std::string::npos) << "no bar for a verdict nobody got";
}

TEST(ClassViewHtml, EscapesNamesThatCameFromReports) {
  const auto c = two_columns();
  const std::string html = render_class_view_html(
      make_class_view(c, {row("a", {grade(c[0], "failed", {"<b>x</b>\"y"}), grade(c[1], "passed")})}), "<i>t</i>");
  EXPECT_EQ(html.find("<b>x</b>"), std::string::npos);
  EXPECT_EQ(html.find("<i>t</i>"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;x&lt;/b&gt;"), std::string::npos);
}

TEST(ClassViewFiles, LiveBesideTheGradebookWithClassInTheirName) {
  const auto files = class_view_files("/marks/gradebook.csv");
  EXPECT_EQ(files.json, "/marks/gradebook.class.json");
  EXPECT_EQ(files.csv, "/marks/gradebook.class.csv");
  EXPECT_EQ(files.html, "/marks/gradebook.class.html");
  EXPECT_EQ(class_view_files("out/book.json").csv, "out/book.class.csv");
}
