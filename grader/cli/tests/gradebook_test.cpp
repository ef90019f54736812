// grade-batch's library: scores, gradebook rows from `grader check` reports, CSV and JSON,
// finding each student's files, grading one submission in the sandbox (with a stand-in for
// the grader), and the scheduler that runs N gradings in worker processes.
#include "batch/gradebook.hpp"
#include "batch/submissions.hpp"
#include "render/render.hpp"
#include "sandbox/process.hpp"
#include "sandbox/workers.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

using namespace asynclings::grader;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::vector<GradebookColumn> ch1_columns() {
  return {{"ch01-generators", "ex1", "generator", {"ex1_generator.hpp"}},
          {"ch01-generators", "ex2", "send", {"ex2_send.hpp"}},
          {"ch01-generators", "ex3", "task", {"ex3_task.hpp"}},
          {"ch01-generators", "ex4", "round-robin", {"ex4_round_robin.hpp"}}};
}

TestResult test_result(const std::string& name, TestStatus status, const std::string& diagnosis = {}) {
  TestResult t;
  t.suite = "Suite";
  t.name = name;
  t.status = status;
  t.diagnosis = diagnosis;
  return t;
}

ExerciseReport exercise(const std::string& id, const std::string& name, Verdict verdict) {
  ExerciseReport e;
  e.chapter = "ch01-generators";
  e.id = id;
  e.name = name;
  e.verdict = verdict;
  return e;
}

// A run of ch01 as `grader check --format json` reports it: ex1 passes 3 of 3, ex2 passes 1 of
// 4 with two diagnoses (one twice), ex3 does not compile, ex4 is an untouched stub.
Report ch1_report() {
  Report r;
  auto ex1 = exercise("ex1", "generator", Verdict::passed);
  for (const char* n : {"A", "B", "C"}) ex1.tests.push_back(test_result(n, TestStatus::passed));
  auto ex2 = exercise("ex2", "send", Verdict::failed);
  ex2.tests = {test_result("A", TestStatus::passed), test_result("B", TestStatus::failed, "eager-start"),
               test_result("C", TestStatus::failed, "sent-value-lost"), test_result("D", TestStatus::failed, "sent-value-lost")};
  auto ex3 = exercise("ex3", "task", Verdict::compile_error);
  CompileError c;
  c.file = "/batch/roots/carol/exercises/ch01-generators/ex3_task.hpp";
  c.line = 12;
  c.message = "expected ';' before '}' token";
  ex3.compile_error = c;
  auto ex4 = exercise("ex4", "round-robin", Verdict::not_started);
  auto stub = test_result("A", TestStatus::failed);
  stub.not_started = true;
  ex4.tests = {stub, stub};
  r.exercises = {ex1, ex2, ex3, ex4};
  return r;
}

// A minimal RFC 4180 reader: what a spreadsheet or Python's csv module makes of the text.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cell;
  bool quoted = false, cell_started = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') cell += '"', ++i;
      else if (c == '"') quoted = false;
      else cell += c;
    } else if (c == '"' && !cell_started) {
      quoted = cell_started = true;
    } else if (c == ',') {
      rows.back().push_back(cell), cell.clear(), cell_started = false;
    } else if (c == '\n') {
      rows.back().push_back(cell), cell.clear(), cell_started = false;
      rows.emplace_back();
    } else {
      cell += c, cell_started = true;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/gradebook-test-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

}  // namespace

// ---- Scores ---------------------------------------------------------------------------------

TEST(GradebookScore, OnlyAPassedExerciseEarnsItsPoint) {
  EXPECT_EQ(exercise_points(Verdict::passed), kPointsPerExercise);
  for (Verdict v : {Verdict::failed, Verdict::not_started, Verdict::compile_error, Verdict::crashed,
                    Verdict::timed_out, Verdict::error, Verdict::interrupted})
    EXPECT_EQ(exercise_points(v), 0.0) << to_string(v);
}

TEST(GradebookScore, EveryVerdictNameReadsBackToItsVerdict) {
  for (Verdict v : {Verdict::passed, Verdict::failed, Verdict::not_started, Verdict::compile_error,
                    Verdict::crashed, Verdict::timed_out, Verdict::error, Verdict::interrupted})
    EXPECT_EQ(verdict_from_string(to_string(v)), v);
  EXPECT_EQ(verdict_from_string("PASS"), std::nullopt);
  EXPECT_EQ(verdict_from_string("missing"), std::nullopt);
}

// ---- Rows -----------------------------------------------------------------------------------

