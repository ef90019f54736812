// `grader grade-batch SUBMISSIONS`: every student folder graded as `grader check --tests-from`
// grades it, N at once, into one gradebook and the class view beside it. The work is in
// batch/ (submissions, gradebook, class_view) and sandbox/workers.
#include "batch/class_view.hpp"
#include "batch/gradebook.hpp"
#include "batch/submissions.hpp"
#include "cli/commands.hpp"
#include "core/resolve.hpp"
#include "render/render.hpp"
#include "sandbox/process.hpp"
#include "sandbox/workers.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>

namespace asynclings::grader {

namespace {

// Grades many submission folders with one trusted workbook into one gradebook.
struct GradeBatchOptions {
  CommonOptions common;              // common.tests_from: the trusted workbook (default: --root)
  std::filesystem::path submissions;  // one sub-folder per student
  std::string chapter;               // empty with all
  bool all = false;
  int jobs = 1;
  std::filesystem::path output;       // gradebook; .csv or .json decides the format
  std::filesystem::path work_dir;     // build folders and per-student reports
  double time_limit_seconds = 0;      // whole-submission limit; 0: none beyond the per-test limits
};

namespace fs = std::filesystem;

int usage_error(const std::string& message) {
  std::fprintf(stderr, "grader grade-batch: %s\n", message.c_str());
  return 2;
}

// A folder name may hold anything, line breaks included; a progress line stays one line.
std::string printable(std::string text) {
  for (auto& c : text)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  return text;
}

std::string progress_line(std::size_t done, std::size_t total, const GradebookRow& row) {
  std::string line = "[" + std::to_string(done) + "/" + std::to_string(total) + "] " + printable(row.student) + ": ";
  if (row.status == SubmissionStatus::graded) line += format_number(row.score) + "/" + format_number(row.max_score);
  else line += to_string(row.status);
  line += " (" + format_number(std::round(row.elapsed_s)) + " s)";
  if (!row.message.empty()) line += "  " + (row.message.size() > 160 ? row.message.substr(0, 160) + "…" : row.message);
  return line + "\n";
}

bool write_file(const fs::path& file, const std::string& text) {
  // Written aside, then renamed: a reader never sees half a gradebook.
  const fs::path partial = file.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::trunc);
    out << text;
    if (!out.flush()) return false;
  }
  std::error_code ec;
  fs::rename(partial, file, ec);
  return !ec;
}

