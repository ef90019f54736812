// The HTML report: one self-contained page (inline CSS and SVG, no script, nothing fetched),
// readable from file:// and printable. Every text that came from a test, a compiler or a
// manifest goes through escape_markup.
#include "render/render.hpp"

#include "render/escape.hpp"
#include "render/svg_timeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <sstream>

namespace asynclings::grader {
namespace {

std::string esc(std::string_view text) { return escape_markup(text); }

constexpr const char* kStyle = R"(
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, sans-serif; color: #111827; margin: 24px; max-width: 1180px; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 17px; margin: 0 0 6px; }
h3 { font-size: 14px; margin: 0 0 4px; font-weight: 600; }
code, pre, .mono { font-family: ui-monospace, monospace; font-size: 12.5px; }
pre { background: #f3f4f6; padding: 8px 10px; border-radius: 4px; overflow-x: auto; white-space: pre-wrap; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0 0 14px; color: #374151; }
.facts b { color: #111827; }
.overview { border-collapse: collapse; margin-bottom: 20px; }
.overview td { padding: 2px 10px 2px 0; }
.badge { display: inline-block; min-width: 96px; text-align: center; padding: 1px 8px; border-radius: 4px;
         color: #fff; font-weight: 700; font-size: 12px; letter-spacing: .03em; }
.badge.passed { background: #15803d; }
.badge.failed, .badge.crashed, .badge.timed_out, .badge.compile_error { background: #b91c1c; }
.badge.not_started { background: #b45309; }
.badge.error, .badge.interrupted { background: #4b5563; }
.exercise { border: 1px solid #d1d5db; border-radius: 6px; padding: 12px 16px; margin-bottom: 18px; }
.exercise .title { color: #4b5563; font-weight: 400; }
.variant { color: #6b7280; font-weight: 400; font-size: 13px; }
.counts, .hints, .message { color: #374151; margin: 2px 0 8px; }
.test { border-top: 1px solid #e5e7eb; padding: 8px 0 6px; }
.test .mark { display: inline-block; width: 1.2em; }
.test.passed .mark { color: #15803d; }
.test.failed .mark { color: #b91c1c; }
.test.not_started .mark, .test.skipped .mark, .test.not_run .mark { color: #b45309; }
.test .time, .test .tag { color: #6b7280; font-weight: 400; }
table.figures { border-collapse: collapse; margin: 4px 0 6px 1.2em; }
table.figures th { text-align: left; color: #6b7280; font-weight: 500; padding: 1px 14px 1px 0; }
table.figures td { padding: 1px 14px 1px 0; }
table.figures td.value { text-align: right; font-family: ui-monospace, monospace; }
.diagnosis { margin: 4px 0 6px 1.2em; padding: 6px 10px; background: #fffbeb; border-left: 3px solid #f59e0b; }
.diagnosis .name { font-weight: 700; }
.diagnosis p { margin: 2px 0; white-space: pre-wrap; }
.failure, .output, .source { margin-left: 1.2em; }
.compile-error .where { font-family: ui-monospace, monospace; }
.timelines { display: flex; flex-wrap: wrap; gap: 10px 16px; margin: 6px 0 4px 1.2em; }
.timelines figure { margin: 0; }
.timelines figcaption { color: #4b5563; font-size: 12.5px; }
.timelines svg { max-width: 100%; height: auto; background: #fafafa; border: 1px solid #e5e7eb; border-radius: 4px; }
.legend { color: #374151; font-size: 12.5px; margin-top: 24px; }
.swatch { display: inline-block; width: 18px; height: 10px; border-radius: 2px; vertical-align: middle; margin: 0 4px 0 12px; }
)";

std::string format_duration(double ms) {
  if (ms < 1000) return format_number(std::round(ms)) + " ms";
  return fmt::format("{:.1f} s", ms / 1000);
}

std::string now_text() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S %Z", &local);
  return buffer;
}

std::string anchor(const ExerciseReport& e) { return e.chapter + "-" + e.id + "-" + e.variant; }

// The last <count> lines of <text>.
std::string last_lines(const std::string& text, std::size_t count) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

// The stub's "not implemented yet: what" part of a failure, or empty.
std::string stub_message(const TestResult& t) {
  for (const auto& f : t.failures) {
    const auto pos = f.find(kNotImplementedMarker);
    if (pos != std::string::npos) return f.substr(pos, f.find('"', pos) - pos);
  }
  return {};
}

const char* status_class(const TestResult& t) { return t.not_started ? "not_started" : to_string(t.status); }

const char* status_mark(const TestResult& t) {
  if (t.not_started) return "\u2013";
  switch (t.status) {
    case TestStatus::passed: return "\u2713";
    case TestStatus::failed: return "\u2717";
    default: return "\u2013";
  }
}

std::string figures_table(const TestResult& t) {
  if (t.figures.empty()) return {};
  std::string out = "<table class=\"figures\"><tr><th>figure</th><th>value</th><th>unit</th><th>expected</th></tr>\n";
  for (const auto& f : t.figures)
    out += fmt::format("<tr><td class=\"mono\">{}</td><td class=\"value\">{}</td><td>{}</td><td>{}</td></tr>\n",
                       esc(pretty_figure_name(f.name)), esc(format_number(f.value)), esc(f.unit), esc(f.expected));
  return out + "</table>\n";
}

std::string timelines(const TestResult& t, const ExerciseReport& e) {
  if (t.trace.empty()) return {};
  const auto actual = actual_bars(t.trace);
  const auto shape = e.expected_shapes.for_test(t.full_name());
  // The reference solution's own run of this test when there is one; else the student's
  // requests placed by the shape.
  const auto reference = e.reference_traces.find(t.full_name());
  const bool from_reference = reference != e.reference_traces.end() && !reference->second.empty();
  std::vector<TimelineBar> planned;
  if (from_reference)
    planned = actual_bars(reference->second);
  else if (shape)
    planned = expected_bars(t.trace, *shape);
  SvgTimelineOptions options;
  options.test_name = t.full_name();
  // One scale for both drawings, so lengths compare at a glance.
  options.end_ms = std::max(bars_end_ms(actual), bars_end_ms(planned));
  options.mark = cutoff_mark(t);
  options.caption = "requests of " + t.full_name() + " as the server saw them";
  std::string out = "<div class=\"timelines\">\n";
  out += fmt::format("<figure class=\"timeline actual\"><figcaption>{} request{} as the server saw them</figcaption>\n{}\n</figure>\n",
                     actual.size(), actual.size() == 1 ? "" : "s", draw_svg_timeline(actual, options));
  if (shape || from_reference) {
    SvgTimelineOptions expected = options;
    expected.style = BarStyle::expected;
    expected.mark.reset();  // the cut-off is a measurement, not part of the shape
    const std::string shape_name =
        shape ? to_string(*shape) : std::string("as the reference solution ran");
    expected.caption = from_reference
                           ? "the requests of a correct solution's run of " + t.full_name()
                           : "the same requests placed as a correct solution would: " + shape_name;
    const std::string source = from_reference ? "a correct solution's run"
                                              : "your requests' durations, placed by the shape";
    out += fmt::format(
        "<figure class=\"timeline expected\" data-source=\"{}\"><figcaption>expected shape: "
        "<b>{}</b> "
        "<span class=\"source\">({})</span></figcaption>\n{}\n</figure>\n",
        from_reference ? "reference" : "durations", esc(shape_name), esc(source),
        draw_svg_timeline(planned, expected));
  }
  return out + "</div>\n";
}

std::string test_article(const TestResult& t, const ExerciseReport& e) {
  std::string out = fmt::format("<article class=\"test {}\">\n<h3><span class=\"mark\">{}</span>{} <span class=\"time\">{}</span>",
                                status_class(t), status_mark(t), esc(t.full_name()), format_duration(t.time_ms));
  if (t.not_started) out += " <span class=\"tag\">(not started)</span>";
  else if (t.status == TestStatus::skipped) out += " <span class=\"tag\">(skipped)</span>";
  else if (t.status == TestStatus::not_run) out += " <span class=\"tag\">(not run)</span>";
  out += "</h3>\n";
  if (t.not_started) {
    if (const auto what = stub_message(t); !what.empty()) out += "<pre class=\"failure\">" + esc(what) + "</pre>\n";
  } else {
    out += figures_table(t);
    if (!t.diagnosis.empty()) {
      out += "<div class=\"diagnosis\"><p><span class=\"name\">diagnosis: " + esc(t.diagnosis) + "</span></p>";
      if (!t.diagnosis_detail.empty()) out += "<p class=\"detail\">" + esc(t.diagnosis_detail) + "</p>";
      out += "</div>\n";
    } else if (t.status == TestStatus::failed) {
      // GoogleTest's messages, as many as a reader takes in.
      for (std::size_t i = 0; i < t.failures.size() && i < 3; ++i)
        out += "<pre class=\"failure\">" + esc(last_lines(t.failures[i], 20)) + "</pre>\n";
      if (t.failures.size() > 3) out += fmt::format("<p class=\"message\">and {} more failures</p>\n", t.failures.size() - 3);
    }
  }
  out += timelines(t, e);
  return out + "</article>\n";
}

std::string compile_error_block(const ExerciseReport& e) {
  if (!e.compile_error) return {};
  const auto& ce = *e.compile_error;
  std::string out = "<div class=\"compile-error\">\n";
  if (!ce.file.empty()) {
    out += fmt::format("<p class=\"where\">{}:{}:{}: <b>error:</b> {}</p>\n", esc(ce.file), ce.line, ce.column, esc(ce.message));
    if (!ce.source_line.empty()) {
      std::string source = fmt::format("{:>5} | {}\n", ce.line, ce.source_line);
      if (ce.column > 0) source += "      | " + std::string(static_cast<std::size_t>(ce.column - 1), ' ') + "^\n";
      out += "<pre class=\"source\">" + esc(source) + "</pre>\n";
    }
    if (!ce.user_file.empty()) out += fmt::format("<p>from your code at <code>{}:{}</code></p>\n", esc(ce.user_file), ce.user_line);
  } else {
    out += "<p class=\"where\"><b>error:</b> " + esc(ce.message) + "</p>\n";
  }
  if (!ce.reading.empty()) out += "<p class=\"reading\"><b>what it usually means:</b> " + esc(ce.reading) + "</p>\n";
  if (!e.build_log_file.empty()) out += "<p>full compiler output: <code>" + esc(e.build_log_file) + "</code></p>\n";
  if (!e.build_log.empty())
    out += "<details><summary>the end of the compiler output</summary><pre class=\"output\">" + esc(last_lines(e.build_log, 60)) +
           "</pre></details>\n";
  return out + "</div>\n";
}

// Crash, timeout, harness error: what the run said last.
std::string run_problem_block(const ExerciseReport& e) {
  if (e.verdict != Verdict::crashed && e.verdict != Verdict::timed_out && e.verdict != Verdict::error) return {};
  std::string out;
  if (!e.signal.empty()) out += "<p class=\"message\">signal: <b>" + esc(e.signal) + "</b></p>\n";
  if (!e.running_test.empty()) out += "<p class=\"message\">running test: <code>" + esc(e.running_test) + "</code></p>\n";
  if (!e.output.empty()) {
    out += "<p class=\"message\">last output" + std::string(e.output_truncated ? " (the output was cut: its middle is left out)" : "") +
           ":</p>\n<pre class=\"output\">" + esc(last_lines(e.output, 40)) + "</pre>\n";
  }
  return out;
}

std::string hints_line(const ExerciseReport& e) {
  if (e.hints_total == 0 || e.variant != "exercise") return {};
  const std::string chapter = e.chapter.substr(0, e.chapter.find('-'));
  std::string out = fmt::format("<p class=\"hints\">hints read: {} of {}", e.hints_read, e.hints_total);
  if (e.verdict != Verdict::passed && e.hints_read < e.hints_total)
    out += fmt::format(" &middot; next: <code>grader hint {} {}</code>", esc(chapter), esc(e.id));
  return out + "</p>\n";
}

std::string exercise_section(const ExerciseReport& e) {
  std::string out = fmt::format("<section class=\"exercise\" id=\"{}\">\n<h2><span class=\"badge {}\">{}</span> {}",
                                esc(anchor(e)), to_string(e.verdict), verdict_label(e.verdict), esc(exercise_label(e)));
  if (!e.title.empty()) out += " <span class=\"title\">" + esc(e.title) + "</span>";
  if (e.variant != "exercise") out += " <span class=\"variant\">[" + esc(e.variant) + "]</span>";
  out += "</h2>\n";
  std::string counts;
  if (!e.tests.empty() && graded(e.verdict))
    counts = fmt::format("{} of {} tests passed &middot; tests ran {}", e.passed_count(), e.tests.size(), format_duration(e.elapsed_ms));
  if (e.build_ms > 0) counts += (counts.empty() ? "" : " &middot; ") + ("build " + format_duration(e.build_ms));
  if (e.time_limit_s > 0) counts += (counts.empty() ? "" : " &middot; ") + ("time limit " + format_number(e.time_limit_s) + " s");
  if (!counts.empty()) out += "<p class=\"counts\">" + counts + "</p>\n";
  if (!e.message.empty()) out += "<p class=\"message\"><b>" + esc(e.message) + "</b></p>\n";
  if (!e.reference_note.empty())
    out += "<p class=\"message reference-note\">" + esc(e.reference_note) + "</p>\n";
  if (e.stray_processes_killed > 0)
    out += fmt::format("<p class=\"message\">{} process(es) left running by the tests were killed</p>\n", e.stray_processes_killed);
  if (e.verdict == Verdict::compile_error) out += compile_error_block(e);
  out += run_problem_block(e);
  out += hints_line(e);
  for (const auto& t : e.tests) out += test_article(t, e);
  return out + "</section>\n";
}

std::string legend() {
  auto swatch = [](const char* colour, const char* extra = "") {
    return fmt::format("<span class=\"swatch\" style=\"background:{};{}\"></span>", colour, extra);
  };
  return "<p class=\"legend\">Timelines: ms since the test started." + swatch("#2563eb") + "a request, arrival to finish, " +
         "the dark tick where its response started" + swatch("#f59e0b") + "aborted by the client (crossed where it ended)" +
         swatch("#9333ea") + "refused (4xx)" + swatch("#93c5fd", "border:1px dashed #1d4ed8") + "still open" +
         swatch("#10b981") + "where a correct solution would place it" + swatch("#dc2626", "height:2px") +
         "the timeout, deadline or cancel</p>\n";
}

}  // namespace

std::string render_html(const Report& report) {
  int passed = 0, tests = 0, tests_passed = 0;
  for (const auto& e : report.exercises) {
    passed += e.verdict == Verdict::passed;
    tests += static_cast<int>(e.tests.size());
    tests_passed += e.passed_count();
  }
  const int total = static_cast<int>(report.exercises.size());
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += fmt::format("<title>asynclings: {} of {} exercises passed</title>\n", passed, total);
  out += std::string("<style>") + kStyle + "</style>\n</head>\n<body>\n<header>\n<h1>asynclings grading report</h1>\n";
  out += fmt::format(
      "<p class=\"facts\"><span>variant <b>{}</b></span><span>date <b>{}</b></span><span>exercises <b>{} of {} passed</b></span>"
      "<span>tests <b>{} of {} passed</b></span><span>elapsed <b>{}</b></span></p>\n",
      esc(report.variant), esc(now_text()), passed, total, tests_passed, tests, format_duration(report.elapsed_ms));
  out += "<table class=\"overview\">\n";
  for (const auto& e : report.exercises)
    out += fmt::format("<tr><td><span class=\"badge {}\">{}</span></td><td><a href=\"#{}\">{}</a></td><td>{}</td></tr>\n",
                       to_string(e.verdict), verdict_label(e.verdict), esc(anchor(e)), esc(exercise_label(e)), esc(e.title));
  out += "</table>\n</header>\n<main>\n";
  std::string sections;
  for (const auto& e : report.exercises) sections += exercise_section(e);
  // The legend where a reader meets the colours, just above the first chart, and again at the
  // foot of the page. (Escaped text cannot hold the tag searched for.)
  if (const auto first_chart = sections.find("<div class=\"timelines\">");
      first_chart != std::string::npos)
    sections.insert(first_chart, legend());
  out += sections;
  out += "</main>\n<footer>\n" + legend() + "</footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace asynclings::grader