TEST(GradebookRow, ScoresOnePointPerPassedExerciseOutOfEveryExercise) {
  const auto row = row_from_report("alice", ch1_columns(), render_json(ch1_report()));
  EXPECT_EQ(row.status, SubmissionStatus::graded);
  EXPECT_EQ(row.score, 1.0);
  EXPECT_EQ(row.max_score, 4.0);
  ASSERT_EQ(row.exercises.size(), 4u);
  EXPECT_EQ(exercise_cell(row.exercises[0]), "3/3");
  EXPECT_EQ(exercise_cell(row.exercises[1]), "1/4");
  EXPECT_EQ(exercise_cell(row.exercises[2]), "compile_error");
  EXPECT_EQ(exercise_cell(row.exercises[3]), "not_started");
}

TEST(GradebookRow, GivesTheSameScoreAsTheGradescopeResultsOfTheSameRun) {
  const Report report = ch1_report();
  const auto gradescope = json::parse(render_gradescope(report));
  const auto row = row_from_report("alice", ch1_columns(), render_json(report));
  EXPECT_EQ(row.score, gradescope["score"].get<double>());
  EXPECT_EQ(row.max_score, gradescope["max_score"].get<double>());
}

TEST(GradebookRow, KeepsEachDiagnosisOnceInTestOrder) {
  const auto row = row_from_report("alice", ch1_columns(), render_json(ch1_report()));
  EXPECT_EQ(row.exercises[1].diagnoses, (std::vector<std::string>{"eager-start", "sent-value-lost"}));
  EXPECT_TRUE(row.exercises[0].diagnoses.empty());
}

TEST(GradebookRow, NamesTheCompileErrorByFileNameAndLineInTheMessage) {
  const auto row = row_from_report("carol", ch1_columns(), render_json(ch1_report()));
  EXPECT_EQ(row.exercises[2].message, "ex3_task.hpp:12: expected ';' before '}' token");
  EXPECT_NE(row.message.find("ch01-generators/ex3 compile_error: ex3_task.hpp:12"), std::string::npos) << row.message;
  EXPECT_EQ(row.message.find("/batch/roots"), std::string::npos) << "the batch's own paths stay out: " << row.message;
}

TEST(GradebookRow, AnExerciseTheReportLacksIsMissingAndEarnsNothing) {
  Report report = ch1_report();
  report.exercises.erase(report.exercises.begin());  // ex1, the passed one
  const auto row = row_from_report("bob", ch1_columns(), render_json(report));
  EXPECT_EQ(row.exercises[0].verdict, "missing");
  EXPECT_EQ(exercise_cell(row.exercises[0]), "missing");
  EXPECT_EQ(row.score, 0.0);
  EXPECT_EQ(row.max_score, 4.0);
}

TEST(GradebookRow, RejectsATextThatIsNotAGraderReport) {
  EXPECT_THROW(row_from_report("x", ch1_columns(), "not json"), GradebookError);
  EXPECT_THROW(row_from_report("x", ch1_columns(), R"({"score": 3, "tests": []})"), GradebookError);
}

TEST(GradebookRow, ARowWithoutAReportHasEveryExerciseMissingAndNoPoints) {
  const auto row = row_without_report("dave", ch1_columns(), SubmissionStatus::no_report, "grader: cannot\nconfigure");
  EXPECT_EQ(row.status, SubmissionStatus::no_report);
  EXPECT_EQ(row.message, "grader: cannot configure");
  EXPECT_EQ(row.score, 0.0);
  EXPECT_EQ(row.max_score, 4.0);
  ASSERT_EQ(row.exercises.size(), 4u);
  for (const auto& e : row.exercises) EXPECT_EQ(exercise_cell(e), "missing");
}

// ---- CSV ------------------------------------------------------------------------------------

TEST(GradebookCsv, LeavesPlainTextAlone) {
  EXPECT_EQ(csv_field("alice"), "alice");
  EXPECT_EQ(csv_field("3/8"), "3/8");
  EXPECT_EQ(csv_field(""), "");
}

TEST(GradebookCsv, QuotesCommasQuotesAndLineBreaksAndDoublesQuotes) {
  EXPECT_EQ(csv_field("Doe, Jane"), "\"Doe, Jane\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\rlf"), "\"cr\rlf\"");
}

