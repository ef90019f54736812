#include "render/timeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace asynclings::grader {
namespace {

char end_mark(const TraceRequest& r) {
  if (r.outcome == "client_aborted") return 'x';
  if (r.outcome == "bad_request" || r.outcome == "server_error") return '!';  // refused or failed: no answer
  if (!r.finish_ms) return '>';
  return '|';
}

std::string fit(std::string text, std::size_t width) {
  if (text.size() > width) text = text.substr(0, width - 1) + "~";
  text.resize(width, ' ');
  return text;
}

std::string format_ms(double ms) {
  char buffer[32];
  if (ms >= 10'000) std::snprintf(buffer, sizeof buffer, "%.1f s", ms / 1000);
  else std::snprintf(buffer, sizeof buffer, "%.0f ms", ms);
  return buffer;
}

}  // namespace

double timeline_span_ms(const std::vector<TraceRequest>& requests) {
  if (requests.empty()) return 0;
  double origin = requests.front().arrival_ms, end = origin;
  for (const auto& r : requests) origin = std::min(origin, r.arrival_ms);
  for (const auto& r : requests) {
    end = std::max(end, r.arrival_ms);
    if (r.response_start_ms) end = std::max(end, *r.response_start_ms);
    if (r.finish_ms) end = std::max(end, *r.finish_ms);
  }
  return end - origin;
}

std::string draw_timeline(const std::vector<TraceRequest>& input, const TimelineOptions& options) {
  if (input.empty()) return {};
  std::vector<TraceRequest> requests = input;
  std::stable_sort(
      requests.begin(), requests.end(),
      [](const TraceRequest& a, const TraceRequest& b) { return a.arrival_ms < b.arrival_ms; });
  const double origin = requests.front().arrival_ms;
  const double end = origin + timeline_span_ms(requests);
  const double span = std::max(std::max(options.span_ms, end - origin), 1.0);
  const int width = std::max(options.width, 10);
  auto column = [&](double ms) {
    return std::clamp(static_cast<int>(std::floor((ms - origin) / span * (width - 1))), 0, width - 1);
  };

  std::string out;
  bool any_aborted = false, any_bad = false, any_open = false;
  std::size_t shown = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    const char mark = end_mark(r);
    any_aborted |= mark == 'x';
    any_bad |= mark == '!';
    any_open |= mark == '>';
    // Only the first rows and the last one are drawn for long traces.
    if (requests.size() > options.max_rows && i + 1 >= options.max_rows && i + 1 != requests.size()) {
      if (i + 1 == options.max_rows) {
        out += std::string(static_cast<std::size_t>(options.label_width), ' ') + " ... " +
               std::to_string(requests.size() - options.max_rows) + " more requests ...\n";
      }
      continue;
    }
    ++shown;
    const int from = column(r.arrival_ms);
    const double finish = r.finish_ms ? *r.finish_ms : end;
    const int to = std::max(from, column(finish));
    std::string bar(static_cast<std::size_t>(width), ' ');
    for (int c = from; c < to; ++c) bar[static_cast<std::size_t>(c)] = '=';
    bar[static_cast<std::size_t>(to)] = mark;
    while (!bar.empty() && bar.back() == ' ') bar.pop_back();
    // Numbered within this test, in arrival order: the server's ids run on across tests.
    const std::string label = "#" + std::to_string(i + 1) + " " + r.target;
    std::string duration = r.finish_ms ? format_ms(*r.finish_ms - r.arrival_ms) : "unfinished";
    if (mark == 'x') duration += " aborted";
    out += fit(label, static_cast<std::size_t>(options.label_width)) + " " + bar +
           std::string(static_cast<std::size_t>(width) - bar.size(), ' ') + "  " + duration + "\n";
  }
  // Axis: 0 at the first arrival, the total span at the right.
  const std::string left = "0";
  const std::string right = format_ms(span);
  std::string axis(static_cast<std::size_t>(width), '-');
  axis[0] = '+';
  axis[static_cast<std::size_t>(width - 1)] = '+';
  out += std::string(static_cast<std::size_t>(options.label_width), ' ') + " " + axis + "\n";
  std::string scale = left;
  scale.resize(static_cast<std::size_t>(std::max<int>(width - static_cast<int>(right.size()), 1)), ' ');
  scale += right;
  out += std::string(static_cast<std::size_t>(options.label_width), ' ') + " " + scale + "\n";
  std::string legend = "= in flight (arrival to finish)  | completed";
  if (any_aborted) legend += "  x aborted by the client";
  if (any_bad) legend += "  ! refused (4xx) or failed (500)";
  if (any_open) legend += "  > still open";
  out += std::string(static_cast<std::size_t>(options.label_width), ' ') + " " + legend + "\n";
  (void)shown;
  return out;
}

}  // namespace asynclings::grader
