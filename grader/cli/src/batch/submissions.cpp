#include "batch/submissions.hpp"

#include "render/render.hpp"
#include "sandbox/process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace asynclings::grader {

namespace fs = std::filesystem;
using json = nlohmann::json;

// ---- Submissions ----------------------------------------------------------------------------

namespace {

std::string string_or_empty(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

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
