// Progressive hints: each request shows the next one; the state is kept in Progress.
#pragma once

#include "core/manifest.hpp"
#include "core/progress.hpp"

#include <string>
#include <string_view>

namespace asynclings::grader {

// Text of the hints to show now: the next unread one (marking it read), or with <all> every
// hint. Says so when the exercise has none, or when the last was already read. <again> ends a
// hint that has more after it: how to ask for the next one (`watch` has a key for it).
std::string next_hints(const Chapter& chapter, const Exercise& exercise, ExerciseProgress& progress, bool all,
                       std::string_view again = "Run the same command again for the next hint.");

}  // namespace asynclings::grader
