#include "core/session.hpp"

#include "core/build_runner.hpp"
#include "core/integrity.hpp"
#include "core/patch.hpp"
#include "core/staging.hpp"
#include "sandbox/process.hpp"

#include <cstdlib>
#include <fstream>

namespace asynclings::grader {

Session open_session(const CommonOptions& options) {
  Session session;
  std::filesystem::path student_root;
  if (!options.root.empty()) {
    student_root = std::filesystem::absolute(options.root);
    // A submission graded with --tests-from gives only its edited files, wherever they are
    // in it (core/staging.hpp; its CMakeLists.txt, tests and manifests are never read); a
    // workbook needs both.
    std::error_code ec;
    if (!options.tests_from.empty() ? !std::filesystem::is_directory(student_root, ec)
                                    : !is_workbook_root(student_root))
      throw WorkbookError(student_root.string() + (options.tests_from.empty()
                              ? " is not a workbook (it needs exercises/ and CMakeLists.txt)"
                              : " is not a submission (no such folder)"));
  } else if (const char* from_wrapper = std::getenv("ASYNCLINGS_ROOT"); from_wrapper && *from_wrapper) {
    // bin/grader says where the workbook is, so the grader works from any folder.
    student_root = std::filesystem::absolute(from_wrapper);
  } else {
    student_root = find_root(std::filesystem::current_path());
  }
  if (!options.tests_from.empty()) {
    const auto trusted = std::filesystem::absolute(options.tests_from);
    if (!is_workbook_root(trusted))
      throw WorkbookError("--tests-from " + trusted.string() + " is not a workbook (it needs exercises/ and CMakeLists.txt)");
    session.workbook.root = trusted;
    session.workbook.submission = student_root;
    session.workbook.build_dir = options.build_dir.empty() ? trusted / "build-submission" : std::filesystem::absolute(options.build_dir);
  } else {
    session.workbook.root = student_root;
    session.workbook.build_dir = options.build_dir.empty() ? student_root / "build" : std::filesystem::absolute(options.build_dir);
  }
  if (!options.sanitize.empty()) {
    if (options.sanitize != "address" && options.sanitize != "thread" && options.sanitize != "undefined")
      throw WorkbookError("--sanitize takes address, thread or undefined");
    // A sanitized build never shares a folder with the plain one.
    session.workbook.build_dir += "-" + options.sanitize;
    session.sanitize = options.sanitize;
  }
  // Manifests always come from the trusted tree.
  session.chapters = load_chapters(session.workbook.root);
  return session;
}

namespace {

// A submission gives its edited files only: found in it and copied (when changed) into the
// build folder's submission/ as core/staging.hpp says, and the build reads them there. The
// submission's own folder is never an include folder, so a file it adds (gtest/gtest.h, a
// header named like a standard one, a support header) cannot stand in for the trusted one.
std::filesystem::path stage_edited_files(const Session& session) {
  namespace fs = std::filesystem;
  const auto& wb = session.workbook;
  const fs::path staged = submission_copy(wb);
  std::error_code ec;
  if (fs::weakly_canonical(wb.submission, ec) == fs::weakly_canonical(staged, ec))
    return staged;  // grade-batch staged it there already
  const auto files = edited_files(session.chapters);
  const StagedSubmission result = stage_submission(wb.submission, files, wb.root, staged);
  if (!result.error.empty()) throw WorkbookError("cannot stage the submission: " + result.error);
  if (result.handed_in.empty() && !files.empty())
    throw WorkbookError(wb.submission.string() + " is not a submission: none of the files to edit is in it (such as " +
                        files.front().path() + ")");
  return staged;
}

}  // namespace

void configure(const Session& session, const CommonOptions& options) {
  const auto& wb = session.workbook;
  std::vector<std::string> sanitize_args;
  if (!session.sanitize.empty())
    sanitize_args = {"-DASYNCLINGS_SANITIZE=" + session.sanitize, "-DASYNCLINGS_BUILD_MISTAKES=OFF"};
  if (wb.submission.empty()) {
    ensure_configured(wb, sanitize_args, options.quiet);
    return;
  }
  // Grading a submission: the trusted tree's tests and manifests, only the edited files
  // from the submission (cmake/Chapters.cmake). Reconfigured every time, so a build folder
  // reused for another submission never grades the previous one.
  std::error_code ec;
  std::filesystem::remove(wb.build_dir / "CMakeCache.txt", ec);
  ensure_configured(wb,
                    {"-DASYNCLINGS_SUBMISSION_DIR=" + stage_edited_files(session).string(),
                     "-DASYNCLINGS_BUILD_MISTAKES=OFF", "-DASYNCLINGS_BUILD_PROJECT_TESTS=OFF",
                     sanitize_args.empty() ? "-DASYNCLINGS_SANITIZE=" : sanitize_args.front()},
                    options.quiet);
}

IntegrityRules integrity_rules(const Session& session, const Chapter& chapter, const Exercise& exercise) {
  IntegrityRules rules;
  rules.allowed_categories.insert(exercise.allow.begin(), exercise.allow.end());
  // Only the exercise's own files: another exercise's file is not checked with this one.
  rules.local_files.insert(exercise.edit.begin(), exercise.edit.end());
  // What the trusted tests and the testkit spell may not be redefined by a macro.
  std::vector<std::filesystem::path> trusted = {session.workbook.root / "exercises" / chapter.dir_name / exercise.test};
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           session.workbook.root / "grader" / "testkit" / "include", ec))
    if (entry.is_regular_file()) trusted.push_back(entry.path());
  for (const auto& path : trusted) {
    try {
      const auto names = identifiers_of(read_text_file(path));
      rules.test_identifiers.insert(names.begin(), names.end());
    } catch (const PatchError&) {
    }
  }
  return rules;
}

