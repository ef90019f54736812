#include "batch/gradebook.hpp"

#include "render/render.hpp"
#include "sandbox/process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

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

// ---- Submissions ----------------------------------------------------------------------------

namespace {

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

std::vector<std::string> chapter_names(const std::vector<GradebookColumn>& columns) {
  std::vector<std::string> names;
  for (const auto& c : columns)
    if (std::find(names.begin(), names.end(), c.chapter) == names.end()) names.push_back(c.chapter);
  return names;
}

}  // namespace

std::string work_name(const std::string& student) {
  const bool plain = !student.empty() && student.front() != '.' &&
                     std::all_of(student.begin(), student.end(), [](unsigned char c) {
                       return std::isalnum(c) || c == '.' || c == '_' || c == '-';
                     });
  if (plain) return student;
  std::string cleaned;
  for (unsigned char c : student) cleaned += std::isalnum(c) || c == '_' || c == '-' ? static_cast<char>(c) : '_';
  if (cleaned.size() > 40) cleaned.resize(40);
  // FNV-1a: the same student gets the same folder in every batch (builds are reused).
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : student) hash = (hash ^ c) * 16777619u;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-%08x", hash);
  return cleaned + suffix;
}

std::vector<Submission> find_submissions(const fs::path& dir, const std::vector<GradebookColumn>& columns) {
  if (!is_dir(dir)) throw GradebookError(dir.string() + " is not a folder (it should hold one folder per student)");
  std::vector<Submission> out;
  for (const auto& folder : visible_subfolders(dir)) {
    Submission s;
    s.student = folder.filename().string();
    s.folder = folder;
    s.exercises_dir = find_exercises_dir(folder, chapter_names(columns));
    s.work_name = work_name(s.student);
    out.push_back(std::move(s));
  }
  return out;
}

std::string why_empty(const Submission& submission, const std::vector<GradebookColumn>& columns) {
  const auto files = edit_files(columns);
  SubmittedFiles submitted(submission.folder, files);
  std::string looked_for;
  for (const auto& file : files) {
    if (!submitted.find(file).empty()) return {};
    if (looked_for.size() < 120) looked_for += (looked_for.empty() ? "" : ", ") + file.path();
  }
  if (submitted.exercises_dir().empty())
    return "no exercises/ folder and no chapter folder (such as " +
           (columns.empty() ? std::string("ch01-generators") : columns.front().chapter) + "/) in it";
  return "none of the files to edit is in it (looked for " + looked_for + (looked_for.size() >= 120 ? ", …" : "") +
         " under " + submitted.exercises_dir().string() + ")";
}

// ---- Grading one submission -----------------------------------------------------------------

std::vector<EditedFile> edit_files(const std::vector<GradebookColumn>& columns) {
  std::vector<EditedFile> files;
  for (const auto& c : columns)
    for (const auto& file : c.edit) files.push_back({c.chapter, file});
  return files;
}

SubmissionPaths submission_paths(const BatchPlan& plan, const Submission& submission) {
  const std::string& name = submission.work_name;
  return {plan.work_dir / "builds" / name / "submission", plan.work_dir / "builds" / name,
          plan.work_dir / "reports" / (name + ".json"), plan.work_dir / "logs" / (name + ".txt")};
}

std::vector<std::string> check_command(const BatchPlan& plan, const Submission& submission) {
  const auto paths = submission_paths(plan, submission);
  std::vector<std::string> argv{plan.grader.string(), "check"};
  if (plan.chapter.empty()) argv.push_back("--all");
  else argv.push_back(plan.chapter);
  for (const auto& a : {std::string("--root"), paths.root.string(), std::string("--tests-from"), plan.trusted.string(),
                        std::string("--build-dir"), paths.build.string(), std::string("--format"), std::string("json"),
                        std::string("--output"), paths.report.string()})
    argv.push_back(a);
  if (!plan.sanitize.empty()) {
    argv.push_back("--sanitize");
    argv.push_back(plan.sanitize);
  }
  if (plan.verbose) argv.push_back("--verbose");
  return argv;
}

