// Grading one exercise binary: run it in the sandbox, read its results, and decide the
// verdict. The report types every renderer reads live here.
#pragma once

#include "core/compile_error.hpp"
#include "core/gtest_results.hpp"
#include "core/manifest.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace asynclings::grader {

enum class Verdict {
  passed,
  failed,
  not_started,    // the stub is untouched: it throws "not implemented yet:"
  compile_error,
  crashed,
  timed_out,
  error,          // could not grade for a reason that is not the student's (see message)
  interrupted,
  tampered,       // the submission tried to change how it is graded (see docs/grading-integrity.md)
};
const char* to_string(Verdict verdict);       // "passed", "not_started", …
const char* verdict_label(Verdict verdict);   // "PASS", "NOT STARTED", …
// Whether the tests judged the code (passed / failed / not started).
bool graded(Verdict verdict);

struct ExerciseReport {
  std::string chapter;  // ch01-generators
  std::string id;       // ex1
  std::string name;
  std::string title;
  std::string variant = "exercise";  // exercise, solution, mistake-<name>
  Verdict verdict = Verdict::error;
  std::string message;  // one line: why (crash signal, timeout, error)
  std::optional<CompileError> compile_error;
  std::string build_log_file;
  std::string build_log;  // kept for --verbose
  double time_limit_s = 0;
  double inherent_delay_ms = 0;
  double elapsed_ms = 0;  // the test binary's run
  double build_ms = 0;    // building its target (cmake --build, a no-op when up to date)
  int exit_code = -1;
  std::string signal;        // "SIGSEGV (Segmentation fault)"
  std::string running_test;  // the test running when it crashed or timed out
  std::string crash_location;  // "ex2_send.hpp:86: *nowhere = 42;" (first frame in the student's files)
  // A sanitizer's report, read (sanitizer_report.hpp): what it usually means, where the memory
  // was freed, its decisive lines; and, when the grader re-ran a failure under AddressSanitizer
  // on its own (memory_check.hpp), what that re-run found.
  struct MemoryError {
    std::string reading;
    std::string freed_at;
    std::string dead_variable;
    std::string excerpt;
    std::string rerun_note;
  } memory_error;
  std::string output;        // captured output (capped), shown for crashes and timeouts
  bool output_truncated = false;
  int stray_processes_killed = 0;
  std::vector<TestResult> tests;
  int hints_total = 0;
  int hints_read = 0;
  ExpectedShapes expected_shapes;  // how a correct solution places each test's requests
  // The reference solution's trace of each test ("Suite.Name"), from its own run of the same
  // tests (reference_run.hpp); the expected pictures are drawn from it when present.
  std::map<std::string, std::vector<TraceRequest>> reference_traces;
  std::string reference_note;  // why there is no reference run (the pictures fall back)

  int passed_count() const;
  int failed_count() const;
};

struct GradeOptions {
  std::chrono::milliseconds time_limit{60'000};
  std::filesystem::path results_dir;  // where the gtest JSON goes (a temp dir when empty)
  std::vector<std::string> extra_env;
  bool limit_address_space = true;  // off under sanitizers (ASan/TSan map huge shadows)
  // The tests the trusted test file declares ("Suite.Name"); a report that lists others, or
  // leaves one out, was not written by those tests. Empty: not checked.
  std::set<std::string> expected_tests;
  std::uint64_t address_space_bytes = 4ull << 30;
  // The names of the files the student edits: a crash is placed at the first frame in one.
  std::vector<std::string> student_files;
  // Hand the program the results channel (a pipe and a key of this run) and believe its report
  // only where it agrees with what came through (docs/grading-integrity.md). Off only for the
  // grader's own tests, whose fake test binaries write a report and nothing else.
  bool results_channel = true;
  // A graded run (--tests-from, grade-batch): the program is confined (RunOptions::writable_dir)
  // to the results folder, which is also its TMPDIR.
  bool confine = false;
};

// Why the test report <tests> disagrees with the lines that came through the results channel
// (<channel>, tagged with <key_hex>, the run's key as 32 hex digits); empty when they agree: a
// line the testkit did not write (wrong tag, number or form), a run with no "done", a test the
// report gives another status than the one it ended with, lists without its having run, or
// leaves out although it ran.
std::string channel_disagreement(std::string_view channel, const std::string& key_hex,
                                 const std::vector<TestResult>& tests);

// The first line of a sanitizer report in <output> ("AddressSanitizer: heap-use-after-free
// on address …"), empty when there is none.
std::string sanitizer_finding(const std::string& output);

// Runs <binary> (a GoogleTest executable) and fills verdict, tests and the run's facts of
// <report>.
void grade_binary(const std::filesystem::path& binary, const GradeOptions& options,
                  ExerciseReport& report);

// The test that was running when the output stops: a "[ RUN      ]" line with no result.
std::string last_running_test(const std::string& output);

// The verdict of a normal run from its tests.
Verdict verdict_from_tests(const std::vector<TestResult>& tests);

}  // namespace asynclings::grader