std::vector<IntegrityFinding> check_exercise_integrity(const Session& session, const Chapter& chapter,
                                                       const Exercise& exercise) {
  const auto& wb = session.workbook;
  // A submission's files as they were staged for the build: what is checked is what is compiled.
  const auto dir = (wb.submission.empty() ? wb.root : submission_copy(wb)) / "exercises" / chapter.dir_name;
  const IntegrityRules rules = integrity_rules(session, chapter, exercise);
  std::vector<IntegrityFinding> findings;
  for (const auto& file : exercise.edit) {
    std::string text;
    try {
      text = read_text_file(dir / file);
    } catch (const PatchError&) {
      continue;  // a missing file is the build's to report
    }
    for (auto& f : scan_source(file, text, rules)) findings.push_back(std::move(f));
  }
  return findings;
}

ExerciseReport grade_target(const Session& session, const Chapter& chapter, const Exercise& exercise,
                            const std::string& target, const std::string& variant,
                            const BuildObserver& build_observer) {
  ExerciseReport report;
  report.chapter = chapter.dir_name;
  report.id = exercise.id;
  report.name = exercise.name;
  report.title = exercise.title;
  report.variant = variant;
  report.time_limit_s = exercise.time_limit_seconds;
  report.inherent_delay_ms = exercise.inherent_delay_ms;
  report.hints_total = static_cast<int>(exercise.hints.size());
  report.expected_shapes = exercise.expected_shapes;

  if (variant == "exercise") {
    // The student's files are checked before any of them is compiled (docs/grading-integrity.md).
    const auto findings = check_exercise_integrity(session, chapter, exercise);
    if (!findings.empty()) {
      report.verdict = Verdict::tampered;
      report.message = "the grader's static check refused " + std::to_string(findings.size()) +
                       (findings.size() == 1 ? " construct" : " constructs") + " in your files; nothing was built or run:";
      for (const auto& f : findings) report.message += "\n                 " + describe(f);
      report.message += "\n               Debug printing (std::cout, std::printf, fmt), the standard library, Asio and your own "
                        "helpers are always fine.";
      return report;
    }
  }
  if (build_observer.started) build_observer.started(target);
  std::function<void(const BuildStep&)> on_step;
  if (build_observer.step) on_step = [&](const BuildStep& step) { build_observer.step(target, step); };
  const BuildResult build = build_target(session.workbook, target, on_step);
  report.build_ms = static_cast<double>(build.elapsed.count());
  if (build.interrupted) {
    report.verdict = Verdict::interrupted;
    report.message = "interrupted while building";
    return report;
  }
  if (!build.ok && build.configure_failed) {
    report.verdict = Verdict::error;
    report.message = "the build folder " + session.workbook.build_dir.string() + " could not be configured: " +
                     build.configure_error + " (full log: " + build.log_file.string() + ")";
    report.build_log = build.log;
    return report;
  }
  if (!build.ok) {
    report.verdict = Verdict::compile_error;
    report.compile_error = build.error;
    report.build_log_file = build.log_file.string();
    report.build_log = build.log;
    if (build.log.find("unknown target") != std::string::npos) {
      report.verdict = Verdict::error;
      report.message = "the build has no target " + target + " (reconfigure: cmake -S " +
                       session.workbook.root.string() + " -B " + session.workbook.build_dir.string() + ")";
      report.compile_error.reset();
    }
    return report;
  }
  GradeOptions options;
  options.time_limit = std::chrono::milliseconds(static_cast<long long>(exercise.time_limit_seconds * 1000));
  for (const auto& file : exercise.edit) options.student_files.push_back(std::filesystem::path(file).filename().string());
  options.results_dir = session.workbook.build_dir / "grader-results";
  // Graded (the tests come from a trusted copy): the test binary may write only there.
  options.confine = !session.workbook.submission.empty();
  options.address_space_bytes = static_cast<std::uint64_t>(exercise.memory_limit_mb) << 20;
  try {
    options.expected_tests = declared_tests(read_text_file(session.workbook.root / "exercises" / chapter.dir_name / exercise.test));
  } catch (const PatchError&) {
    // No readable test file: the build above would have failed first.
  }
  if (!session.sanitize.empty()) {
    // Sanitizers slow code down several times and reserve terabytes of address space.
    options.time_limit *= 4;
    options.limit_address_space = false;
    options.extra_env.push_back(std::string(protocol::kTimeToleranceEnv) + "=4");
    if (session.sanitize == "address") {
      // A coroutine reading a local of a function that has returned is a stack-use-after-return
      // naming that local, not a stack-buffer-overflow in whatever frame reused the stack.
      const char* own = std::getenv("ASAN_OPTIONS");
      options.extra_env.push_back(std::string("ASAN_OPTIONS=detect_stack_use_after_return=1") +
                                  (own && *own ? std::string(":") + own : std::string()));
    }
  }
  grade_binary(target_binary(session.workbook, target), options, report);
  return report;
}

}  // namespace asynclings::grader
