// The text `grader check` prints, from a test binary's run to the rendered report: a test
// binary (the hostile helper posing as GoogleTest) writes a testkit report with figures, a
// diagnosis and a trace; the grader grades it as it grades a chapter's binary and renders it.
// The snapshot is fixtures/check_text_failing.txt (run times normalised to "N ms").
#include "core/grading.hpp"
#include "render/render.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

using namespace asynclings::grader;

namespace {

ExerciseReport graded(const std::string& id, const std::string& name, const char* fixture, const char* exit_code) {
  ExerciseReport r;
  r.chapter = "ch03-gather";
  r.id = id;
  r.name = name;
  r.title = "Gather the results";
  r.hints_total = 3;
  r.hints_read = 1;
  GradeOptions o;
  o.time_limit = std::chrono::seconds(20);
  o.results_channel = false;  // the fake binary copies a report and says nothing on the channel
  o.extra_env = {"GRADER_HOSTILE_MODE=fake_gtest", std::string("GRADER_FAKE_RESULTS=") + GRADER_FIXTURES + "/" + fixture,
                 std::string("GRADER_FAKE_EXIT=") + exit_code};
  grade_binary(GRADER_HOSTILE, o, r);
  return r;
}

// What run_check prints to stdout in text format: each exercise as it is graded, a blank
// line after each, then the summary.
std::string check_text(const Report& report) {
  std::string out;
  for (const auto& e : report.exercises) out += render_exercise_text(e, Style(false)) + "\n";
  return out + render_summary_text(report, Style(false));
}

std::string normalise_times(const std::string& text) {
  return std::regex_replace(text, std::regex("tests passed, [0-9]+ ms"), "tests passed, N ms");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(CheckText, AFailingExerciseShowsItsTimelineUnderItsOwnHeadingAsInTheSnapshot) {
  Report report;
  report.exercises.push_back(graded("ex2", "gather", "testkit_report.json", "1"));
  report.exercises.push_back(graded("ex3", "race", "gtest_pass.json", "0"));
  ASSERT_EQ(report.exercises[0].verdict, Verdict::failed) << report.exercises[0].message;
  ASSERT_EQ(report.exercises[1].verdict, Verdict::passed) << report.exercises[1].message;
  const std::string text = normalise_times(check_text(report));

  // The timeline sits between the failing exercise's heading and the next exercise's.
  const auto failing = text.find("FAIL           ch03-gather ex2 gather");
  const auto timeline = text.find("      requests as the server saw them:\n");
  const auto first_bar = text.find("#1 /delay/200");
  const auto aborted = text.find("#3 /delay/1000");
  const auto next = text.find("PASS           ch03-gather ex3 race");
  ASSERT_NE(failing, std::string::npos) << text;
  ASSERT_NE(timeline, std::string::npos) << text;
  ASSERT_NE(next, std::string::npos) << text;
  EXPECT_LT(failing, timeline);
  EXPECT_LT(timeline, first_bar);
  EXPECT_LT(first_bar, aborted);
  EXPECT_LT(aborted, next);
  EXPECT_NE(text.find("diagnosis: sequential-awaits"), std::string::npos);

  const std::string snapshot_path = GRADER_FIXTURES "/check_text_failing.txt";
  if (std::getenv("GRADER_UPDATE_SNAPSHOTS")) std::ofstream(snapshot_path) << text;
  EXPECT_EQ(text, read_file(snapshot_path)) << "to accept a deliberate change: GRADER_UPDATE_SNAPSHOTS=1 grader_tests";
}

TEST(CheckText, ColourAddsEscapeCodesAndNothingElseSoColumnsStayAligned) {
  const ExerciseReport e = graded("ex2", "gather", "testkit_report.json", "1");
  const std::string plain = render_exercise_text(e, Style(false));
  const std::string coloured = render_exercise_text(e, Style(true));
  ASSERT_NE(coloured.find('\033'), std::string::npos);
  EXPECT_EQ(std::regex_replace(coloured, std::regex("\033\\[[0-9;]*m"), ""), plain);
}