TEST(GradebookCsv, DefusesTextASpreadsheetWouldRunAsAFormula) {
  EXPECT_EQ(csv_text_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(csv_text_field("+1"), "'+1");
  EXPECT_EQ(csv_text_field("-x"), "'-x");
  EXPECT_EQ(csv_text_field("@sum"), "'@sum");
  EXPECT_EQ(csv_text_field("alice"), "alice");
}

TEST(GradebookCsv, HasStudentScoreMaxOneColumnPerExerciseThenStatusAndMessage) {
  const auto columns = ch1_columns();
  const std::vector<GradebookRow> rows{row_from_report("alice", columns, render_json(ch1_report())),
                                       row_without_report("bob", columns, SubmissionStatus::timed_out, "too long")};
  const auto cells = parse_csv(render_gradebook_csv(columns, rows));
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[0], (std::vector<std::string>{"student", "score", "max_score", "ch01-generators/ex1", "ch01-generators/ex2",
                                                "ch01-generators/ex3", "ch01-generators/ex4", "status", "message"}));
  EXPECT_EQ(std::vector<std::string>(cells[1].begin(), cells[1].begin() + 8),
            (std::vector<std::string>{"alice", "1", "4", "3/3", "1/4", "compile_error", "not_started", "graded"}));
  EXPECT_EQ(cells[2], (std::vector<std::string>{"bob", "0", "4", "missing", "missing", "missing", "missing", "timed_out",
                                                "too long"}));
}

TEST(GradebookCsv, NamesAndMessagesWithCommasQuotesAndLineBreaksReadBackIntact) {
  const auto columns = ch1_columns();
  const std::string name = "O'Neil, \"Jo\"\nsecond line";
  const std::string message = "a, b; \"c\"";
  const std::vector<GradebookRow> rows{row_without_report(name, columns, SubmissionStatus::empty, message),
                                       row_without_report("plain", columns, SubmissionStatus::empty, "x")};
  const auto cells = parse_csv(render_gradebook_csv(columns, rows));
  ASSERT_EQ(cells.size(), 3u) << "a line break inside a name must not start a row";
  for (const auto& row : cells) EXPECT_EQ(row.size(), 9u);
  EXPECT_EQ(cells[1][0], name);
  EXPECT_EQ(cells[1][8], message);
  EXPECT_EQ(cells[2][0], "plain");
}

// ---- JSON -----------------------------------------------------------------------------------

TEST(GradebookJson, IsAnArrayWithOneObjectPerStudentAndTheirExercises) {
  const auto columns = ch1_columns();
  auto alice = row_from_report("alice", columns, render_json(ch1_report()));
  alice.elapsed_s = 31.5;
  alice.report = "/w/reports/alice.json";
  const auto out = json::parse(render_gradebook_json({alice, row_without_report("bob", columns, SubmissionStatus::empty, "nothing")}));
  ASSERT_TRUE(out.is_array());
  ASSERT_EQ(out.size(), 2u);
  const auto& a = out[0];
  EXPECT_EQ(a["student"], "alice");
  EXPECT_EQ(a["status"], "graded");
  EXPECT_EQ(a["score"], 1.0);
  EXPECT_EQ(a["max_score"], 4.0);
  EXPECT_EQ(a["elapsed_s"], 31.5);
  EXPECT_EQ(a["report"], "/w/reports/alice.json");
  ASSERT_EQ(a["exercises"].size(), 4u);
  const auto& ex2 = a["exercises"][1];
  EXPECT_EQ(ex2["chapter"], "ch01-generators");
  EXPECT_EQ(ex2["id"], "ex2");
  EXPECT_EQ(ex2["name"], "send");
  EXPECT_EQ(ex2["verdict"], "failed");
  EXPECT_EQ(ex2["passed"], 1);
  EXPECT_EQ(ex2["total"], 4);
  EXPECT_EQ(ex2["points"], 0.0);
  EXPECT_EQ(ex2["diagnoses"], json({"eager-start", "sent-value-lost"}));
  EXPECT_EQ(a["exercises"][0]["points"], 1.0);
  EXPECT_EQ(out[1]["status"], "empty");
  EXPECT_EQ(out[1]["message"], "nothing");
  EXPECT_TRUE(out[1]["report"].is_null());
  EXPECT_EQ(out[1]["exercises"][0]["verdict"], "missing");
}

// ---- Finding the submissions ----------------------------------------------------------------

