#include "cli/commands.hpp"
#include "core/expectations.hpp"

#include <cstdio>
#include <memory>

namespace asynclings::grader {

namespace {

struct ExpectDiagnosisOptions {
  std::filesystem::path binary;
  std::string diagnosis;
  double time_limit_seconds = 120;
  double memory_limit_mb = 4096;
};

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

}  // namespace

Verb add_expect_diagnosis(CLI::App& app) {
  auto expect = std::make_shared<ExpectDiagnosisOptions>();
  auto* command = app.add_subcommand("expect-diagnosis", "Instructor/CTest: a test binary must fail with this diagnosis");
  command->group("");  // hidden
  command->add_option("--binary", expect->binary, "Test executable")->required();
  command->add_option("--diagnosis", expect->diagnosis, "Expected diagnosis")->required();
  command->add_option("--time-limit", expect->time_limit_seconds, "Seconds");
  command->add_option("--memory-limit-mb", expect->memory_limit_mb, "Address space the run may map");
  return {command, [expect] { return run_expect_diagnosis(*expect); }};
}

}  // namespace asynclings::grader
