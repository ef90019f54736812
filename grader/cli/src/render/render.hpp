// Renderers of a grading run (core/report.hpp): the student's text view and the machine
// formats for CI.
#pragma once

#include "core/grading.hpp"
#include "core/report.hpp"
#include "render/style.hpp"

#include <string>
#include <vector>

namespace asynclings::grader {

struct TextOptions {
  bool verbose = false;   // whole build logs and output
  int timeline_width = 60;
};

std::string render_exercise_text(const ExerciseReport& exercise, const Style& style,
                                 const TextOptions& options = {});
std::string render_summary_text(const Report& report, const Style& style);

std::string render_json(const Report& report);        // docs: grader/cli/README.md
std::string render_junit(const Report& report);       // JUnit XML (testsuites/testsuite/testcase)
std::string render_gradescope(const Report& report);  // Gradescope results.json
// A self-contained HTML page (no network, no external assets): verdicts, figures, diagnoses
// and an SVG timeline of each exercise's requests beside the shape expected.
std::string render_html(const Report& report);

// "ch01-generators/ex1" helpers shared by the renderers.
std::string exercise_label(const ExerciseReport& exercise);
std::string format_number(double value);
// "wall_ms" reads "wall": the unit is shown beside the value.
std::string pretty_figure_name(std::string name);

}  // namespace asynclings::grader
