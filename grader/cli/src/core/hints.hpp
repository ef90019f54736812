// Progressive hints: each request shows the next one; the state is kept in Progress.
#pragma once

#include "core/manifest.hpp"
#include "core/progress.hpp"

#include <string>

namespace asynclings::grader {

// Text of the hints to show now: the next unread one (marking it read), or with <all> every
// hint. Says so when the exercise has none, or when the last was already read.
std::string next_hints(const Chapter& chapter, const Exercise& exercise, ExerciseProgress& progress, bool all);

}  // namespace asynclings::grader
