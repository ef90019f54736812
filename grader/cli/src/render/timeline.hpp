// An ASCII timeline of a test's requests as the server saw them: one bar per request from
// arrival to finish, scaled to a fixed width, aborted requests marked.
#pragma once

#include "core/gtest_results.hpp"

#include <string>
#include <vector>

namespace asynclings::grader {

struct TimelineOptions {
  int width = 60;       // columns for the bars
  int label_width = 22; // "#12 /delay/200" column
  std::size_t max_rows = 30;  // more requests are summarised
  // The axis's length from the first arrival; 0 fits the requests. Timelines meant to be
  // compared share one (timeline_span_ms of each, the larger).
  double span_ms = 0;
};

// Lines ending in '\n'; empty when there are no requests.
// From the first arrival to the last moment the requests mention (0 for none).
double timeline_span_ms(const std::vector<TraceRequest>& requests);

std::string draw_timeline(const std::vector<TraceRequest>& requests, const TimelineOptions& options = {});

}  // namespace asynclings::grader
