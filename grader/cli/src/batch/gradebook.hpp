// The gradebook of `grader grade-batch`: one column per exercise, one row per student (from
// the report `grader check` wrote for it), as CSV or JSON. Finding and grading each student's
// submission: batch/submissions.hpp.
#pragma once

#include "core/grading.hpp"
#include "core/manifest.hpp"
#include "core/points.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace asynclings::grader {

struct GradebookError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- Columns and rows -----------------------------------------------------------------------

// One exercise of the batch, from the trusted manifests.
struct GradebookColumn {
  std::string chapter;            // ch01-generators
  std::string id;                 // ex1
  std::string name;               // generator
  std::vector<std::string> edit;  // the files a student edits, relative to the chapter folder

  std::string label() const { return chapter + "/" + id; }
};
// Every exercise of <chapters>, in manifest order.
std::vector<GradebookColumn> gradebook_columns(const std::vector<const Chapter*>& chapters);

enum class SubmissionStatus {
  graded,       // `grader check` wrote its report, whatever the verdicts in it
  empty,        // nothing to grade: no exercises/ folder, or none of the files to edit
  no_report,    // `grader check` ended without a report (the message says why)
  timed_out,    // the whole submission took longer than --time-limit
  crashed,      // `grader check` itself died of a signal
  interrupted,  // the batch was interrupted before or while grading it
};
const char* to_string(SubmissionStatus status);

struct ExerciseGrade {
  GradebookColumn column;
  std::string verdict = "missing";  // a Verdict's name; "missing" when the report lacks it
  std::string message;              // why, when the verdict needs explaining
  int tests_passed = 0;
  int tests_total = 0;
  std::vector<std::string> diagnoses;  // distinct diagnosis names of its failing tests, in test order
  double points = 0;
  // What grading it cost: building its test binary plus running it (the report's build_ms
  // and elapsed_ms); none when the report lacks the exercise.
  std::optional<double> attempt_ms;
};

struct GradebookRow {
  std::string student;
  SubmissionStatus status = SubmissionStatus::no_report;
  std::string message;                   // one line
  std::vector<ExerciseGrade> exercises;  // one per column, in column order
  double score = 0;
  double max_score = 0;
  double elapsed_s = 0;
  std::filesystem::path report;  // the student's `grader check` JSON report, when written
  std::filesystem::path log;     // what `grader check` printed
};

// The row of a submission from the JSON report `grader check --format json` wrote for it;
// throws GradebookError when <report_json> is no such report.
GradebookRow row_from_report(const std::string& student, const std::vector<GradebookColumn>& columns,
                             const std::string& report_json);
// The row of a submission that has no report: every exercise "missing", no points.
GradebookRow row_without_report(const std::string& student, const std::vector<GradebookColumn>& columns,
                                SubmissionStatus status, std::string message);

// The CSV cell of one exercise: "passed/total" when its tests judged it (passed, failed),
// else the verdict's name ("not_started", "compile_error", "timed_out", "missing"…).
std::string exercise_cell(const ExerciseGrade& grade);
// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes
// doubled. A text that a spreadsheet would run as a formula (=, +, -, @ first) gets a
// leading apostrophe: student names and compiler messages come from students.
std::string csv_field(std::string_view text);
std::string csv_text_field(std::string_view text);
// student, score, max_score, one column per exercise, status, message.
std::string render_gradebook_csv(const std::vector<GradebookColumn>& columns, const std::vector<GradebookRow>& rows);
// An array with one object per student (see grader/cli/README.md, grade-batch).
std::string render_gradebook_json(const std::vector<GradebookRow>& rows);

}  // namespace asynclings::grader
