// The class view of a batch (`grader grade-batch`): per exercise, how many submissions made
// each named mistake (the diagnoses their failing tests carried), how many passed, failed
// without a named mistake, had not started, did not compile, crashed, hung or were tampered
// with, and the median time grading one attempt took. It is what an instructor reads to
// decide what to teach again (docs/class-scale-grading.md, "The class view"), written beside
// the gradebook as JSON, CSV and one self-contained HTML page.
#pragma once

#include "batch/gradebook.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace asynclings::grader {

struct MistakeCount {
  std::string diagnosis;  // the name the tests gave it: "eager-start"
  int submissions = 0;    // how many submissions' failing tests of this exercise carried it
};

struct ExerciseClassView {
  GradebookColumn column;
  int submissions = 0;  // every row of the batch, whatever happened to it
  // Submissions per verdict name, for every name of class_view_verdicts() (zeros included).
  std::map<std::string, int> verdicts;
  // The diagnosis histogram: most submissions first, then by name. A submission counts once
  // per diagnosis, however many of its tests carried it; the tests of a tampered exercise are
  // not believed, so they count for nothing here.
  std::vector<MistakeCount> mistakes;
  // Failed with no diagnosis on any failing test: a mistake the tests do not name yet.
  int failed_unnamed = 0;
  // The median of build + run over the submissions whose report has this exercise (a stub
  // and a refused submission cost the grader time too); none when no report has it.
  std::optional<double> median_attempt_ms;
  int attempts_timed = 0;  // how many attempts that median is of

  int count(const std::string& verdict) const;
};

struct ClassView {
  int students = 0;
  std::map<std::string, int> statuses;  // rows per SubmissionStatus name (zeros included)
  std::vector<ExerciseClassView> exercises;  // one per column, in column order
};

// Every verdict name a cell of the class view can count, in the order it is shown: the
// verdicts of `grader check`, then "missing" (the submission has no report with the exercise:
// empty, timed out or crashed as a whole, interrupted).
const std::vector<std::string>& class_view_verdicts();

// The class view of <rows> (the gradebook), one entry per column.
ClassView make_class_view(const std::vector<GradebookColumn>& columns, const std::vector<GradebookRow>& rows);

// {"schema": "asynclings-class-view/1", "students", "statuses", "exercises": [...]}; see
// docs/class-scale-grading.md.
std::string render_class_view_json(const ClassView& view);
// One row per exercise: its submissions, one column per verdict, the unnamed failures, the
// median attempt in seconds, then one column per diagnosis of the batch ("mistake:<name>").
std::string render_class_view_csv(const ClassView& view);
// One self-contained page (inline CSS and SVG, no script, nothing fetched): a table of every
// exercise, then per exercise the verdict bar and the diagnosis histogram.
std::string render_class_view_html(const ClassView& view, const std::string& title);

// Where the class view of the gradebook <gradebook> goes: gradebook.csv ->
// gradebook.class.json, gradebook.class.csv, gradebook.class.html.
struct ClassViewFiles {
  std::filesystem::path json, csv, html;
};
ClassViewFiles class_view_files(const std::filesystem::path& gradebook);

}  // namespace asynclings::grader