TEST(GradebookSubmissions, FindsTheChapterFoldersInEveryLayoutAStudentHandsIn) {
  TempDir tmp;
  const fs::path subs = tmp.path() / "subs";
  write(subs / "whole/CMakeLists.txt", "");
  write(subs / "whole/exercises/ch01-generators/ex1_generator.hpp", "");
  write(subs / "exercises-only/exercises/ch01-generators/ex1_generator.hpp", "");
  write(subs / "chapters-only/ch01-generators/ex1_generator.hpp", "");
  write(subs / "unpacked/asynclings-main/exercises/ch01-generators/ex1_generator.hpp", "");
  write(subs / "nothing/notes.txt", "");
  write(subs / ".git/HEAD", "");
  write(subs / "stray-file.zip", "");
  const auto found = find_submissions(subs, ch1_columns());
  std::vector<std::string> names;
  for (const auto& s : found) names.push_back(s.student);
  EXPECT_EQ(names, (std::vector<std::string>{"chapters-only", "exercises-only", "nothing", "unpacked", "whole"}));
  EXPECT_EQ(found[0].exercises_dir, subs / "chapters-only");
  EXPECT_EQ(found[1].exercises_dir, subs / "exercises-only/exercises");
  EXPECT_TRUE(found[2].exercises_dir.empty());
  EXPECT_EQ(found[3].exercises_dir, subs / "unpacked/asynclings-main/exercises");
  EXPECT_EQ(found[4].exercises_dir, subs / "whole/exercises");
}

TEST(GradebookSubmissions, AMissingSubmissionsFolderIsAClearError) {
  try {
    find_submissions("/nonexistent/submissions", ch1_columns());
    FAIL() << "no error";
  } catch (const GradebookError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/submissions is not a folder"), std::string::npos) << e.what();
  }
}

TEST(GradebookSubmissions, SaysWhyASubmissionHasNothingToGrade) {
  TempDir tmp;
  Submission none{"none", tmp.path() / "none", {}, "none"};
  EXPECT_NE(why_empty(none, ch1_columns()).find("no exercises/ folder"), std::string::npos);
  write(tmp.path() / "s/exercises/ch01-generators/README.md", "");
  Submission no_files{"s", tmp.path() / "s", tmp.path() / "s/exercises", "s"};
  const std::string why = why_empty(no_files, ch1_columns());
  EXPECT_NE(why.find("none of the files to edit"), std::string::npos) << why;
  EXPECT_NE(why.find("ch01-generators/ex1_generator.hpp"), std::string::npos) << why;
  write(tmp.path() / "s/exercises/ch01-generators/ex3_task.hpp", "");
  EXPECT_EQ(why_empty(no_files, ch1_columns()), "");
}

// ---- The one staging function (core/staging.hpp) ----------------------------------------------

TEST(SubmittedFiles, AWorkbookShapedUploadGivesItsExercisesFilesAndNeverTheSolutions) {
  TempDir tmp;
  const fs::path up = tmp.path() / "repo";
  write(up / "exercises/ch01-generators/ex1_generator.hpp", "// mine");
  write(up / "solutions/ch01-generators/ex1_generator.hpp", "// the solution");
  write(up / "solutions/ch01-generators/ex2_send.hpp", "// the solution");
  SubmittedFiles files(up, edit_files(ch1_columns()));
  EXPECT_EQ(files.exercises_dir(), up / "exercises");
  EXPECT_EQ(files.find({"ch01-generators", "ex1_generator.hpp"}), up / "exercises/ch01-generators/ex1_generator.hpp");
  EXPECT_EQ(files.find({"ch01-generators", "ex2_send.hpp"}), fs::path{});
}

TEST(SubmittedFiles, LooseFilesAreFoundByChapterPathThenByAUniqueName) {
  TempDir tmp;
  const fs::path up = tmp.path() / "upload";
  write(up / "ex1_generator.hpp", "// dragged in");
  write(up / "my-repo/deep/ch01-generators/ex2_send.hpp", "// in a folder of its own");
  write(up / "a/ex3_task.hpp", "// one of two");
  write(up / "b/ex3_task.hpp", "// the other");
  write(up / ".git/ex4_round_robin.hpp", "// not the student's");
  fs::create_symlink(up / "ex1_generator.hpp", up / "ex4_round_robin.hpp");
  SubmittedFiles files(up, edit_files(ch1_columns()));
  EXPECT_EQ(files.exercises_dir(), fs::path{});
  EXPECT_EQ(files.find({"ch01-generators", "ex1_generator.hpp"}), up / "ex1_generator.hpp");
  EXPECT_EQ(files.find({"ch01-generators", "ex2_send.hpp"}), up / "my-repo/deep/ch01-generators/ex2_send.hpp");
  EXPECT_EQ(files.find({"ch01-generators", "ex3_task.hpp"}), fs::path{}) << "two candidates: neither";
  EXPECT_EQ(files.find({"ch01-generators", "ex4_round_robin.hpp"}), fs::path{}) << "a link and a dot-folder";
}

