#include "render/svg_timeline.hpp"

#include "render/escape.hpp"
#include "render/render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace asynclings::grader {
namespace {

// Geometry of one drawing, in SVG user units (pixels at 100 %).
constexpr double kWidth = 520;
constexpr double kPlotLeft = 150;  // the label column is to its left
constexpr double kPlotRight = 505;
constexpr double kTop = 20;        // room for the mark's label above the rows
constexpr std::size_t kLabelChars = 24;

// Fills chosen to read apart in colour and in grey (the legend in render_html.cpp names them).
constexpr const char* kCompletedFill = "#2563eb";
constexpr const char* kAbortedFill = "#f59e0b";
constexpr const char* kRefusedFill = "#9333ea";
constexpr const char* kUnfinishedFill = "#93c5fd";
constexpr const char* kPlannedFill = "#10b981";
constexpr const char* kCutoffStroke = "#dc2626";

std::vector<const TraceRequest*> by_arrival(const std::vector<TraceRequest>& trace) {
  std::vector<const TraceRequest*> sorted;
  for (const auto& r : trace) sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(), [](const TraceRequest* a, const TraceRequest* b) {
    return a->arrival_ms != b->arrival_ms ? a->arrival_ms < b->arrival_ms : a->id < b->id;
  });
  return sorted;
}

// The last moment the trace mentions: where an unfinished request's bar stops.
double trace_end_ms(const std::vector<TraceRequest>& trace) {
  double end = 0;
  for (const auto& r : trace) {
    end = std::max(end, r.arrival_ms);
    if (r.response_start_ms) end = std::max(end, *r.response_start_ms);
    if (r.finish_ms) end = std::max(end, *r.finish_ms);
  }
  return end;
}

std::string coordinate(double value) { return fmt::format("{:.1f}", value); }

std::string shorten(const std::string& text, std::size_t chars) {
  if (text.size() <= chars) return text;
  std::size_t cut = chars - 1;
  // Never inside a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "\u2026";
}

// 1, 2 or 5 times a power of ten, giving about six ticks over <span>.
double tick_step(double span) {
  const double raw = span / 6;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double factor : {1.0, 2.0, 5.0})
    if (factor * magnitude >= raw) return factor * magnitude;
  return 10 * magnitude;
}

std::string describe(const TimelineBar& bar, BarStyle style) {
  std::string text = fmt::format("#{} {}: ", bar.id, bar.target);
  if (style == BarStyle::expected)
    return text + fmt::format("expected from {} ms to {} ms", format_number(bar.start_ms), format_number(bar.end_ms));
  text += "arrived " + format_number(bar.start_ms) + " ms";
  if (bar.response_start_ms) text += ", response started " + format_number(*bar.response_start_ms) + " ms";
  text += bar.finished ? ", finished " + format_number(bar.end_ms) + " ms" : ", still open";
  return text + " (" + bar.outcome + ")";
}

}  // namespace

std::vector<TimelineBar> actual_bars(const std::vector<TraceRequest>& trace) {
  const double end = trace_end_ms(trace);
  std::vector<TimelineBar> bars;
  for (const TraceRequest* r : by_arrival(trace)) {
    TimelineBar bar;
    bar.id = bars.size() + 1;  // numbered within the test, in arrival order
    bar.target = r->target;
    bar.start_ms = r->arrival_ms;
    bar.finished = r->finish_ms.has_value();
    bar.end_ms = std::max(r->arrival_ms, r->finish_ms.value_or(end));
    bar.response_start_ms = r->response_start_ms;
    bar.outcome = r->outcome;
    bars.push_back(std::move(bar));
  }
  return bars;
}

std::vector<TimelineBar> expected_bars(const std::vector<TraceRequest>& trace, const ExpectedShape& shape) {
  std::vector<TimelineBar> bars = actual_bars(trace);
  if (bars.empty()) return bars;
  const double first_arrival = bars.front().start_ms;
  double previous_end = first_arrival;
  std::vector<double> lane_free(static_cast<std::size_t>(std::max(shape.lanes, 1)), first_arrival);
  for (auto& bar : bars) {
    const double duration = bar.end_ms - bar.start_ms;
    switch (shape.kind) {
      case ExpectedShape::Kind::concurrent: bar.start_ms = first_arrival; break;
      case ExpectedShape::Kind::sequential: bar.start_ms = previous_end; break;
      case ExpectedShape::Kind::limit: {
        auto lane = std::min_element(lane_free.begin(), lane_free.end());
        bar.start_ms = *lane;
        *lane = bar.start_ms + duration;
        break;
      }
    }
    bar.end_ms = bar.start_ms + duration;
    previous_end = bar.end_ms;
    // Only the placement is expected: when a response starts is the server's business.
    bar.response_start_ms.reset();
    bar.finished = true;
  }
  return bars;
}

double bars_end_ms(const std::vector<TimelineBar>& bars) {
  double end = 0;
  for (const auto& bar : bars) end = std::max(end, bar.end_ms);
  return end;
}

