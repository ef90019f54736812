// The report of a grading run: every exercise's report (core/grading.hpp) and how long the
// run took. The renderers (render/) show it; the exit code of `grader check` is read from it.
#pragma once

#include "core/grading.hpp"

#include <string>
#include <vector>

namespace asynclings::grader {

struct Report {
  std::vector<ExerciseReport> exercises;
  double elapsed_ms = 0;
  std::string variant = "exercise";  // exercise or solution
};

// Exit code of a run: 0 all passed, 1 some failed or not started, 2 some could not be
// graded (compile error, crash, timeout, harness error).
int exit_code(const Report& report);

}  // namespace asynclings::grader