TEST(StageSubmission, StagesWhatWasHandedInAndTheStubForWhatWasNot) {
  TempDir tmp;
  write(tmp.path() / "upload/ex2_send.hpp", "// ex2");
  write(tmp.path() / "trusted/exercises/ch01-generators/ex1_generator.hpp", "// stub 1");
  const std::vector<EditedFile> files = {{"ch01-generators", "ex1_generator.hpp"}, {"ch01-generators", "ex2_send.hpp"}};
  const auto staged = stage_submission(tmp.path() / "upload", files, tmp.path() / "trusted", tmp.path() / "staged");
  EXPECT_EQ(staged.error, "");
  EXPECT_EQ(staged.handed_in, std::vector<std::string>{"ch01-generators/ex2_send.hpp"});
  EXPECT_EQ(staged.missing, std::vector<std::string>{"ch01-generators/ex1_generator.hpp"});
  std::ifstream stub(tmp.path() / "staged/exercises/ch01-generators/ex1_generator.hpp");
  std::string line;
  std::getline(stub, line);
  EXPECT_EQ(line, "// stub 1");
  EXPECT_TRUE(fs::is_regular_file(tmp.path() / "staged/exercises/ch01-generators/ex2_send.hpp"));
}

TEST(GradebookSubmissions, LooseFilesAreGradedNotEmpty) {
  TempDir tmp;
  write(tmp.path() / "s/ex3_task.hpp", "");
  const Submission loose{"s", tmp.path() / "s", {}, "s"};
  EXPECT_EQ(why_empty(loose, ch1_columns()), "");
}

