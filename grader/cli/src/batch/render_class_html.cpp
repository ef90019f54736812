// The class view as one self-contained page (inline CSS and SVG, no script, nothing fetched),
// readable from file:// and printable. Exercise, file and diagnosis names come from the
// trusted manifests and from reports a submission's tests wrote: all go through escape_markup.
// Every count is also an attribute (data-verdict/data-diagnosis with data-count), so a test
// can read the rendered page back and compare it with the JSON.
#include "batch/class_view.hpp"

#include "render/escape.hpp"
#include "render/render.hpp"
#include "render/svg_timeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace asynclings::grader {
namespace {

std::string esc(std::string_view text) { return escape_markup(text); }

constexpr const char* kStyle = R"(
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, sans-serif; color: #111827; margin: 24px; max-width: 1180px; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 17px; margin: 0 0 6px; }
h2 .name { color: #4b5563; font-weight: 400; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0 0 14px; color: #374151; }
.facts b { color: #111827; }
table.overview { border-collapse: collapse; margin-bottom: 22px; }
table.overview th { text-align: right; color: #4b5563; font-weight: 500; padding: 2px 8px; border-bottom: 1px solid #d1d5db; }
table.overview th.text, table.overview td.text { text-align: left; }
table.overview td { text-align: right; padding: 2px 8px; font-variant-numeric: tabular-nums; }
table.overview td.zero { color: #9ca3af; }
.exercise { border: 1px solid #d1d5db; border-radius: 6px; padding: 12px 16px; margin-bottom: 18px; break-inside: avoid; }
.verdicts svg { display: block; margin: 6px 0 4px; border-radius: 3px; }
.legend { display: flex; flex-wrap: wrap; gap: 2px 16px; color: #374151; font-size: 13px; margin-bottom: 10px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px; margin-right: 4px; }
table.mistakes { border-collapse: collapse; }
table.mistakes td { padding: 2px 10px 2px 0; vertical-align: middle; }
table.mistakes td.diagnosis { font-family: ui-monospace, monospace; font-size: 13px; }
table.mistakes td.count { text-align: right; font-variant-numeric: tabular-nums; }
table.mistakes tr.unnamed td.diagnosis { font-family: inherit; font-style: italic; color: #4b5563; }
.none { color: #4b5563; }
.median { color: #374151; margin-top: 8px; }
.note { color: #4b5563; font-size: 13px; margin-top: 24px; }
)";

struct VerdictLook {
  const char* name;
  const char* label;
  const char* colour;
};

// Every name of class_view_verdicts(), in its order.
const std::vector<VerdictLook>& looks() {
  static const std::vector<VerdictLook> all = {
      {"passed", "passed", "#15803d"},
      {"failed", "failed", "#dc2626"},
      {"not_started", "not started", "#d97706"},
      {"compile_error", "compile error", "#7c3aed"},
      {"crashed", "crashed", "#be185d"},
      {"timed_out", "hung (timed out)", "#0e7490"},
      {"tampered", "tampered", "#111827"},
      {"error", "grading error", "#6b7280"},
      {"interrupted", "interrupted", "#9ca3af"},
      {"missing", "no report", "#d1d5db"},
  };
  return all;
}

constexpr const char* kMistakeColour = "#f59e0b";
constexpr const char* kUnnamedColour = "#fca5a5";
constexpr int kBarWidth = 640;

std::string now_text() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S %Z", &local);
  return buffer;
}

std::string seconds_text(const std::optional<double>& ms) {
  if (!ms) return "–";
  return *ms < 1000 ? fmt::format("{:.0f} ms", *ms) : fmt::format("{:.1f} s", *ms / 1000);
}

std::string anchor(const ExerciseClassView& e) { return e.column.chapter + "-" + e.column.id; }

// One bar of <count> out of <total> submissions, drawn <kBarWidth> wide at most.
double width_of(int count, int total) { return total <= 0 ? 0.0 : static_cast<double>(kBarWidth) * count / total; }

std::string verdict_bar(const ExerciseClassView& e) {
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"verdict-bar\" width=\"{0}\" height=\"22\" viewBox=\"0 0 {0} 22\" "
      "role=\"img\" aria-label=\"verdicts of {1}\">\n",
      kBarWidth, esc(e.column.label()));
  double x = 0;
  for (const auto& look : looks()) {
    const int n = e.count(look.name);
    if (n == 0) continue;
    const double w = width_of(n, e.submissions);
    out += fmt::format("<rect class=\"verdict {0}\" data-verdict=\"{0}\" data-count=\"{1}\" x=\"{2:.2f}\" y=\"0\" "
                       "width=\"{3:.2f}\" height=\"22\" fill=\"{4}\"><title>{5}: {1}</title></rect>\n",
                       look.name, n, x, w, look.colour, look.label);
    x += w;
  }
  return out + "</svg>\n";
}

std::string legend(const ExerciseClassView& e) {
  std::string out = "<div class=\"legend\">";
  for (const auto& look : looks()) {
    const int n = e.count(look.name);
    if (n == 0) continue;
    out += fmt::format("<span><span class=\"swatch\" style=\"background:{}\"></span>{} {}</span>", look.colour, look.label, n);
  }
  return out + "</div>\n";
}

std::string histogram_row(const char* row_class, const std::string& name, const std::string& attribute, int count,
                          int total, const char* colour) {
  const double w = width_of(count, total);
  return fmt::format(
      "<tr class=\"{0}\"{1} data-count=\"{2}\"><td class=\"diagnosis\">{3}</td>"
      "<td><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{4}\" height=\"14\" viewBox=\"0 0 {4} 14\">"
      "<rect class=\"bar\" x=\"0\" y=\"0\" width=\"{5:.2f}\" height=\"14\" fill=\"{6}\"/></svg></td>"
      "<td class=\"count\">{2}</td></tr>\n",
      row_class, attribute, count, name, kBarWidth, std::max(w, count > 0 ? 2.0 : 0.0), colour);
}

std::string exercise_section(const ExerciseClassView& e) {
  std::string out = fmt::format(
      "<section class=\"exercise\" id=\"{}\" data-exercise=\"{}\" data-submissions=\"{}\">\n<h2>{} <span class=\"name\">{}</span></h2>\n",
      esc(anchor(e)), esc(e.column.label()), e.submissions, esc(e.column.label()), esc(e.column.name));
  out += "<div class=\"verdicts\">\n" + verdict_bar(e) + legend(e) + "</div>\n";
  if (e.mistakes.empty() && e.failed_unnamed == 0) {
    out += "<p class=\"none\">No failing test of this exercise named a mistake.</p>\n";
  } else {
    out += "<h3>Mistakes the failing tests named (submissions)</h3>\n<table class=\"mistakes\">\n";
    for (const auto& m : e.mistakes)
      out += histogram_row("mistake", esc(m.diagnosis), " data-diagnosis=\"" + esc(m.diagnosis) + "\"", m.submissions,
                           e.submissions, kMistakeColour);
    if (e.failed_unnamed > 0)
      out += histogram_row("unnamed", "failed, no mistake named", "", e.failed_unnamed, e.submissions, kUnnamedColour);
    out += "</table>\n";
  }
  out += fmt::format("<p class=\"median\" data-median-ms=\"{}\">Median attempt (build + run): <b>{}</b> over {} submission{}</p>\n",
                     e.median_attempt_ms ? fmt::format("{:.0f}", *e.median_attempt_ms) : std::string{},
                     seconds_text(e.median_attempt_ms), e.attempts_timed, e.attempts_timed == 1 ? "" : "s");
  return out + "</section>\n";
}

std::string overview(const ClassView& view) {
  std::string out = "<table class=\"overview\">\n<tr><th class=\"text\">exercise</th><th>submissions</th>";
  for (const auto& look : looks()) out += fmt::format("<th>{}</th>", look.label);
  out += "<th class=\"text\">most named mistake</th><th>median attempt</th></tr>\n";
  for (const auto& e : view.exercises) {
    out += fmt::format("<tr data-exercise=\"{0}\"><td class=\"text\"><a href=\"#{1}\">{0}</a></td><td>{2}</td>",
                       esc(e.column.label()), esc(anchor(e)), e.submissions);
    for (const auto& look : looks()) {
      const int n = e.count(look.name);
      out += fmt::format("<td{} data-verdict=\"{}\" data-count=\"{}\">{}</td>", n == 0 ? " class=\"zero\"" : "", look.name, n, n);
    }
    const std::string top =
        e.mistakes.empty() ? std::string("–")
                           : esc(e.mistakes.front().diagnosis) + " (" + std::to_string(e.mistakes.front().submissions) + ")";
    out += fmt::format("<td class=\"text\">{}</td><td>{}</td></tr>\n", top, seconds_text(e.median_attempt_ms));
  }
  return out + "</table>\n";
}

}  // namespace

std::string render_class_view_html(const ClassView& view, const std::string& title) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>Class view: " + esc(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  out += "<h1>Class view: " + esc(title) + "</h1>\n<div class=\"facts\">";
  out += fmt::format("<span><b>{}</b> submission{}</span>", view.students, view.students == 1 ? "" : "s");
  for (const auto& [status, n] : view.statuses)
    if (n > 0 && status != "graded")
      out += fmt::format("<span data-status=\"{0}\" data-count=\"{1}\">{0}: <b>{1}</b></span>", esc(status), n);
  out += "<span>made " + esc(now_text()) + "</span></div>\n";
  out += overview(view);
  for (const auto& e : view.exercises) out += exercise_section(e);
  out += "<p class=\"note\">Each count is of submissions. A submission counts once per mistake however many of its tests "
         "named it; the tests of a tampered exercise are not believed and name nothing here. “No report”: the "
         "submission was empty, or its grading as a whole timed out, crashed or was interrupted (the gradebook says "
         "which). An attempt’s time is what the grader spent building and running that exercise’s tests.</p>\n";
  return out + "</body>\n</html>\n";
}

}  // namespace asynclings::grader
