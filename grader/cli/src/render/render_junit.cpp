#include "render/escape.hpp"
#include "render/render.hpp"

#include <fmt/format.h>

namespace asynclings::grader {
namespace {

std::string seconds(double ms) { return fmt::format("{:.3f}", ms / 1000.0); }

}  // namespace

std::string render_junit(const Report& report) {
  int total_tests = 0, total_failures = 0, total_errors = 0;
  std::string suites;
  for (const auto& e : report.exercises) {
    std::string cases;
    int tests = 0, failures = 0, errors = 0, skipped = 0;
    const std::string suite_name = e.chapter + "." + e.id + "-" + e.name;
    if (!graded(e.verdict)) {
      // One case stands for the exercise that could not run.
      ++tests;
      ++errors;
      std::string text = e.message;
      if (e.compile_error) text += "\n" + e.compile_error->file + ":" + std::to_string(e.compile_error->line) + ": " + e.compile_error->message;
      cases += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{}\">\n      <error type=\"{}\" message=\"{}\">{}</error>\n      <system-out>{}</system-out>\n    </testcase>\n",
                           escape_markup(e.id), escape_markup(suite_name), seconds(e.elapsed_ms), to_string(e.verdict),
                           escape_markup(e.message.empty() ? verdict_label(e.verdict) : e.message), escape_markup(text), escape_markup(e.output));
    }
    for (const auto& t : e.tests) {
      ++tests;
      std::string body;
      std::string props;
      if (!t.diagnosis.empty()) props += fmt::format("        <property name=\"diagnosis\" value=\"{}\"/>\n", escape_markup(t.diagnosis));
      for (const auto& f : t.figures)
        props += fmt::format("        <property name=\"figure.{}\" value=\"{} {} (expected {})\"/>\n", escape_markup(f.name),
                             format_number(f.value), escape_markup(f.unit), escape_markup(f.expected));
      if (!props.empty()) body += "      <properties>\n" + props + "      </properties>\n";
      if (t.status == TestStatus::failed) {
        ++failures;
        std::string all;
        for (const auto& f : t.failures) all += f + "\n";
        std::string message = t.not_started ? "not started" : (t.diagnosis.empty() ? (t.failures.empty() ? "failed" : t.failures.front()) : t.diagnosis + ": " + t.diagnosis_detail);
        if (auto nl = message.find('\n'); nl != std::string::npos && t.diagnosis.empty()) message = message.substr(nl + 1);
        body += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", escape_markup(message.substr(0, 500)),
                            t.not_started ? "not_started" : "failure", escape_markup(all));
      } else if (t.status == TestStatus::skipped || t.status == TestStatus::not_run) {
        ++skipped;
        body += "      <skipped/>\n";
      }
      cases += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"{}", escape_markup(t.full_name()),
                           escape_markup(suite_name), seconds(t.time_ms), body.empty() ? "/>\n" : ">\n" + body + "    </testcase>\n");
    }
    total_tests += tests;
    total_failures += failures;
    total_errors += errors;
    suites += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">\n{}  </testsuite>\n",
                          escape_markup(suite_name), tests, failures, errors, skipped, seconds(e.elapsed_ms), cases);
  }
  return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"asynclings\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">\n{}</testsuites>\n",
                     total_tests, total_failures, total_errors, seconds(report.elapsed_ms), suites);
}

}  // namespace asynclings::grader