std::vector<std::string> check_environment(const BatchPlan& plan) {
  std::vector<std::string> env{"NO_COLOR=1"};
  // Every student's build folder sits at the same depth under the work folder, so with paths
  // taken relative to it and the folder itself not hashed, ccache serves the second student
  // the delay server, testkit and precompiled header the first one compiled.
  if (const char* base = std::getenv("CCACHE_BASEDIR"); base == nullptr || *base == '\0')
    env.push_back("CCACHE_BASEDIR=" + plan.work_dir.string());
  if (const char* nohash = std::getenv("CCACHE_NOHASHDIR"); nohash == nullptr || *nohash == '\0')
    env.push_back("CCACHE_NOHASHDIR=true");
  if (plan.build_jobs > 0) env.push_back("CMAKE_BUILD_PARALLEL_LEVEL=" + std::to_string(plan.build_jobs));
  return env;
}

namespace {

const char* ending_name(Ending ending) {
  switch (ending) {
    case Ending::exited: return "exited";
    case Ending::signaled: return "signaled";
    case Ending::timed_out: return "timed_out";
    case Ending::interrupted: return "interrupted";
    case Ending::failed_to_start: return "failed_to_start";
  }
  return "failed_to_start";
}

// The grader's own explanation in what it printed: its last "grader…:" line, else the last line.
std::string reason_in_output(const std::string& output) {
  std::istringstream lines(output);
  std::string line, last, last_grader;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    last = line;
    if (line.rfind("grader", 0) == 0) last_grader = line;
  }
  return last_grader.empty() ? last : last_grader;
}

std::string seconds_text(std::chrono::milliseconds ms) { return format_number(std::round(ms.count() / 100.0) / 10.0) + " s"; }

}  // namespace

std::string stage_submission(const BatchPlan& plan, const Submission& submission) {
  return stage_submission(submission.folder, plan.edit_files, plan.trusted, submission_paths(plan, submission).root).error;
}

void seed_chapter_tool(const BatchPlan& plan, const fs::path& build) {
  // Configuring a build folder compiles chapter-tool (cmake/Chapters.cmake) unless the folder
  // has one newer than its sources. Every student's build compiles the same trusted sources,
  // so a copy of one an earlier build made saves each student that compile (the largest part
  // of configuring); one older than a source is not used.
  const fs::path relative = fs::path("chapter-tool") / "chapter-tool";
  std::error_code ec;
  if (fs::exists(build / relative, ec)) return;
  auto newest_source = fs::file_time_type::min();
  for (const char* name : {"manifest.cpp", "patch.cpp", "integrity.cpp", "chapter_tool.cpp",
                           "manifest.hpp", "patch.hpp", "integrity.hpp"}) {
    const auto time = fs::last_write_time(plan.trusted / "grader" / "cli" / "src" / "core" / name, ec);
    if (ec) return;
    newest_source = std::max(newest_source, time);
  }
  for (fs::directory_iterator it(plan.work_dir / "builds", ec), end; !ec && it != end;
       it.increment(ec)) {
    const fs::path tool = it->path() / relative;
    if (!fs::is_regular_file(tool, ec) || fs::last_write_time(tool, ec) < newest_source || ec)
      continue;
    fs::create_directories(build / "chapter-tool", ec);
    const fs::path partial = build / "chapter-tool" / "chapter-tool.partial";
    if (fs::copy_file(tool, partial, fs::copy_options::overwrite_existing, ec))
      fs::rename(partial, build / relative, ec);
    return;
  }
}

