#include "core/points.hpp"

namespace asynclings::grader {

double exercise_points(Verdict verdict) {
  return verdict == Verdict::passed ? kPointsPerExercise : 0.0;
}

std::optional<Verdict> verdict_from_string(std::string_view name) {
  for (Verdict v : {Verdict::passed, Verdict::failed, Verdict::not_started, Verdict::compile_error,
                    Verdict::crashed, Verdict::timed_out, Verdict::error, Verdict::interrupted,
                    Verdict::tampered})
    if (name == to_string(v)) return v;
  return std::nullopt;
}

}  // namespace asynclings::grader
