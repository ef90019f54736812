#include "batch/gradebook.hpp"

#include "render/render.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace asynclings::grader {

namespace fs = std::filesystem;
using json = nlohmann::json;

// ---- Columns and rows -----------------------------------------------------------------------

std::vector<GradebookColumn> gradebook_columns(const std::vector<const Chapter*>& chapters) {
  std::vector<GradebookColumn> columns;
  for (const Chapter* chapter : chapters)
    for (const auto& e : chapter->exercises) columns.push_back({chapter->dir_name, e.id, e.name, e.edit});
  return columns;
}

const char* to_string(SubmissionStatus status) {
  switch (status) {
    case SubmissionStatus::graded: return "graded";
    case SubmissionStatus::empty: return "empty";
    case SubmissionStatus::no_report: return "no_report";
    case SubmissionStatus::timed_out: return "timed_out";
    case SubmissionStatus::crashed: return "crashed";
    case SubmissionStatus::interrupted: return "interrupted";
  }
  return "no_report";
}

namespace {

// Messages go into one CSV cell and one progress line: line breaks become spaces, and a
// compiler's pages of template text are cut.
std::string one_line(std::string text, std::size_t limit = 300) {
  for (auto& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (text.size() > limit) text = text.substr(0, limit) + "…";
  return text;
}

std::string string_or_empty(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

int int_or_zero(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<int>() : 0;
}

double number_or_zero(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<double>() : 0.0;
}

ExerciseGrade grade_from_report(const GradebookColumn& column, const json& exercise) {
  ExerciseGrade grade;
  grade.column = column;
  grade.verdict = string_or_empty(exercise, "status");
  if (grade.verdict.empty()) grade.verdict = "error";
  grade.message = string_or_empty(exercise, "message");
  if (const auto it = exercise.find("compile_error"); it != exercise.end() && it->is_object()) {
    // The submission's path is the batch's own; the file's name is what the student knows.
    const std::string file = fs::path(string_or_empty(*it, "file")).filename().string();
    grade.message = file + ":" + std::to_string(int_or_zero(*it, "line")) + ": " + string_or_empty(*it, "message");
  }
  grade.tests_passed = int_or_zero(exercise, "tests_passed");
  grade.tests_total = int_or_zero(exercise, "tests_total");
  grade.attempt_ms = number_or_zero(exercise, "build_ms") + number_or_zero(exercise, "elapsed_ms");
  if (const auto tests = exercise.find("tests"); tests != exercise.end() && tests->is_array()) {
    for (const auto& test : *tests) {
      // A diagnosis names what a failing test caught; the testkit records none on a pass.
      if (!test.is_object() || string_or_empty(test, "status") != "failed") continue;
      const std::string diagnosis = string_or_empty(test, "diagnosis");
      if (!diagnosis.empty() && std::find(grade.diagnoses.begin(), grade.diagnoses.end(), diagnosis) == grade.diagnoses.end())
        grade.diagnoses.push_back(diagnosis);
    }
  }
  grade.points = exercise_points(verdict_from_string(grade.verdict).value_or(Verdict::error));
  return grade;
}

}  // namespace

GradebookRow row_from_report(const std::string& student, const std::vector<GradebookColumn>& columns,
                             const std::string& report_json) {
  json report;
  try {
    report = json::parse(report_json);
  } catch (const json::exception& e) {
    throw GradebookError(std::string("the report is not JSON: ") + e.what());
  }
  if (!report.is_object() || string_or_empty(report, "schema") != "asynclings-grader/1" ||
      !report.contains("exercises") || !report["exercises"].is_array())
    throw GradebookError("the report is not a `grader check --format json` report (schema asynclings-grader/1)");
  std::map<std::pair<std::string, std::string>, const json*> by_exercise;
  for (const auto& e : report["exercises"])
    if (e.is_object()) by_exercise[{string_or_empty(e, "chapter"), string_or_empty(e, "id")}] = &e;

  GradebookRow row;
  row.student = student;
  row.status = SubmissionStatus::graded;
  std::vector<std::string> problems;
  for (const auto& column : columns) {
    const auto it = by_exercise.find({column.chapter, column.id});
    ExerciseGrade grade;
    if (it == by_exercise.end()) {
      grade.column = column;
      grade.message = "not in the report";
    } else {
      grade = grade_from_report(column, *it->second);
    }
    const auto verdict = verdict_from_string(grade.verdict);
    if (!verdict || !graded(*verdict)) {
      std::string problem = column.label() + " " + grade.verdict;
      if (!grade.message.empty()) problem += ": " + one_line(grade.message, 200);
      problems.push_back(problem);
    }
    row.score += grade.points;
    row.max_score += kPointsPerExercise;
    row.exercises.push_back(std::move(grade));
  }
  for (const auto& p : problems) row.message += (row.message.empty() ? "" : "; ") + p;
  return row;
}

GradebookRow row_without_report(const std::string& student, const std::vector<GradebookColumn>& columns,
                                SubmissionStatus status, std::string message) {
  GradebookRow row;
  row.student = student;
  row.status = status;
  row.message = one_line(std::move(message), 600);
  for (const auto& column : columns) {
    ExerciseGrade grade;
    grade.column = column;
    row.exercises.push_back(std::move(grade));
    row.max_score += kPointsPerExercise;
  }
  return row;
}

std::string exercise_cell(const ExerciseGrade& grade) {
  if (grade.verdict == "passed" || grade.verdict == "failed")
    return std::to_string(grade.tests_passed) + "/" + std::to_string(grade.tests_total);
  return grade.verdict;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_text_field(std::string_view text) {
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos)
    return csv_field("'" + std::string(text));
  return csv_field(text);
}

std::string render_gradebook_csv(const std::vector<GradebookColumn>& columns, const std::vector<GradebookRow>& rows) {
  std::string out = "student,score,max_score";
  for (const auto& c : columns) out += "," + csv_field(c.label());
  out += ",status,message\n";
  for (const auto& row : rows) {
    out += csv_text_field(row.student) + "," + format_number(row.score) + "," + format_number(row.max_score);
    for (const auto& grade : row.exercises) out += "," + csv_field(exercise_cell(grade));
    out += std::string(",") + to_string(row.status) + "," + csv_text_field(row.message) + "\n";
  }
  return out;
}

std::string render_gradebook_json(const std::vector<GradebookRow>& rows) {
  json out = json::array();
  for (const auto& row : rows) {
    json exercises = json::array();
    for (const auto& g : row.exercises)
      exercises.push_back({{"chapter", g.column.chapter},
                           {"id", g.column.id},
                           {"name", g.column.name},
                           {"verdict", g.verdict},
                           {"message", g.message},
                           {"passed", g.tests_passed},
                           {"total", g.tests_total},
                           {"points", g.points},
                           {"max_points", kPointsPerExercise},
                           {"diagnoses", g.diagnoses},
                           {"attempt_ms", g.attempt_ms ? json(*g.attempt_ms) : json(nullptr)}});
    out.push_back({{"student", row.student},
                   {"status", to_string(row.status)},
                   {"message", row.message},
                   {"score", row.score},
                   {"max_score", row.max_score},
                   {"elapsed_s", row.elapsed_s},
                   {"report", row.report.empty() ? json(nullptr) : json(row.report.string())},
                   {"log", row.log.empty() ? json(nullptr) : json(row.log.string())},
                   {"exercises", exercises}});
  }
  return out.dump(2) + "\n";
}

}  // namespace asynclings::grader
