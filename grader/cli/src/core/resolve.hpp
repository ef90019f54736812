// Turning what a user types into a chapter or an exercise: `ch1`, `1`, `ch01` and
// `ch01-generators` name the same chapter; `ex2`, `2` or the exercise's name an exercise.
#pragma once

#include "core/manifest.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace asynclings::grader {

// The name matches nothing; what() says so and lists what exists.
struct ResolveError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const Chapter& resolve_chapter(const std::vector<Chapter>& chapters, const std::string& spec);
const Exercise& resolve_exercise(const Chapter& chapter, const std::string& spec);

// The shortest name that resolves to <chapter>: "ch3".
std::string short_name(const Chapter& chapter);

}  // namespace asynclings::grader
