#include "core/gtest_results.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace asynclings::grader {
namespace {

// Ordered: a test's properties (its figures) keep the order the test recorded them in.
using json = nlohmann::ordered_json;

// GoogleTest writes times as "0.212s".
double seconds_to_ms(const json& value) {
  if (value.is_number()) return value.get<double>() * 1000;
  if (!value.is_string()) return 0;
  try {
    return std::stod(value.get<std::string>()) * 1000;
  } catch (...) {
    return 0;
  }
}

bool valid_utf8(const std::string& bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    const std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > bytes.size()) return false;
    for (std::size_t k = 1; k < length; ++k)
      if ((static_cast<unsigned char>(bytes[i + k]) >> 6) != 0x2) return false;
    i += length;
  }
  return true;
}

// GoogleTest's JSON writer escapes each byte of a non-ASCII character on its own ("≈" becomes
// "\u00E2\u0089\u0088"), so the parsed text is the UTF-8 bytes read as Latin-1. When every
// character of <text> is below U+0100 and those bytes form valid UTF-8, they are the text.
std::string undo_byte_escapes(const std::string& text) {
  std::string bytes;
  bool changed = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      bytes += char(c);
    } else if ((c == 0xC2 || c == 0xC3) && i + 1 < text.size()) {
      // U+0080..U+00FF in UTF-8: one byte back.
      bytes += char(((c & 0x03) << 6) | (static_cast<unsigned char>(text[++i]) & 0x3F));
      changed = true;
    } else {
      return text;  // a character above U+00FF: the text was not escaped byte by byte
    }
  }
  return changed && valid_utf8(bytes) ? bytes : text;
}

std::string as_text(const json& value) {
  return value.is_string() ? undo_byte_escapes(value.get<std::string>()) : value.dump();
}

const std::string kKnownKeys[] = {"name", "file", "line", "status", "result", "timestamp",
                                  "time", "classname", "failures", "value_param", "type_param"};

}  // namespace

const char* to_string(TestStatus status) {
  switch (status) {
    case TestStatus::passed: return "passed";
    case TestStatus::failed: return "failed";
    case TestStatus::skipped: return "skipped";
    case TestStatus::not_run: return "not_run";
  }
  return "unknown";
}

std::optional<Figure> parse_figure(const std::string& name, const std::string& text) {
  try {
    const json j = json::parse(text);
    if (!j.is_object() || !j.contains("value") || !j["value"].is_number()) return std::nullopt;
    Figure f;
    f.name = name;
    f.value = j["value"].get<double>();
    f.unit = j.value("unit", "");
    if (j.contains("expected")) f.expected = as_text(j["expected"]);
    return f;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

std::vector<TraceRequest> parse_trace(const std::string& text) {
  std::vector<TraceRequest> out;
  try {
    const json j = json::parse(text);
    const json& requests = j.is_object() && j.contains("requests") ? j["requests"] : j;
    if (!requests.is_array()) return out;
    for (const auto& r : requests) {
      if (!r.is_object()) continue;
      TraceRequest t;
      if (r.contains("id") && r["id"].is_number()) t.id = r["id"].get<std::uint64_t>();
      t.target = r.value("target", "");
      if (r.contains("arrival_ms") && r["arrival_ms"].is_number()) t.arrival_ms = r["arrival_ms"].get<double>();
      if (r.contains("response_start_ms") && r["response_start_ms"].is_number())
        t.response_start_ms = r["response_start_ms"].get<double>();
      if (r.contains("finish_ms") && r["finish_ms"].is_number()) t.finish_ms = r["finish_ms"].get<double>();
      if (r.contains("status") && r["status"].is_number()) t.status = r["status"].get<int>();
      t.outcome = r.value("outcome", "");
      out.push_back(std::move(t));
    }
  } catch (const json::exception&) {
    out.clear();
  }
  return out;
}

TestReport parse_gtest_json(const std::string& text) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    throw ResultsError(std::string("the test results are not valid JSON: ") + e.what());
  }
  if (!root.is_object() || !root.contains("testsuites") || !root["testsuites"].is_array())
    throw ResultsError("the test results have no \"testsuites\" array");
  TestReport report;
  if (root.contains("time")) report.time_ms = seconds_to_ms(root["time"]);
  for (const auto& suite : root["testsuites"]) {
    if (!suite.is_object() || !suite.contains("testsuite") || !suite["testsuite"].is_array()) continue;
    const std::string suite_name = suite.value("name", "");
    for (const auto& t : suite["testsuite"]) {
      if (!t.is_object()) continue;
      TestResult test;
      test.suite = t.value("classname", suite_name);
      test.name = t.value("name", "");
      test.time_ms = t.contains("time") ? seconds_to_ms(t["time"]) : 0;
      if (auto f = t.find("failures"); f != t.end() && f->is_array()) {
        for (const auto& failure : *f) {
          if (failure.is_object() && failure.contains("failure")) test.failures.push_back(as_text(failure["failure"]));
          else test.failures.push_back(as_text(failure));
        }
      }
      const std::string status = t.value("status", "RUN");
      const std::string result = t.value("result", "COMPLETED");
      if (status == "NOTRUN" || result == "SUPPRESSED") test.status = TestStatus::not_run;
      else if (!test.failures.empty()) test.status = TestStatus::failed;
      else if (result == "SKIPPED") test.status = TestStatus::skipped;
      else test.status = TestStatus::passed;
      if (test.status == TestStatus::failed) {
        for (const auto& failure : test.failures)
          if (failure.find(kNotImplementedMarker) != std::string::npos) test.not_started = true;
      }
      for (const auto& [key, value] : t.items()) {
        if (std::find(std::begin(kKnownKeys), std::end(kKnownKeys), key) != std::end(kKnownKeys)) continue;
        const std::string text = as_text(value);
        const std::string figure_prefix = protocol::kFigurePropertyPrefix;
        if (key == protocol::kDiagnosisProperty) test.diagnosis = text;
        else if (key == protocol::kDiagnosisDetailProperty) test.diagnosis_detail = text;
        else if (key == protocol::kTraceProperty) test.trace = parse_trace(text);
        else if (key.rfind(figure_prefix, 0) == 0) {
          if (auto figure = parse_figure(key.substr(figure_prefix.size()), text)) test.figures.push_back(*figure);
          else test.other_properties[key] = text;
        } else test.other_properties[key] = text;
      }
      report.tests.push_back(std::move(test));
    }
  }
  return report;
}

TestReport read_gtest_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ResultsError("no test results at " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse_gtest_json(text.str());
}

}  // namespace asynclings::grader
