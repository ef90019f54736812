#include "cli/commands.hpp"
#include "core/expectations.hpp"

#include <cstdio>

namespace asynclings::grader {

int run_expect_diagnosis(const ExpectDiagnosisOptions& options) {
  ExerciseReport report;
  report.chapter = options.binary.filename().string();
  GradeOptions grade;
  grade.time_limit = std::chrono::milliseconds(static_cast<long long>(options.time_limit_seconds * 1000));
  grade.address_space_bytes = static_cast<std::uint64_t>(options.memory_limit_mb) << 20;
  grade_binary(options.binary, grade, report);
  const std::string problem = expect_diagnosis(report, options.diagnosis);
  if (problem.empty()) {
    std::printf("ok: %s fails with diagnosis \"%s\"\n", options.binary.filename().c_str(), options.diagnosis.c_str());
    return 0;
  }
  std::printf("expected %s to fail with diagnosis \"%s\", but: %s\n", options.binary.filename().c_str(),
              options.diagnosis.c_str(), problem.c_str());
  for (const auto& t : report.tests) {
    std::printf("  %-8s %s%s\n", to_string(t.status), t.full_name().c_str(),
                t.diagnosis.empty() ? "" : ("  [diagnosis " + t.diagnosis + "]").c_str());
    if (t.status == TestStatus::failed && !t.failures.empty()) std::printf("           %s\n", t.failures.front().c_str());
  }
  if (!graded(report.verdict) && !report.output.empty()) std::printf("output:\n%s\n", report.output.c_str());
  return 1;
}

}  // namespace asynclings::grader
