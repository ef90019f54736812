#include "render/render.hpp"

#include "render/timeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

namespace asynclings::grader {
namespace {

std::string coloured_label(Verdict v, const Style& style) {
  // Padded before colouring: the escape codes must not count towards the column.
  const std::string label = fmt::format("{:<14}", verdict_label(v));
  switch (v) {
    case Verdict::passed: return style.green(label);
    case Verdict::not_started: return style.yellow(label);
    default: return style.red(label);
  }
}

std::string indent(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) out += prefix + line + "\n";
  return out;
}

// First line of a failure message after the "file:line" GoogleTest puts first.
std::string failure_summary(const std::string& failure) {
  std::istringstream in(failure);
  std::string first, line, rest;
  std::getline(in, first);
  std::string out;
  int kept = 0;
  while (std::getline(in, line) && kept < 6) {
    out += line + "\n";
    ++kept;
  }
  if (out.empty()) out = first + "\n";
  else out = first + ": " + out;
  return out;
}

}  // namespace

std::string pretty_figure_name(std::string name) {
  for (const char* suffix : {"_ms", "_s"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
      name.erase(name.size() - s.size());
  }
  std::replace(name.begin(), name.end(), '_', ' ');
  return name;
}

std::string format_number(double value) {
  if (value == static_cast<double>(static_cast<long long>(value)) && std::abs(value) < 1e15)
    return std::to_string(static_cast<long long>(value));
  return fmt::format("{:.1f}", value);
}

std::string exercise_label(const ExerciseReport& e) { return e.chapter + " " + e.id + " " + e.name; }

std::string render_exercise_text(const ExerciseReport& e, const Style& style, const TextOptions& options) {
  std::string out;
  std::string head = fmt::format("{} {}", coloured_label(e.verdict, style), style.bold(exercise_label(e)));
  if (!e.title.empty()) head += style.dim("  " + e.title);
  if (e.variant != "exercise") head += style.dim("  [" + e.variant + "]");
  out += head + "\n";
  if (!e.tests.empty() && graded(e.verdict)) {
    out += fmt::format("               {} of {} tests passed, {:.0f} ms\n", e.passed_count(), e.tests.size(), e.elapsed_ms);
  }
  if (!e.message.empty()) out += "               " + e.message + "\n";

  if (e.verdict == Verdict::compile_error) {
    if (e.compile_error) {
      const auto& ce = *e.compile_error;
      if (!ce.file.empty()) {
        out += fmt::format("  {}:{}:{}: {}\n", ce.file, ce.line, ce.column, style.red("error: ") + ce.message);
        if (!ce.source_line.empty()) {
          out += fmt::format("  {:>5} | {}\n", ce.line, ce.source_line);
          if (ce.column > 0) out += "        | " + std::string(static_cast<std::size_t>(ce.column - 1), ' ') + style.red("^") + "\n";
        }
        if (!ce.user_file.empty()) out += fmt::format("  from your code at {}:{}\n", ce.user_file, ce.user_line);
      } else {
        out += "  " + style.red("error: ") + ce.message + "\n";
      }
      if (!ce.reading.empty()) out += "  " + style.cyan("what it usually means: ") + ce.reading + "\n";
    }
    if (options.verbose) out += indent(e.build_log, "  | ");
    if (!e.build_log_file.empty()) out += "  full compiler output: " + e.build_log_file + "\n";
  }

  const auto& memory = e.memory_error;
  if (!memory.reading.empty()) out += "  " + style.cyan("what it usually means: ") + memory.reading + "\n";
  if (!memory.freed_at.empty()) out += "  the memory was freed at " + memory.freed_at + "\n";
  if (!memory.dead_variable.empty())
    out += "  the memory was the local variable " + memory.dead_variable + ", gone by then\n";
  if (!memory.rerun_note.empty()) out += "  " + style.dim("(" + memory.rerun_note + ")") + "\n";
  if (!memory.excerpt.empty() && !options.verbose) {
    // The sanitizer's own lines that matter, not the shadow-byte map at the end.
    out += "  the sanitizer's report:\n" + indent(memory.excerpt, "  | ");
  } else if (e.verdict == Verdict::crashed || e.verdict == Verdict::timed_out || e.verdict == Verdict::error) {
    if (!e.output.empty()) {
      std::string excerpt = e.output;
      if (!options.verbose) {
        // The end says most about a crash.
        std::istringstream in(e.output);
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        const std::size_t from = lines.size() > 12 ? lines.size() - 12 : 0;
        excerpt.clear();
        for (std::size_t i = from; i < lines.size(); ++i) excerpt += lines[i] + "\n";
      }
      out += "  last output:\n" + indent(excerpt, "  | ");
    }
  }

  if (e.verdict == Verdict::not_started && !options.verbose) {
    // Every test fails the same way; say once what the stub is waiting for.
    std::vector<std::string> waiting;
    for (const auto& t : e.tests)
      for (const auto& f : t.failures) {
        const auto pos = f.find(kNotImplementedMarker);
        if (pos == std::string::npos) continue;
        std::string what = f.substr(pos + std::string(kNotImplementedMarker).size());
        what = what.substr(0, what.find('"'));
        while (!what.empty() && what.front() == ' ') what.erase(0, 1);
        if (std::find(waiting.begin(), waiting.end(), what) == waiting.end()) waiting.push_back(what);
      }
    out += "  the stub still says \"not implemented yet\" for: ";
    for (std::size_t i = 0; i < waiting.size() && i < 4; ++i) out += (i ? ", " : "") + waiting[i];
    if (waiting.size() > 4) out += fmt::format(" and {} more", waiting.size() - 4);
    out += "\n";
  }
  for (const auto& t : e.tests) {
    if (e.verdict == Verdict::not_started && !options.verbose) break;
    if (t.status != TestStatus::failed && !options.verbose && e.verdict != Verdict::passed) continue;
    if (e.verdict == Verdict::passed && t.figures.empty()) continue;
    const bool failed = t.status == TestStatus::failed;
    std::string mark = failed ? style.red("x") : style.green("v");
    if (t.not_started) mark = style.yellow("-");
    out += fmt::format("  {} {}", mark, t.full_name());
    if (t.not_started && failed) {
      out += style.dim("  (not started)") + "\n";
      // The stub's message says which function to write.
      for (const auto& f : t.failures) {
        const auto pos = f.find(kNotImplementedMarker);
        if (pos != std::string::npos) {
          std::string what = f.substr(pos);
          what = what.substr(0, what.find('"'));
          out += "      " + what + "\n";
          break;
        }
      }
      continue;
    }
    out += fmt::format("  {:.0f} ms\n", t.time_ms);
    for (const auto& f : t.figures) {
      out += fmt::format("      {:<30} {} {}", pretty_figure_name(f.name), format_number(f.value), f.unit);
      if (!f.expected.empty()) out += style.dim("   expected " + f.expected);
      out += "\n";
    }
    if (!t.diagnosis.empty()) {
      out += "      " + style.yellow("diagnosis: " + t.diagnosis) + "\n";
      if (!t.diagnosis_detail.empty()) out += indent(t.diagnosis_detail, "        ");
    } else if (failed) {
      int shown = 0;
      for (const auto& f : t.failures) {
        if (shown++ == 2 && !options.verbose) break;
        out += indent(failure_summary(f), "      ");
      }
    }
    if (failed && !t.trace.empty()) {
      TimelineOptions timeline;
      timeline.width = options.timeline_width;
      // The reference solution's run of the same test beside it, on the same scale.
      const auto reference = e.reference_traces.find(t.full_name());
      const bool compare = reference != e.reference_traces.end() && !reference->second.empty();
      if (compare)
        timeline.span_ms = std::max(timeline_span_ms(t.trace), timeline_span_ms(reference->second));
      out += "      requests as the server saw them:\n" + indent(draw_timeline(t.trace, timeline), "      ");
      if (compare)
        out += "      a correct solution:\n" +
               indent(draw_timeline(reference->second, timeline), "      ");
    }
  }
  if (!e.reference_note.empty())
    out += "  " + style.dim("(no correct-solution timeline: " + e.reference_note + ")") + "\n";
  if (e.verdict != Verdict::passed && e.hints_total > 0 && e.variant == "exercise") {
    if (e.hints_read < e.hints_total)
      out += "  " + style.cyan(fmt::format("hint {} of {}:", e.hints_read + 1, e.hints_total)) +
             fmt::format(" grader hint {} {}\n", e.chapter.substr(0, e.chapter.find('-')), e.id);
    else
      out += "  " + style.cyan("all hints read:") + fmt::format(" grader hint {} {} --all\n", e.chapter.substr(0, e.chapter.find('-')), e.id);
  }
  return out;
}

std::string render_summary_text(const Report& report, const Style& style) {
  int passed = 0;
  for (const auto& e : report.exercises) passed += e.verdict == Verdict::passed;
  const int total = static_cast<int>(report.exercises.size());
  std::string line = fmt::format("{} of {} exercises passed", passed, total);
  return (passed == total ? style.green(line) : style.bold(line)) + "\n";
}

}  // namespace asynclings::grader
