#include "render/render.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstdio>

using namespace asynclings::grader;

namespace {

ExerciseReport failing_exercise() {
  ExerciseReport e;
  e.chapter = "ch03-gather";
  e.id = "ex2";
  e.name = "gather";
  e.title = "Gather the results";
  e.verdict = Verdict::failed;
  e.hints_total = 3;
  e.hints_read = 1;
  e.tests = read_gtest_json(GRADER_FIXTURES "/testkit_report.json").tests;
  return e;
}

ExerciseReport compile_error_exercise() {
  ExerciseReport e;
  e.chapter = "ch03-gather";
  e.id = "ex3";
  e.name = "race";
  e.verdict = Verdict::compile_error;
  CompileError c;
  c.file = "exercises/ch03-gather/ex3_race.hpp";
  c.line = 12;
  c.column = 5;
  c.message = "'fetch' was not declared in this scope";
  c.source_line = "    fetch(url);";
  c.reading = explain_error(c.message);
  e.compile_error = c;
  e.build_log_file = "/work/build/grader-logs/ch03-gather-ex3-exercise.build.log";
  return e;
}

}  // namespace

TEST(RenderText, AFailingExerciseShowsFiguresDiagnosisTimelineAndTheNextHint) {
  const std::string text = render_exercise_text(failing_exercise(), Style(false));
  EXPECT_NE(text.find("FAIL"), std::string::npos) << text;
  EXPECT_NE(text.find("ch03-gather ex2 gather"), std::string::npos);
  EXPECT_NE(text.find("wall"), std::string::npos);
  EXPECT_NE(text.find("602.3 ms"), std::string::npos) << text;
  EXPECT_NE(text.find("expected <= 400"), std::string::npos);
  EXPECT_NE(text.find("diagnosis: sequential-awaits"), std::string::npos);
  EXPECT_NE(text.find("#1 /delay/200"), std::string::npos) << text;
  EXPECT_NE(text.find("x aborted by the client"), std::string::npos) << text;
  EXPECT_NE(text.find("hint 2 of 3: grader hint ch03 ex2"), std::string::npos) << text;
}

// The failing test of failing_exercise() with the reference solution's run of it: the first
// request cut short by the client at 150 ms, the others as the server saw them.
ExerciseReport with_reference_run() {
  ExerciseReport e = failing_exercise();
  e.expected_shapes.every_test = ExpectedShape{ExpectedShape::Kind::concurrent, 0};
  auto& first = e.tests.front();
  auto reference = first.trace;
  reference.front().finish_ms = reference.front().arrival_ms + 1.0;
  reference.front().outcome = "client_aborted";
  e.reference_traces[first.full_name()] = reference;
  return e;
}

TEST(RenderText, AFailingTestWithAReferenceRunShowsACorrectSolutionsTimelineBelowItsOwn) {
  const std::string text = render_exercise_text(with_reference_run(), Style(false));
  const auto own = text.find("requests as the server saw them:");
  const auto correct = text.find("a correct solution:");
  ASSERT_NE(own, std::string::npos) << text;
  ASSERT_NE(correct, std::string::npos) << text;
  EXPECT_LT(own, correct);
  EXPECT_EQ(text.find("a correct solution:", correct + 1), std::string::npos)
      << "one per failing test with a reference";
  EXPECT_EQ(render_exercise_text(failing_exercise(), Style(false)).find("a correct solution:"),
            std::string::npos);
}

TEST(RenderText, WithoutTheReferenceTheTextSaysWhy) {
  ExerciseReport e = failing_exercise();
  e.reference_note = "this copy has no reference solution (solutions/ch03-gather)";
  EXPECT_NE(render_exercise_text(e, Style(false)).find("this copy has no reference solution"),
            std::string::npos);
}

TEST(RenderJson, TheExpectedTimelineIsTheReferenceRunWhenThereIsOneElseTheShape) {
  Report report;
  report.exercises = {with_reference_run(), failing_exercise()};
  report.exercises[1].expected_shapes.every_test =
      ExpectedShape{ExpectedShape::Kind::concurrent, 0};
  const auto j = nlohmann::json::parse(render_json(report));
  const auto& from_reference = j["exercises"][0]["tests"][0]["expected_timeline"];
  EXPECT_EQ(from_reference["source"], "reference");
  EXPECT_EQ(from_reference["bars"][0]["outcome"], "client_aborted");
  EXPECT_NEAR(from_reference["bars"][0]["end_ms"].get<double>() -
                  from_reference["bars"][0]["start_ms"].get<double>(),
              1.0, 1e-9);
  EXPECT_EQ(j["exercises"][1]["tests"][0]["expected_timeline"]["source"], "durations");
  EXPECT_TRUE(j["exercises"][0]["reference_note"].is_null());
}