std::optional<TimelineMark> cutoff_mark(const TestResult& test) {
  for (const auto& f : test.figures) {
    if (f.unit != "ms" || f.value < 0) continue;
    for (const char* word : {"timeout", "deadline", "cancel"})
      if (f.name.find(word) != std::string::npos) return TimelineMark{f.value, f.name + " = " + format_number(f.value)};
  }
  std::optional<double> first_abort;
  for (const auto& r : test.trace)
    if (r.outcome == "client_aborted" && r.finish_ms && (!first_abort || *r.finish_ms < *first_abort))
      first_abort = *r.finish_ms;
  if (first_abort) return TimelineMark{*first_abort, "first abort " + format_number(*first_abort) + " ms"};
  return std::nullopt;
}

std::string draw_svg_timeline(const std::vector<TimelineBar>& bars, const SvgTimelineOptions& options) {
  if (bars.empty()) return {};
  // Long traces get thinner rows so the drawing stays on a screen.
  const double row = bars.size() > 40 ? 10 : 18;
  const double bar_height = row - 6;
  const double axis_y = kTop + row * static_cast<double>(bars.size()) + 4;
  const double height = axis_y + 24;
  double end = options.end_ms > 0 ? options.end_ms : bars_end_ms(bars);
  if (options.mark) end = std::max(end, options.mark->at_ms);
  end = std::max(end, 1.0);
  auto x = [&](double ms) { return kPlotLeft + std::clamp(ms / end, 0.0, 1.0) * (kPlotRight - kPlotLeft); };

  const bool expected = options.style == BarStyle::expected;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline {}\" data-test=\"{}\" width=\"{}\" "
      "height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\" font-family=\"monospace\" "
      "font-size=\"{}\">\n",
      expected ? "expected" : "actual", escape_markup(options.test_name), kWidth, coordinate(height), kWidth,
      coordinate(height), escape_markup(options.caption), bars.size() > 40 ? 8 : 11);

  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& bar = bars[i];
    const double top = kTop + row * static_cast<double>(i);
    const double left = x(bar.start_ms);
    const double width = std::max(x(bar.end_ms) - left, 1.5);  // an instant still shows
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#374151\">{}</text>\n",
                       coordinate(kPlotLeft - 6), coordinate(top + row - 5),
                       escape_markup(shorten(fmt::format("#{} {}", bar.id, bar.target), kLabelChars)));
    std::string css = "planned";
    const char* fill = kPlannedFill;
    std::string extra;
    if (!expected) {
      css = "request";
      fill = kCompletedFill;
      if (bar.outcome == "client_aborted") {
        css += " aborted";
        fill = kAbortedFill;
      } else if (bar.outcome == "bad_request") {
        css += " refused";
        fill = kRefusedFill;
      } else if (!bar.finished) {
        css += " unfinished";
        fill = kUnfinishedFill;
        extra = " stroke=\"#1d4ed8\" stroke-dasharray=\"3 2\"";
      }
    }
    svg += fmt::format(
        "<rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" fill=\"{}\"{}><title>{}</title></rect>\n",
        css, coordinate(left), coordinate(top + 3), coordinate(width), coordinate(bar_height), fill, extra,
        escape_markup(describe(bar, options.style)));
    if (!expected && bar.response_start_ms) {
      const double at = x(*bar.response_start_ms);
      svg += fmt::format(
          "<line class=\"response-start\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#111827\" stroke-width=\"2\"/>\n",
          coordinate(at), coordinate(top + 1), coordinate(top + row - 1));
    }
    if (!expected && bar.outcome == "client_aborted") {
      // A cross where the client hung up.
      const double cx = x(bar.end_ms), cy = top + 3 + bar_height / 2, r = bar_height / 2 + 1;
      svg += fmt::format(
          "<path class=\"abort-mark\" d=\"M{} {}L{} {}M{} {}L{} {}\" stroke=\"#b91c1c\" stroke-width=\"2\"/>\n",
          coordinate(cx - r), coordinate(cy - r), coordinate(cx + r), coordinate(cy + r), coordinate(cx - r),
          coordinate(cy + r), coordinate(cx + r), coordinate(cy - r));
    }
  }

  // The time axis: ms since the test started.
  svg += fmt::format("<line class=\"axis\" x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#6b7280\"/>\n",
                     coordinate(kPlotLeft), coordinate(kPlotRight), coordinate(axis_y));
  const double step = tick_step(end);
  for (int k = 0;; ++k) {
    const double ms = step * k;
    if (ms > end * (1 + 1e-9)) break;
    const double at = x(ms);
    svg += fmt::format(
        "<line class=\"tick\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#6b7280\"/>"
        "<text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\" font-size=\"9\" fill=\"#4b5563\">{4} ms</text>\n",
        coordinate(at), coordinate(axis_y), coordinate(axis_y + 4), coordinate(axis_y + 15), format_number(ms));
  }

  if (options.mark) {
    const double at = x(options.mark->at_ms);
    const char* anchor = at > kPlotRight - 80 ? "end" : "start";
    svg += fmt::format(
        "<line class=\"cutoff\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"1.5\" "
        "stroke-dasharray=\"4 3\"/><text class=\"cutoff-label\" x=\"{0}\" y=\"{4}\" text-anchor=\"{5}\" "
        "fill=\"{3}\">{6}</text>\n",
        coordinate(at), coordinate(kTop - 4), coordinate(axis_y), kCutoffStroke, coordinate(kTop - 8), anchor,
        escape_markup(options.mark->label));
  }
  svg += "</svg>";
  return svg;
}

}  // namespace asynclings::grader
