#include "core/expectations.hpp"

namespace asynclings::grader {
namespace {
std::string not_graded(const ExerciseReport& r) {
  std::string s = std::string(verdict_label(r.verdict));
  if (!r.message.empty()) s += ": " + r.message;
  if (r.compile_error) s += ": " + r.compile_error->file + ":" + std::to_string(r.compile_error->line) + ": " + r.compile_error->message;
  return s;
}
}  // namespace

std::string expect_all_pass(const ExerciseReport& r) {
  if (r.verdict == Verdict::passed) return {};
  if (!graded(r.verdict)) return not_graded(r);
  std::string failing;
  for (const auto& t : r.tests)
    if (t.status == TestStatus::failed) failing += (failing.empty() ? "" : ", ") + t.full_name() + (t.diagnosis.empty() ? "" : " [" + t.diagnosis + "]");
  return std::to_string(r.failed_count()) + " of " + std::to_string(r.tests.size()) + " tests failed: " + failing;
}

std::string expect_every_test_fails(const ExerciseReport& r) {
  if (!graded(r.verdict)) return not_graded(r);
  if (r.tests.empty()) return "no tests ran";
  std::string passing;
  for (const auto& t : r.tests)
    if (t.status != TestStatus::failed) passing += (passing.empty() ? "" : ", ") + t.full_name() + " " + to_string(t.status);
  if (passing.empty()) return {};
  return "these tests did not fail on the stub: " + passing;
}

std::string expect_diagnosis(const ExerciseReport& r, const std::string& diagnosis) {
  // A test that finished with the diagnosis counts even when a later test crashed or hung: the
  // verdict shows the student that finding beside the crash, and a wrong solution's undefined
  // behaviour (a frame freed under a task still running) may well crash a later test.
  if (r.verdict == Verdict::crashed || r.verdict == Verdict::timed_out) {
    for (const auto& t : r.tests)
      if (t.status == TestStatus::failed && t.diagnosis == diagnosis) return {};
  }
  if (!graded(r.verdict)) return not_graded(r);
  std::string seen;
  for (const auto& t : r.tests) {
    if (t.status != TestStatus::failed) continue;
    if (t.diagnosis == diagnosis) return {};
    seen += (seen.empty() ? "" : ", ") + t.full_name() + (t.diagnosis.empty() ? " (no diagnosis)" : " [" + t.diagnosis + "]");
  }
  if (seen.empty()) return "no test failed (" + std::to_string(r.tests.size()) + " passed or skipped); expected diagnosis \"" + diagnosis + "\"";
  return "no failing test carries diagnosis \"" + diagnosis + "\"; failing: " + seen;
}

}  // namespace asynclings::grader
