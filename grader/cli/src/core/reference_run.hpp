// The reference solution's own run of an exercise's tests, so a test's expected picture is
// what a correct solution really does (cancelled losers cut short, staircases, limits) rather
// than the student's requests rearranged. Built and run by the grader, kept per exercise in
// <build>/grader-reference/, and run again when the solution, the test file or the testkit
// changes.
#pragma once

#include "core/build_progress.hpp"
#include "core/session.hpp"

namespace asynclings::grader {

// Fills report.reference_traces with the solution's trace of each test the solution passed,
// or says in report.reference_note why the expected pictures fall back to the student's own
// durations (no solutions/ in this copy, the solution did not build or pass).
void attach_reference_run(const Session& session, const Chapter& chapter, const Exercise& exercise,
                          ExerciseReport& report, const BuildObserver& build = {});

// Whether a report is worth a reference run: a graded report with a failed test that has a
// trace and an expected shape, or, for pictures of every test (HTML), any such test.
bool wants_reference_run(const ExerciseReport& report, bool every_test);

}  // namespace asynclings::grader
