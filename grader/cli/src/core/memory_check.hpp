// A failure that may be a memory error, checked under AddressSanitizer by the grader on its
// own: a crash, or requests the student's code awaited that never reached the server (what a
// coroutine whose captures died looks like from outside). Without it such code gets a
// confident concurrency diagnosis that is wrong; with it, the first frame in the student's
// file and a plain reading. The sanitized build is kept in <build>-address (built once, then
// only the student's file recompiles).
#pragma once

#include "core/build_progress.hpp"
#include "core/session.hpp"

namespace asynclings::grader {

// Whether <report> of the student's code is worth a re-run under AddressSanitizer (never for
// a sanitized session, the solutions, or a submission graded with trusted tests).
bool wants_memory_check(const Session& session, const ExerciseReport& report);

// Builds and runs <exercise> under AddressSanitizer. When it finds a memory error the report
// becomes that finding (CRASHED, where, what it usually means); otherwise the report stays and
// says in memory_error.rerun_note that the re-run found none.
void run_memory_check(const Session& session, const CommonOptions& options, const Chapter& chapter,
                      const Exercise& exercise, ExerciseReport& report, const BuildObserver& build = {});

}  // namespace asynclings::grader
