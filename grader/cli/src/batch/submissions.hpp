// The submissions of `grader grade-batch`: each student's folder, and grading one submission
// with `grader check` in the sandbox (N at once: sandbox/workers.hpp), its files staged the
// one way every grading path stages them (core/staging.hpp).
#pragma once

#include "batch/gradebook.hpp"
#include "core/staging.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace asynclings::grader {

// ---- Submissions ----------------------------------------------------------------------------

struct Submission {
  std::string student;                  // the folder's name
  std::filesystem::path folder;         // SUBMISSIONS/<student>
  std::filesystem::path exercises_dir;  // the folder holding its chapter folders; empty: none
  std::string work_name;                // safe as a file name, distinct per student
};

// The student folders of <dir> (dot-folders and plain files skipped), sorted by name. A
// folder may be a whole workbook copy, only its exercises/ tree, the chapter folders
// themselves, or one folder holding one of those (an unpacked archive).
std::vector<Submission> find_submissions(const std::filesystem::path& dir, const std::vector<GradebookColumn>& columns);
// <student> itself when it is a plain file name ([A-Za-z0-9._-], not starting with a dot);
// otherwise a cleaned name with a hash of the original, so two students never share a folder.
std::string work_name(const std::string& student);
// Why nothing can be graded in <submission> (no folder, none of the files to edit, looked for
// as core/staging.hpp says); empty when something can.
std::string why_empty(const Submission& submission, const std::vector<GradebookColumn>& columns);

// ---- Grading one submission -----------------------------------------------------------------

struct BatchPlan {
  std::filesystem::path grader;    // the program to run: this grader (/proc/self/exe)
  std::filesystem::path trusted;   // the trusted workbook: tests, manifests, CMake files
  std::filesystem::path work_dir;  // builds/, reports/ and logs/ per student
  std::string chapter;             // a chapter folder name; empty: every chapter
  std::chrono::milliseconds time_limit{std::chrono::hours(24)};  // one submission, in all
  std::string sanitize;            // passed on to `grader check`
  bool verbose = false;
  int build_jobs = 0;  // CMAKE_BUILD_PARALLEL_LEVEL for each build; 0: leave as it is
  // The files a student edits (the columns' edit lists): the only files of a submission that
  // are staged for its build.
  std::vector<EditedFile> edit_files;
};
// Every column's edited files.
std::vector<EditedFile> edit_files(const std::vector<GradebookColumn>& columns);

// Where the files of one student's grading go under plan.work_dir.
struct SubmissionPaths {
  // builds/<name>/submission: exercises/<chapter>/<file>, copies of the student's edited files.
  // Inside the build folder, so every student's files are at the same path relative to their
  // build: ccache (CCACHE_BASEDIR, CCACHE_NOHASHDIR) serves two students with the same file the
  // same object.
  std::filesystem::path root;
  std::filesystem::path build;   // builds/<name>
  std::filesystem::path report;  // reports/<name>.json
  std::filesystem::path log;     // logs/<name>.txt
};
SubmissionPaths submission_paths(const BatchPlan& plan, const Submission& submission);

// The `grader check` command line that grades <submission> isolated, with the trusted tests.
std::vector<std::string> check_command(const BatchPlan& plan, const Submission& submission);
// The environment added to it: ccache shared between the students' build folders, no colours,
// the build's parallelism.
std::vector<std::string> check_environment(const BatchPlan& plan);

// Stages plan.edit_files of <submission> into its root (submission_paths) with the one staging
// function every grading path uses (core/staging.hpp): a file the student does not have is the
// trusted stub. Returns why it could not, or empty.
std::string stage_submission(const BatchPlan& plan, const Submission& submission);
// Copies into <build> a chapter-tool another student's build folder compiled from the trusted
// sources (not older than any of them), so configuring <build> does not compile it again.
void seed_chapter_tool(const BatchPlan& plan, const std::filesystem::path& build);
// Runs `grader check` for <submission> in the sandbox (its own process group, the plan's time
// limit, killed with its whole group on timeout or interruption), after staging its files and
// clearing any report of an earlier batch. Returns what happened, as text for grade_row (a worker process runs it).
std::string run_check(const BatchPlan& plan, const Submission& submission);
// The gradebook row from what run_check returned (or from <worker_error> when the worker
// itself failed) and the report file it left.
GradebookRow grade_row(const BatchPlan& plan, const Submission& submission,
                       const std::vector<GradebookColumn>& columns, const std::string& run_summary,
                       const std::string& worker_error = {});

}  // namespace asynclings::grader
