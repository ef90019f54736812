#include "core/points.hpp"
#include "render/render.hpp"

#include <nlohmann/json.hpp>

namespace asynclings::grader {

// One Gradescope test per exercise, scored as core/points.hpp says (the gradebook's rule too).
std::string render_gradescope(const Report& report) {
  using json = nlohmann::json;
  json tests = json::array();
  double score = 0;
  for (const auto& e : report.exercises) {
    const bool passed = e.verdict == Verdict::passed;
    const double points = exercise_points(e.verdict);
    score += points;
    std::string output = std::string(verdict_label(e.verdict));
    if (!e.message.empty()) output += ": " + e.message;
    output += "\n";
    if (e.compile_error) output += e.compile_error->file + ":" + std::to_string(e.compile_error->line) + ": error: " + e.compile_error->message + "\n" + e.compile_error->reading + "\n";
    for (const auto& t : e.tests) {
      if (t.status != TestStatus::failed) continue;
      output += "- " + t.full_name() + (t.not_started ? ": not started" : "") + "\n";
      if (!t.diagnosis.empty()) output += "  diagnosis " + t.diagnosis + ": " + t.diagnosis_detail + "\n";
      for (const auto& f : t.figures) output += "  " + f.name + " = " + format_number(f.value) + " " + f.unit + " (expected " + f.expected + ")\n";
    }
    tests.push_back({{"name", e.chapter + " " + e.id + " " + e.name},
                     {"number", e.chapter.substr(0, e.chapter.find('-')) + "." + e.id},
                     {"score", points},
                     {"max_score", kPointsPerExercise},
                     {"status", passed ? "passed" : "failed"},
                     {"output", output},
                     {"visibility", "visible"}});
  }
  const json out{{"score", score},
                 {"max_score", kPointsPerExercise * static_cast<double>(report.exercises.size())},
                 {"execution_time", report.elapsed_ms / 1000.0},
                 {"visibility", "visible"},
                 {"stdout_visibility", "visible"},
                 {"tests", tests}};
  return out.dump(2) + "\n";
}

}  // namespace asynclings::grader
