// What `grader verify` and `grader expect-diagnosis` demand of a graded binary. Each returns
// an empty string when the expectation holds, else what was seen instead.
#pragma once

#include "core/grading.hpp"

#include <string>

namespace asynclings::grader {

std::string expect_all_pass(const ExerciseReport& report);
std::string expect_every_test_fails(const ExerciseReport& report);
std::string expect_diagnosis(const ExerciseReport& report, const std::string& diagnosis);

}  // namespace asynclings::grader
