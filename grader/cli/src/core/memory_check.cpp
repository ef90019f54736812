#include "core/memory_check.hpp"

#include <algorithm>

namespace asynclings::grader {
namespace {

// The testkit's words when a test's requests never came (server_test.cpp: trace()).
constexpr const char* kRequestsNeverCame = "expected requests within";

bool crashed_by_a_fault(const ExerciseReport& report) {
  if (report.verdict != Verdict::crashed || report.signal.empty()) return false;
  for (const char* fault : {"SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL", "SIGFPE"})
    if (report.signal.rfind(fault, 0) == 0) return true;
  return false;
}

// A figure that counts the requests the server saw ("requests", "requests_sent",
// "peak_in_flight") at 0 where the test expected some ("exactly 3"): nothing arrived of the
// requests the code was given to make. (Not "requests_aborted" and the like: none aborted is
// an ordinary wrong answer.)
bool no_request_where_some_expected(const Figure& f) {
  const auto ends_with = [&f](const std::string& tail) {
    return f.name.size() >= tail.size() && f.name.compare(f.name.size() - tail.size(), tail.size(), tail) == 0;
  };
  const bool counts_requests = f.name == "requests" || f.name == "requests_sent" || ends_with("peak_in_flight");
  if (!counts_requests || f.value != 0) return false;
  return std::any_of(f.expected.begin(), f.expected.end(), [](char c) { return c >= '1' && c <= '9'; });
}

bool requests_never_came(const ExerciseReport& report) {
  if (report.verdict != Verdict::failed) return false;
  return std::any_of(report.tests.begin(), report.tests.end(), [](const TestResult& t) {
    if (t.status != TestStatus::failed) return false;
    return std::any_of(t.failures.begin(), t.failures.end(),
                       [](const std::string& f) { return f.find(kRequestsNeverCame) != std::string::npos; }) ||
           std::any_of(t.figures.begin(), t.figures.end(), no_request_where_some_expected);
  });
}

}  // namespace

bool wants_memory_check(const Session& session, const ExerciseReport& report) {
  if (!session.sanitize.empty() || report.variant != "exercise" || !session.workbook.submission.empty()) return false;
  if (!report.memory_error.excerpt.empty()) return false;  // already a sanitizer's finding
  return crashed_by_a_fault(report) || requests_never_came(report);
}

void run_memory_check(const Session& session, const CommonOptions& options, const Chapter& chapter,
                      const Exercise& exercise, ExerciseReport& report, const BuildObserver& build) {
  Session sanitized = session;
  sanitized.sanitize = "address";
  sanitized.workbook.build_dir += "-address";
  const std::string why = crashed_by_a_fault(report) ? "it crashed" : "requests it awaited never reached the server";
  BuildObserver observer = build;
  if (build.started)
    observer.started = [&build, &why](const std::string& target) {
      build.started(target + " under AddressSanitizer (" + why + ": is it a memory error?)");
    };
  try {
    configure(sanitized, options);
  } catch (const std::exception& e) {
    report.memory_error.rerun_note = std::string("could not re-run it under AddressSanitizer: ") + e.what();
    return;
  }
  const ExerciseReport checked =
      grade_target(sanitized, chapter, exercise, exercise_target(chapter, exercise), "exercise", observer);
  if (checked.memory_error.excerpt.empty()) {
    report.memory_error.rerun_note = "the grader re-ran it under AddressSanitizer (" + why +
                                     ") and found no memory error: the tests' findings stand";
    return;
  }
  // The memory error is the finding: what the plain run measured came from broken memory.
  report.verdict = Verdict::crashed;
  report.message = "memory error: " + checked.message;
  report.crash_location = checked.crash_location;
  report.running_test = checked.running_test;
  report.memory_error = checked.memory_error;
  report.memory_error.rerun_note = "found by the grader re-running it under AddressSanitizer on its own, as " + why +
                                   "; the sanitized build is " + sanitized.workbook.build_dir.string();
  report.output = checked.output;
  report.output_truncated = checked.output_truncated;
  report.tests.clear();
}

}  // namespace asynclings::grader