TEST(RenderText, ACompileErrorShowsTheLocationTheLineTheReadingAndTheLogFile) {
  const std::string text = render_exercise_text(compile_error_exercise(), Style(false));
  EXPECT_NE(text.find("COMPILE ERROR"), std::string::npos);
  EXPECT_NE(text.find("exercises/ch03-gather/ex3_race.hpp:12:5"), std::string::npos) << text;
  EXPECT_NE(text.find("   12 |     fetch(url);"), std::string::npos) << text;
  EXPECT_NE(text.find("missing #include"), std::string::npos);
  EXPECT_NE(text.find("grader-logs/ch03-gather-ex3-exercise.build.log"), std::string::npos);
}

TEST(RenderText, WithoutColourTheOutputHoldsNoEscapeSequences) {
  EXPECT_EQ(render_exercise_text(failing_exercise(), Style(false)).find('\033'), std::string::npos);
  EXPECT_NE(render_exercise_text(failing_exercise(), Style(true)).find('\033'), std::string::npos);
}

TEST(RenderText, NoColorInTheEnvironmentDisablesColourEvenOnATerminal) {
  setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(colour_allowed(stdout));
  unsetenv("NO_COLOR");
}

TEST(RenderText, OutputThatIsNotATerminalGetsNoColour) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  unsetenv("NO_COLOR");
  EXPECT_FALSE(colour_allowed(file));
  std::fclose(file);
}

TEST(ExitCode, ZeroWhenAllPassOneWhenSomeFailTwoWhenSomeCouldNotBeGraded) {
  Report report;
  ExerciseReport e;
  e.verdict = Verdict::passed;
  report.exercises = {e};
  EXPECT_EQ(exit_code(report), 0);
  e.verdict = Verdict::not_started;
  report.exercises.push_back(e);
  EXPECT_EQ(exit_code(report), 1);
  e.verdict = Verdict::compile_error;
  report.exercises.push_back(e);
  EXPECT_EQ(exit_code(report), 2);
}

TEST(RenderJson, TheSchemaCarriesPerExerciseAndPerTestStatusFiguresDiagnosisAndTraceSummary) {
  Report report;
  report.exercises = {failing_exercise(), compile_error_exercise()};
  const auto j = nlohmann::json::parse(render_json(report));
  EXPECT_EQ(j["schema"], "asynclings-grader/1");
  EXPECT_EQ(j["exit_code"], 2);
  EXPECT_EQ(j["total"], 2);
  const auto& ex = j["exercises"][0];
  EXPECT_EQ(ex["status"], "failed");
  EXPECT_EQ(ex["tests"][0]["status"], "failed");
  EXPECT_EQ(ex["tests"][0]["diagnosis"], "sequential-awaits");
  EXPECT_EQ(ex["tests"][0]["figures"]["wall_ms"]["value"], 602.3);
  EXPECT_EQ(ex["tests"][0]["trace"]["count"], 3);
  EXPECT_EQ(ex["tests"][0]["trace"]["aborted"], 1);
  EXPECT_EQ(ex["tests"][2]["status"], "skipped");
  EXPECT_EQ(j["exercises"][1]["compile_error"]["line"], 12);
}

TEST(RenderJunit, EveryTestBecomesATestcaseAndAnUngradedExerciseAnError) {
  Report report;
  report.exercises = {failing_exercise(), compile_error_exercise()};
  const std::string xml = render_junit(report);
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", 0), 0u);
  EXPECT_NE(xml.find("<testsuite name=\"ch03-gather.ex2-gather\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<property name=\"diagnosis\" value=\"sequential-awaits\"/>"), std::string::npos);
  EXPECT_NE(xml.find("<error type=\"compile_error\""), std::string::npos);
  EXPECT_NE(xml.find("value=\"602.3 ms (expected &lt;= 400)\""), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<= 400"), std::string::npos) << "an unescaped < in attribute";
}

TEST(RenderGradescope, ScoreMaxScoreAndEveryTestsRequiredFieldsArePresent) {
  Report report;
  ExerciseReport passed = failing_exercise();
  passed.verdict = Verdict::passed;
  report.exercises = {failing_exercise(), passed};
  const auto j = nlohmann::json::parse(render_gradescope(report));
  EXPECT_EQ(j["score"], 1.0);
  EXPECT_EQ(j["max_score"], 2.0);
  ASSERT_EQ(j["tests"].size(), 2u);
  for (const auto& t : j["tests"]) {
    for (const char* field : {"name", "score", "max_score", "status", "output", "visibility"})
      EXPECT_TRUE(t.contains(field)) << field;
  }
  EXPECT_EQ(j["tests"][0]["status"], "failed");
  EXPECT_NE(j["tests"][0]["output"].get<std::string>().find("sequential-awaits"), std::string::npos);
}
