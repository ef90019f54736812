// What a chapter's test binary and the grader agree on, spelled once: the GoogleTest
// properties the testkit records and the grader reads, the stub's marker, and the
// environment the grader hands a test run. Header-only and dependency-free, so the grader
// includes it without linking the testkit (and the testkit without knowing the grader).
#pragma once

namespace asynclings::protocol {

// GoogleTest properties (RecordProperty), one per test: the finding's name and its
// explanation, figure.<name> (JSON: value, unit, expected), the server's records (JSON).
inline constexpr const char* kDiagnosisProperty = "diagnosis";
inline constexpr const char* kDiagnosisDetailProperty = "diagnosis_detail";
inline constexpr const char* kFigurePropertyPrefix = "figure.";
inline constexpr const char* kTraceProperty = "trace";

// The start of what a stub throws (asynclings::NotImplemented, ASYNCLINGS_TODO): a failure
// whose message holds it means "not started", not a wrong answer.
inline constexpr const char* kNotImplementedMarker = "not implemented yet:";

// Environment of a graded test run: the side file each finished test is appended to, when to
// say what a hang waits for (ms after the start), the factor on timing bounds.
inline constexpr const char* kPartialResultsEnv = "ASYNCLINGS_PARTIAL_RESULTS";
inline constexpr const char* kHangReportAtEnv = "ASYNCLINGS_HANG_REPORT_AT_MS";
inline constexpr const char* kTimeToleranceEnv = "ASYNCLINGS_TIME_TOLERANCE";

}  // namespace asynclings::protocol