std::string run_check(const BatchPlan& plan, const Submission& submission) {
  const auto paths = submission_paths(plan, submission);
  std::error_code ec;
  for (const auto& dir : {paths.build, paths.report.parent_path(), paths.log.parent_path()})
    fs::create_directories(dir, ec);
  // Nothing from an earlier batch may stand in for this one's results.
  fs::remove(paths.report, ec);
  seed_chapter_tool(plan, paths.build);
  // Only copies of the edited files reach the build, at the same place in every student's
  // build folder: odd folder names never reach CMake, and identical files hit one ccache entry.
  json summary;
  if (const std::string error = stage_submission(plan, submission); !error.empty()) {
    summary = {{"ending", "failed_to_start"}, {"error", "cannot stage the submission: " + error}};
    return summary.dump();
  }

  std::ofstream log(paths.log, std::ios::trunc);
  RunOptions options;
  options.sandbox = false;  // it builds: the compiler needs memory and writes big files
  options.time_limit = plan.time_limit;
  options.output_cap = 4096;
  options.extra_env = check_environment(plan);
  options.on_output = [&log](std::string_view chunk) {
    log.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    log.flush();  // so that `tail -f` on a student's log follows the grading
  };
  const RunResult run = run_process(check_command(plan, submission), options);
  log.flush();
  summary = {{"ending", ending_name(run.ending)}, {"exit_code", run.exit_code},
             {"signal", run.signal == 0 ? std::string{} : signal_name(run.signal)},
             {"elapsed_ms", run.elapsed.count()}, {"output", run.output}, {"error", run.error}};
  return summary.dump();
}

GradebookRow grade_row(const BatchPlan& plan, const Submission& submission, const std::vector<GradebookColumn>& columns,
                       const std::string& run_summary, const std::string& worker_error) {
  const auto paths = submission_paths(plan, submission);
  if (!worker_error.empty())
    return row_without_report(submission.student, columns, SubmissionStatus::crashed,
                              "the process grading it failed: " + worker_error);
  json run;
  try {
    run = json::parse(run_summary);
  } catch (const json::exception& e) {
    return row_without_report(submission.student, columns, SubmissionStatus::crashed,
                              std::string("the process grading it returned no result: ") + e.what());
  }
  const std::string ending = string_or_empty(run, "ending");
  const auto elapsed = std::chrono::milliseconds(run.value("elapsed_ms", 0LL));
  GradebookRow row;
  std::error_code ec;
  if (ending == "exited" && fs::exists(paths.report, ec)) {
    std::ifstream in(paths.report);
    std::stringstream text;
    text << in.rdbuf();
    try {
      row = row_from_report(submission.student, columns, text.str());
      row.report = paths.report;
    } catch (const GradebookError& e) {
      row = row_without_report(submission.student, columns, SubmissionStatus::no_report,
                               std::string("its report ") + paths.report.string() + " is unreadable: " + e.what());
    }
  } else if (ending == "exited") {
    row = row_without_report(submission.student, columns, SubmissionStatus::no_report,
                             "grader check exited with code " + std::to_string(run.value("exit_code", -1)) +
                                 " without a report: " + reason_in_output(string_or_empty(run, "output")));
  } else if (ending == "timed_out") {
    row = row_without_report(submission.student, columns, SubmissionStatus::timed_out,
                             "grading took longer than the limit of " + seconds_text(plan.time_limit) +
                                 " (--time-limit); it was stopped with everything it started");
  } else if (ending == "signaled") {
    row = row_without_report(submission.student, columns, SubmissionStatus::crashed,
                             "grader check died of " + string_or_empty(run, "signal"));
  } else if (ending == "interrupted") {
    row = row_without_report(submission.student, columns, SubmissionStatus::interrupted,
                             "the batch was interrupted while grading it");
  } else {
    row = row_without_report(submission.student, columns, SubmissionStatus::no_report,
                             "could not start grader check: " + string_or_empty(run, "error"));
  }
  row.elapsed_s = static_cast<double>(elapsed.count()) / 1000.0;
  if (fs::exists(paths.log, ec)) row.log = paths.log;
  return row;
}

}  // namespace asynclings::grader