TEST(GradebookSubmissions, WorkFolderNamesAreSafeStableAndDistinct) {
  EXPECT_EQ(work_name("alice.smith-2"), "alice.smith-2");
  const std::string odd = work_name("Doe, Jane\n");
  EXPECT_EQ(odd.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"), std::string::npos) << odd;
  EXPECT_EQ(odd, work_name("Doe, Jane\n"));
  EXPECT_NE(work_name("a b"), work_name("a_b"));
  EXPECT_NE(work_name("a b"), work_name("a.b"));
  EXPECT_NE(work_name(".."), "..");
}

// ---- Grading one submission -----------------------------------------------------------------

namespace {

// A stand-in for `grader check`: a shell script given the same command line.
struct FakeGrader {
  TempDir tmp;
  BatchPlan plan;
  Submission submission;

  explicit FakeGrader(const std::string& script_body) {
    const fs::path script = tmp.path() / "fake-grader";
    write(script, "#!/bin/sh\n" + script_body);
    chmod(script.c_str(), 0755);
    plan.grader = script;
    plan.trusted = tmp.path() / "trusted";
    plan.work_dir = tmp.path() / "work";
    plan.chapter = "ch01-generators";
    plan.edit_files = edit_files(ch1_columns());
    write(tmp.path() / "subs/alice/exercises/ch01-generators/ex1_generator.hpp", "");
    submission = {"alice", tmp.path() / "subs/alice", tmp.path() / "subs/alice/exercises", "alice"};
  }
  GradebookRow grade() { return grade_row(plan, submission, ch1_columns(), run_check(plan, submission)); }
};

// The script's value of "--output".
const char* kOutputOf = "while [ $# -gt 0 ]; do [ \"$1\" = --output ] && out=$2; shift; done\n";

}  // namespace

TEST(GradeOneSubmission, TheCheckCommandGradesTheStudentsFilesWithTheTrustedTestsInItsOwnFolders) {
  BatchPlan plan;
  plan.grader = "/g";
  plan.trusted = "/t";
  plan.work_dir = "/w";
  plan.chapter = "ch01-generators";
  const Submission s{"Doe, Jane", "/subs/Doe, Jane", "/subs/Doe, Jane/exercises", work_name("Doe, Jane")};
  const auto paths = submission_paths(plan, s);
  EXPECT_EQ(check_command(plan, s),
            (std::vector<std::string>{"/g", "check", "ch01-generators", "--root", paths.root.string(), "--tests-from", "/t",
                                      "--build-dir", paths.build.string(), "--format", "json", "--output",
                                      paths.report.string()}));
  EXPECT_EQ(paths.root, fs::path("/w/builds") / s.work_name / "submission");
  EXPECT_EQ(paths.build, fs::path("/w/builds") / s.work_name);
  plan.chapter.clear();
  EXPECT_EQ(check_command(plan, s)[2], "--all");
}

TEST(GradeOneSubmission, AReportGivesAGradedRowAndTheRootHoldsCopiesOfTheEditedFiles) {
  FakeGrader fake(std::string(kOutputOf) + "cp \"$REPORT_FIXTURE\" \"$out\"\necho 'PASS ch01'\n");
  const fs::path fixture = fake.tmp.path() / "report.json";
  write(fixture, render_json(ch1_report()));
  setenv("REPORT_FIXTURE", fixture.c_str(), 1);
  const auto row = fake.grade();
  unsetenv("REPORT_FIXTURE");
  EXPECT_EQ(row.status, SubmissionStatus::graded) << row.message;
  EXPECT_EQ(row.score, 1.0);
  EXPECT_EQ(row.report, fake.plan.work_dir / "reports/alice.json");
  EXPECT_TRUE(fs::is_regular_file(
      fake.plan.work_dir / "builds/alice/submission/exercises/ch01-generators/ex1_generator.hpp"));
  std::ifstream log(row.log);
  std::string first;
  std::getline(log, first);
  EXPECT_EQ(first, "PASS ch01");
}

TEST(GradeOneSubmission, StagingCopiesOnlyTheEditedFilesAndForgetsWhatTheStudentNoLongerHas) {
  FakeGrader fake("exit 0\n");
  const fs::path chapter = fake.tmp.path() / "subs/alice/exercises/ch01-generators";
  write(chapter / "ex2_send.hpp", "// ex2");
  write(chapter / "notes.hpp", "// not a file to edit");
  write(chapter / "tests/ex1_generator_test.cpp", "// a test of the student's own");
  ASSERT_EQ(stage_submission(fake.plan, fake.submission), "");
  const fs::path staged =
      submission_paths(fake.plan, fake.submission).root / "exercises/ch01-generators";
  EXPECT_TRUE(fs::is_regular_file(staged / "ex1_generator.hpp"));
  EXPECT_TRUE(fs::is_regular_file(staged / "ex2_send.hpp"));
  EXPECT_FALSE(fs::exists(staged / "notes.hpp"));
  EXPECT_FALSE(fs::exists(staged / "tests"));
  // Unchanged: the staged file keeps its time (a build graded again rebuilds nothing).
  const auto before = fs::last_write_time(staged / "ex2_send.hpp");
  fs::last_write_time(staged / "ex2_send.hpp", before - std::chrono::hours(1));
  ASSERT_EQ(stage_submission(fake.plan, fake.submission), "");
  EXPECT_EQ(fs::last_write_time(staged / "ex2_send.hpp"), before - std::chrono::hours(1));
  // Changed, and removed: the next batch grades what the student has now (a file no longer
  // handed in is the trusted stub).
  write(chapter / "ex2_send.hpp", "// ex2, again");
  fs::remove(chapter / "ex1_generator.hpp");
  write(fake.plan.trusted / "exercises/ch01-generators/ex1_generator.hpp", "// the stub");
  ASSERT_EQ(stage_submission(fake.plan, fake.submission), "");
  auto first_line = [](const fs::path& file) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    return line;
  };
  EXPECT_EQ(first_line(staged / "ex2_send.hpp"), "// ex2, again");
  EXPECT_EQ(first_line(staged / "ex1_generator.hpp"), "// the stub");
}

TEST(GradeOneSubmission,
     ANewBuildFolderGetsTheChapterToolAnEarlierBuildCompiledFromTheSameSources) {
  FakeGrader fake("exit 0\n");
  const fs::path sources = fake.plan.trusted / "grader/cli/src/core";
  for (const char* name : {"manifest.cpp", "patch.cpp", "integrity.cpp", "chapter_tool.cpp",
                           "manifest.hpp", "patch.hpp", "integrity.hpp"})
    write(sources / name, "// source");
  const fs::path built = fake.plan.work_dir / "builds/bob/chapter-tool/chapter-tool";
  write(built, "the tool");
  const fs::path fresh = fake.plan.work_dir / "builds/alice";
  seed_chapter_tool(fake.plan, fresh);
  EXPECT_TRUE(fs::is_regular_file(fresh / "chapter-tool/chapter-tool"));
  // A tool older than a source was compiled from other sources: not used.
  fs::remove_all(fresh);
  fs::last_write_time(built, fs::last_write_time(sources / "patch.cpp") - std::chrono::hours(1));
  seed_chapter_tool(fake.plan, fresh);
  EXPECT_FALSE(fs::exists(fresh / "chapter-tool/chapter-tool"));
}