int run_grade_batch(const GradeBatchOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  if (options.chapter.empty() == !options.all)
    return usage_error("name one chapter (--chapter ch3) or grade every chapter (--all)");
  const std::string extension = options.output.extension().string();
  if (extension != ".csv" && extension != ".json")
    return usage_error("the gradebook (-o) must end in .csv or .json, not \"" + options.output.string() + "\"");
  if (!options.common.build_dir.empty())
    return usage_error("--build-dir is not used here: each student's build folder is <work-dir>/builds/<student>");
  const fs::path output = fs::absolute(options.output);
  if (access(output.parent_path().c_str(), W_OK) != 0)
    return usage_error("cannot write the gradebook into " + output.parent_path().string());

  // The trusted workbook: tests, manifests and CMake files of every grading come from it.
  CommonOptions trusted;
  trusted.root = options.common.tests_from.empty() ? options.common.root : options.common.tests_from;
  const Session session = open_session(trusted);
  std::vector<const Chapter*> chapters;
  if (options.all)
    for (const auto& c : session.chapters) chapters.push_back(&c);
  else
    chapters.push_back(&resolve_chapter(session.chapters, options.chapter));
  const auto columns = gradebook_columns(chapters);
  if (columns.empty()) return usage_error("the trusted workbook " + session.workbook.root.string() + " has no exercises");

  std::vector<Submission> submissions;
  try {
    submissions = find_submissions(options.submissions, columns);
  } catch (const GradebookError& e) {
    return usage_error(e.what());
  }
  if (submissions.empty())
    return usage_error("no student folder in " + options.submissions.string() + " (one folder per student, named by student)");

  BatchPlan plan;
  std::error_code ec;
  plan.grader = fs::canonical("/proc/self/exe", ec);
  if (ec) return usage_error("cannot find the grader program itself (/proc/self/exe): " + ec.message());
  plan.trusted = fs::canonical(session.workbook.root);
  plan.work_dir = fs::absolute(options.work_dir.empty() ? fs::path(output.string() + ".work") : options.work_dir);
  fs::create_directories(plan.work_dir, ec);
  if (ec) return usage_error("cannot make the work folder " + plan.work_dir.string() + ": " + ec.message());
  plan.work_dir = fs::canonical(plan.work_dir);
  plan.chapter = options.all ? std::string{} : chapters.front()->dir_name;
  if (options.time_limit_seconds > 0)
    plan.time_limit = std::chrono::milliseconds(static_cast<long long>(options.time_limit_seconds * 1000));
  plan.sanitize = options.common.sanitize;
  plan.edit_files = edit_files(columns);
  plan.verbose = options.common.verbose;
  const int jobs = std::max(1, options.jobs);
  // N builds at once share the cores; a user's own CMAKE_BUILD_PARALLEL_LEVEL wins.
  if (const char* level = std::getenv("CMAKE_BUILD_PARALLEL_LEVEL"); level == nullptr || *level == '\0')
    plan.build_jobs = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / jobs);

  std::fprintf(stderr, "grading %zu submission%s (%s) with the tests of %s, %d at once; builds, reports and logs in %s\n",
               submissions.size(), submissions.size() == 1 ? "" : "s", options.all ? "every chapter" : plan.chapter.c_str(), plan.trusted.c_str(), jobs,
               plan.work_dir.c_str());
  std::vector<std::optional<GradebookRow>> rows(submissions.size());
  std::size_t done = 0;
  auto record = [&](std::size_t index, GradebookRow row) {
    std::fputs(progress_line(++done, submissions.size(), row).c_str(), stderr);
    std::fflush(stderr);
    rows[index] = std::move(row);
  };
  std::vector<std::size_t> to_grade;
  for (std::size_t i = 0; i < submissions.size(); ++i) {
    if (const std::string why = why_empty(submissions[i], columns); !why.empty())
      record(i, row_without_report(submissions[i].student, columns, SubmissionStatus::empty, why));
    else
      to_grade.push_back(i);
  }

  WorkerJobs work;
  work.count = to_grade.size();
  work.parallel = jobs;
  work.first_alone = jobs > 1;
  work.job = [&](std::size_t k) {
    BatchPlan own = plan;
    // The first submission, graded alone, may use every core for its build.
    if (k == 0 && work.first_alone && plan.build_jobs > 0) own.build_jobs = plan.build_jobs * jobs;
    return run_check(own, submissions[to_grade[k]]);
  };
  work.finished = [&](std::size_t k, const WorkerOutcome& outcome) {
    const Submission& s = submissions[to_grade[k]];
    record(to_grade[k], outcome.started
                            ? grade_row(plan, s, columns, outcome.payload, outcome.completed ? std::string{} : outcome.error)
                            : row_without_report(s.student, columns, SubmissionStatus::interrupted,
                                                 "the batch was interrupted before grading it"));
  };
  try {
    run_in_workers(work);
  } catch (const GradebookError& e) {
    return usage_error(e.what());
  }

  std::vector<GradebookRow> gradebook;
  for (auto& row : rows)
    if (row) gradebook.push_back(std::move(*row));
  const std::string text = extension == ".csv" ? render_gradebook_csv(columns, gradebook) : render_gradebook_json(gradebook);
  if (!write_file(output, text)) return usage_error("cannot write " + output.string());
  // The class view: what the class got wrong, per exercise, beside the gradebook.
  const ClassView view = make_class_view(columns, gradebook);
  const ClassViewFiles files = class_view_files(output);
  const std::string title = (options.all ? std::string("every chapter") : plan.chapter) + ", " +
                            options.submissions.filename().string();
  for (const auto& [file, text] : {std::pair{files.json, render_class_view_json(view)},
                                   std::pair{files.csv, render_class_view_csv(view)},
                                   std::pair{files.html, render_class_view_html(view, title)}})
    if (!write_file(file, text)) return usage_error("cannot write " + file.string());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr, "gradebook of %zu student%s written to %s in %.0f s\n", gradebook.size(),
               gradebook.size() == 1 ? "" : "s", output.c_str(), seconds);
  std::fprintf(stderr, "class view (mistakes, hangs, crashes, tampering and attempt times per exercise): %s, %s, %s\n",
               files.html.c_str(), files.json.c_str(), files.csv.c_str());
  if (interrupted()) {
    std::fprintf(stderr, "grader grade-batch: interrupted; everything it started was stopped\n");
    return 128 + interrupt_signal();
  }
  return 0;
}

}  // namespace

Verb add_grade_batch(CLI::App& app) {
  auto batch = std::make_shared<GradeBatchOptions>();
  auto* command = app.add_subcommand("grade-batch", "Instructor: grade every submission folder in DIR into one gradebook");
  add_common_options(command, batch->common);
  command->add_option("--tests-from", batch->common.tests_from,
                      "The trusted workbook (tests, manifests, CMake files); default: --root");
  command->add_option("submissions", batch->submissions, "Folder with one workbook copy per student")->required();
  command->add_option("--chapter", batch->chapter, "Grade this chapter");
  command->add_flag("--all", batch->all, "Grade every chapter");
  command->add_option("-j,--jobs", batch->jobs, "Submissions graded at once")->check(CLI::PositiveNumber);
  command->add_option("-o,--output", batch->output, "Gradebook file: .csv or .json")->required();
  command->add_option("--work-dir", batch->work_dir, "Build folders and per-student reports (default: <output>.work)");
  command->add_option("--time-limit", batch->time_limit_seconds, "Seconds one submission may take in all");
  return {command, [batch] { return run_grade_batch(*batch); }};
}

}  // namespace asynclings::grader
