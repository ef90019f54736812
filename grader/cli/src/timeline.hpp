// An ASCII timeline of a test's requests as the server saw them: one bar per request from
// arrival to finish, scaled to a fixed width, aborted requests marked.
#pragma once

#include "gtest_results.hpp"

#include <string>
#include <vector>

namespace asynclings::grader {

struct TimelineOptions {
  int width = 60;       // columns for the bars
  int label_width = 22; // "#12 /delay/200" column
  std::size_t max_rows = 30;  // more requests are summarised
};

// Lines ending in '\n'; empty when there are no requests.
std::string draw_timeline(const std::vector<TraceRequest>& requests, const TimelineOptions& options = {});

}  // namespace asynclings::grader