TEST(GradeOneSubmission, NoReportGivesTheGradersOwnReasonAndNeverAnEarlierBatchsReport) {
  FakeGrader fake("echo 'configuring…'\necho 'grader: the build folder could not be configured' >&2\nexit 2\n");
  write(fake.plan.work_dir / "reports/alice.json", render_json(ch1_report()));  // from an earlier batch
  const auto row = fake.grade();
  EXPECT_EQ(row.status, SubmissionStatus::no_report);
  EXPECT_EQ(row.message, "grader check exited with code 2 without a report: grader: the build folder could not be configured");
  EXPECT_EQ(row.score, 0.0);
  EXPECT_TRUE(row.report.empty());
}

TEST(GradeOneSubmission, AnUnreadableReportIsSaidSo) {
  FakeGrader fake(std::string(kOutputOf) + "echo '{\"half' > \"$out\"\n");
  const auto row = fake.grade();
  EXPECT_EQ(row.status, SubmissionStatus::no_report);
  EXPECT_NE(row.message.find("is unreadable"), std::string::npos) << row.message;
}

TEST(GradeOneSubmission, ASubmissionOverTheTimeLimitIsStoppedWithEverythingItStarted) {
  FakeGrader fake("sleep 60 &\necho $! > \"$PID_FILE\"\nsleep 60\n");
  const fs::path pid_file = fake.tmp.path() / "pid";
  setenv("PID_FILE", pid_file.c_str(), 1);
  fake.plan.time_limit = 500ms;
  const auto row = fake.grade();
  unsetenv("PID_FILE");
  EXPECT_EQ(row.status, SubmissionStatus::timed_out);
  EXPECT_NE(row.message.find("longer than the limit of 0.5 s"), std::string::npos) << row.message;
  EXPECT_LT(row.elapsed_s, 30.0);
  pid_t background = 0;
  std::ifstream(pid_file) >> background;
  ASSERT_GT(background, 0);
  EXPECT_FALSE(process_alive(background));
}

TEST(GradeOneSubmission, AGraderThatDiesOfASignalIsACrashedRow) {
  FakeGrader fake("kill -SEGV $$\n");
  const auto row = fake.grade();
  EXPECT_EQ(row.status, SubmissionStatus::crashed);
  EXPECT_NE(row.message.find("SIGSEGV"), std::string::npos) << row.message;
}

// ---- Running N jobs at once -----------------------------------------------------------------

TEST(RunInWorkers, RunsEveryJobInAProcessOfItsOwn) {
  WorkerJobs jobs;
  jobs.count = 5;
  jobs.parallel = 2;
  jobs.job = [](std::size_t i) { return std::to_string(i) + ":" + std::to_string(getpid()); };
  std::map<std::size_t, WorkerOutcome> outcomes;
  jobs.finished = [&](std::size_t i, const WorkerOutcome& o) { outcomes[i] = o; };
  run_in_workers(jobs);
  ASSERT_EQ(outcomes.size(), 5u);
  std::set<std::string> pids;
  for (const auto& [i, o] : outcomes) {
    ASSERT_TRUE(o.completed) << o.error;
    ASSERT_EQ(o.payload.rfind(std::to_string(i) + ":", 0), 0u) << o.payload;
    const std::string pid = o.payload.substr(o.payload.find(':') + 1);
    EXPECT_NE(pid, std::to_string(getpid()));
    pids.insert(pid);
  }
  EXPECT_EQ(pids.size(), 5u);
}

TEST(RunInWorkers, RunsAsManyJobsAtOnceAsAskedAndNoMore) {
  WorkerJobs jobs;
  jobs.count = 7;
  jobs.parallel = 3;
  jobs.job = [](std::size_t) { return std::string("ok"); };
  int running = 0, most = 0, finished = 0;
  jobs.started = [&](std::size_t) { most = std::max(most, ++running); };
  jobs.finished = [&](std::size_t, const WorkerOutcome&) { --running, ++finished; };
  run_in_workers(jobs);
  EXPECT_EQ(most, 3);
  EXPECT_EQ(finished, 7);
  EXPECT_EQ(running, 0);
}

TEST(RunInWorkers, TheFirstJobCanRunAloneBeforeTheOthersStart) {
  WorkerJobs jobs;
  jobs.count = 4;
  jobs.parallel = 3;
  jobs.first_alone = true;
  jobs.job = [](std::size_t) { return std::string("ok"); };
  std::vector<std::string> events;
  int running = 0, most_after_first = 0;
  jobs.started = [&](std::size_t i) {
    events.push_back("start " + std::to_string(i));
    ++running;
    if (i > 0) most_after_first = std::max(most_after_first, running);
  };
  jobs.finished = [&](std::size_t i, const WorkerOutcome&) {
    events.push_back("end " + std::to_string(i));
    --running;
  };
  run_in_workers(jobs);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[0], "start 0");
  EXPECT_EQ(events[1], "end 0");
  EXPECT_EQ(most_after_first, 3);
}

