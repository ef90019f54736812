// How a test tells the grader *what* it saw, in GoogleTest's structured output
// (RecordProperty, so it lands in --gtest_output=json|xml without parsing prose):
//
//   figure("wall_ms", 212, "ms", "<= 400");      -> property "figure.wall_ms" = JSON object
//   diagnose(diagnoses::sequential_awaits);          a diagnosis of the shared catalogue
//   diagnose(diagnoses::sequential_awaits, "the 5 requests ran one after another: …");
//   diagnose("eager-start", "…");                   one only this exercise gives
//        -> properties "diagnosis" and "diagnosis_detail" (the explanation given, else the
//           catalogue's), and a test failure at the call site
//
// The first diagnosis of a test wins (tests check the most specific mistake first).
#pragma once

#include <asynclings/diagnoses.hpp>
#include <asynclings/protocol.hpp>

#include <source_location>
#include <string>

namespace asynclings::testkit {

// Records a measured figure with its unit and the expectation it is judged against.
void figure(const std::string& name, double value, const std::string& unit,
            const std::string& expected);

// Records the named finding and fails the current test with <explanation>.
void diagnose(const std::string& name, const std::string& explanation,
              std::source_location where = std::source_location::current());

// A diagnosis of the catalogue (asynclings/diagnoses.hpp), with its default explanation or
// with <explanation>, which says more about this case.
void diagnose(const diagnoses::Diagnosis& diagnosis,
              std::source_location where = std::source_location::current());
void diagnose(const diagnoses::Diagnosis& diagnosis, const std::string& explanation,
              std::source_location where = std::source_location::current());

// Whether the current test already carries a diagnosis.
bool has_diagnosis();

// The property names the grader reads (asynclings/protocol.hpp).
using protocol::kDiagnosisDetailProperty;
using protocol::kDiagnosisProperty;
using protocol::kFigurePropertyPrefix;
using protocol::kTraceProperty;

}  // namespace asynclings::testkit
