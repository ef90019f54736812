// SVG drawings of a test's requests on a time axis, for the HTML report: the requests as the
// server saw them (one bar from arrival to finish, the response start marked, aborted ones
// crossed), and the same requests redrawn the way a correct solution would place them.
#pragma once

#include "core/gtest_results.hpp"
#include "core/manifest.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asynclings::grader {

struct TimelineBar {
  std::uint64_t id = 0;
  std::string target;
  double start_ms = 0;  // ms since the test started, as the trace counts them
  double end_ms = 0;
  std::optional<double> response_start_ms;
  std::string outcome;   // completed, client_aborted, bad_request, in_progress
  bool finished = true;  // false: the request was still open, drawn to the trace's last moment
};

// The trace's requests in arrival order, each from its arrival to its finish.
std::vector<TimelineBar> actual_bars(const std::vector<TraceRequest>& trace);

// The same requests in the same order, each keeping its duration, placed by <shape> from the
// first arrival: concurrent all start then; sequential each starts where the previous one
// ended; limit:N fills N lanes, each request starting when a lane frees.
std::vector<TimelineBar> expected_bars(const std::vector<TraceRequest>& trace, const ExpectedShape& shape);

// The latest moment any bar reaches (0 for none).
double bars_end_ms(const std::vector<TimelineBar>& bars);

// A moment drawn across the timeline as a dashed line.
struct TimelineMark {
  double at_ms = 0;
  std::string label;
};

// When the test's timeout or cancel struck: a figure in ms whose name speaks of a timeout,
// deadline or cancel (the test's own clock of the moment), else the earliest finish of a
// request the client aborted; nullopt when the test has neither.
std::optional<TimelineMark> cutoff_mark(const TestResult& test);

enum class BarStyle {
  actual,    // <rect class="request …">: what the server saw
  expected,  // <rect class="planned">: where a correct solution would put them
};

struct SvgTimelineOptions {
  BarStyle style = BarStyle::actual;
  // The axis's right end; 0 fits the bars. Drawings meant to be compared share one.
  double end_ms = 0;
  std::optional<TimelineMark> mark;
  // Written as data-test, so each test's drawing can be found in the page.
  std::string test_name;
  std::string caption;  // the drawing's accessible name
};

// An <svg> element (no scripts, no external references); empty for no bars.
std::string draw_svg_timeline(const std::vector<TimelineBar>& bars, const SvgTimelineOptions& options);

}  // namespace asynclings::grader