TEST(RunInWorkers, AJobThatThrowsOrDiesEndsWithItsReasonAndTheOthersStillRun) {
  WorkerJobs jobs;
  jobs.count = 3;
  jobs.parallel = 2;
  jobs.job = [](std::size_t i) -> std::string {
    if (i == 0) throw std::runtime_error("cannot link the root");
    if (i == 1) abort();
    return "fine";
  };
  std::map<std::size_t, WorkerOutcome> outcomes;
  jobs.finished = [&](std::size_t i, const WorkerOutcome& o) { outcomes[i] = o; };
  run_in_workers(jobs);
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_FALSE(outcomes[0].completed);
  EXPECT_EQ(outcomes[0].error, "the job failed: cannot link the root");
  EXPECT_FALSE(outcomes[1].completed);
  EXPECT_NE(outcomes[1].error.find("SIGABRT"), std::string::npos) << outcomes[1].error;
  EXPECT_TRUE(outcomes[2].completed);
  EXPECT_EQ(outcomes[2].payload, "fine");
}

TEST(RunInWorkers, APayloadLargerThanAPipeArrivesWhole) {
  WorkerJobs jobs;
  jobs.count = 2;
  jobs.parallel = 2;
  jobs.job = [](std::size_t i) { return std::string(1 << 20, static_cast<char>('a' + i)); };
  std::map<std::size_t, WorkerOutcome> outcomes;
  jobs.finished = [&](std::size_t i, const WorkerOutcome& o) { outcomes[i] = o; };
  run_in_workers(jobs);
  EXPECT_EQ(outcomes[0].payload, std::string(1 << 20, 'a'));
  EXPECT_EQ(outcomes[1].payload, std::string(1 << 20, 'b'));
}

// The sandbox's clean-up after a program kills whatever descends from its process outside
// its own group; jobs in threads of one process would kill each other's programs.
TEST(RunInWorkers, OneJobsCleanUpLeavesTheProgramsOfTheOthersAlone) {
  WorkerJobs jobs;
  jobs.count = 4;
  jobs.parallel = 4;
  jobs.job = [](std::size_t i) {
    RunOptions options;
    options.time_limit = 20s;
    const auto r = i == 0 ? run_process({"sleep", "1"}, options) : run_process({"true"}, options);
    return std::to_string(static_cast<int>(r.ending)) + " " + std::to_string(r.exit_code);
  };
  std::map<std::size_t, WorkerOutcome> outcomes;
  jobs.finished = [&](std::size_t i, const WorkerOutcome& o) { outcomes[i] = o; };
  run_in_workers(jobs);
  const std::string exited_ok = std::to_string(static_cast<int>(Ending::exited)) + " 0";
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(outcomes[i].payload, exited_ok) << "job " << i;
}

TEST(RunInWorkers, AnInterruptStopsTheRunningJobsAndStartsNoOther) {
  install_interrupt_handlers();
  WorkerJobs jobs;
  jobs.count = 4;
  jobs.parallel = 2;
  jobs.job = [](std::size_t) {
    RunOptions options;
    options.time_limit = 60s;
    const auto r = run_process({"sleep", "30"}, options);
    return std::string(r.ending == Ending::interrupted ? "interrupted" : "not interrupted") + " " + std::to_string(r.pid);
  };
  // SIGTERM to the batch alone (not to its process group), as `kill PID` sends it.
  jobs.started = [](std::size_t i) {
    if (i == 1) raise(SIGTERM);
  };
  std::map<std::size_t, WorkerOutcome> outcomes;
  jobs.finished = [&](std::size_t i, const WorkerOutcome& o) { outcomes[i] = o; };
  const auto start = std::chrono::steady_clock::now();
  run_in_workers(jobs);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  clear_interrupt();
  ASSERT_EQ(outcomes.size(), 4u);
  for (std::size_t i : {0u, 1u}) {
    ASSERT_TRUE(outcomes[i].completed) << outcomes[i].error;
    EXPECT_EQ(outcomes[i].payload.rfind("interrupted ", 0), 0u) << outcomes[i].payload;
    EXPECT_FALSE(process_alive(std::stoi(outcomes[i].payload.substr(12))));
  }
  for (std::size_t i : {2u, 3u}) EXPECT_FALSE(outcomes[i].started);
  EXPECT_LT(elapsed, 20s);
}
