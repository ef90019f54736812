// Points: what an exercise's verdict is worth, the one rule the Gradescope results and the
// class gradebook both score by.
#pragma once

#include "core/grading.hpp"

#include <optional>
#include <string_view>

namespace asynclings::grader {

// One point per exercise, earned when every test of it passes: the workbook grades the
// exercise, and partial credit per test would reward stubs that pass structural tests by
// accident.
inline constexpr double kPointsPerExercise = 1.0;
double exercise_points(Verdict verdict);
// "passed" -> Verdict::passed (the names of to_string(Verdict)); nullopt for anything else.
std::optional<Verdict> verdict_from_string(std::string_view name);

}  // namespace asynclings::grader
