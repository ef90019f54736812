// How a test tells the grader *what* it saw, in GoogleTest's structured output
// (RecordProperty, so it lands in --gtest_output=json|xml without parsing prose):
//
//   figure("wall_ms", 212, "ms", "<= 400");      -> property "figure.wall_ms" = JSON object
//   diagnose("sequential-awaits", "requests ran one after another: …");
//        -> properties "diagnosis" and "diagnosis_detail", and a test failure at the call site
//
// The first diagnosis of a test wins (tests check the most specific mistake first).
#pragma once

#include <source_location>
#include <string>

namespace asynclings::testkit {

// Records a measured figure with its unit and the expectation it is judged against.
void figure(const std::string& name, double value, const std::string& unit,
            const std::string& expected);

// Records the named finding and fails the current test with <explanation>.
void diagnose(const std::string& name, const std::string& explanation,
              std::source_location where = std::source_location::current());

// Whether the current test already carries a diagnosis.
bool has_diagnosis();

// The property names the grader reads (kept here so both sides agree).
inline constexpr const char* kDiagnosisProperty = "diagnosis";
inline constexpr const char* kDiagnosisDetailProperty = "diagnosis_detail";
inline constexpr const char* kFigurePropertyPrefix = "figure.";
inline constexpr const char* kTraceProperty = "trace";

}  // namespace asynclings::testkit
