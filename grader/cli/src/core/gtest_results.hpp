// GoogleTest's --gtest_output=json report, read into what the grader renders: per test its
// status and time, failure messages, and the properties the testkit records (diagnosis,
// figures, the server's trace).
#pragma once

#include <asynclings/protocol.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace asynclings::grader {

struct Figure {
  std::string name;  // "wall_ms" (from the property "figure.wall_ms")
  double value = 0;
  std::string unit;
  std::string expected;
};

struct TraceRequest {
  std::uint64_t id = 0;
  std::string target;
  double arrival_ms = 0;
  std::optional<double> response_start_ms;
  std::optional<double> finish_ms;
  int status = 0;
  std::string outcome;  // completed, client_aborted, bad_request, in_progress
};

enum class TestStatus { passed, failed, skipped, not_run };
const char* to_string(TestStatus status);

struct TestResult {
  std::string suite;
  std::string name;
  TestStatus status = TestStatus::not_run;
  double time_ms = 0;
  std::vector<std::string> failures;
  bool not_started = false;  // failed because the stub says "not implemented yet:"
  std::string diagnosis;
  std::string diagnosis_detail;
  std::vector<Figure> figures;
  std::vector<TraceRequest> trace;
  std::map<std::string, std::string> other_properties;

  std::string full_name() const { return suite + "." + name; }
};

struct TestReport {
  std::vector<TestResult> tests;
  double time_ms = 0;
};

struct ResultsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What a stub's failure says (asynclings/protocol.hpp, shared with the testkit).
using protocol::kNotImplementedMarker;

TestReport parse_gtest_json(const std::string& text);
TestReport read_gtest_json(const std::filesystem::path& file);

// "trace" property text -> requests (empty on malformed input).
std::vector<TraceRequest> parse_trace(const std::string& text);
// "figure.x" property text -> figure (nullopt on malformed input).
std::optional<Figure> parse_figure(const std::string& name, const std::string& text);

}  // namespace asynclings::grader
