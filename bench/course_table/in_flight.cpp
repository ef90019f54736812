#include "in_flight.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>
#include <vector>

namespace course_table {

std::size_t peak_in_flight(const nlohmann::json& requests) {
  if (!requests.is_array()) throw std::invalid_argument("the trace's \"requests\" is not an array");
  // (time, +1 arrival | -1 finish); sorting puts a finish before an arrival at the same time.
  std::vector<std::pair<double, int>> events;
  for (const auto& record : requests) {
    if (!record.contains("arrival_ms") || !record["arrival_ms"].is_number()) {
      throw std::invalid_argument("a trace record has no arrival_ms: " + record.dump());
    }
    events.emplace_back(record["arrival_ms"].get<double>(), +1);
    if (record.contains("finish_ms") && record["finish_ms"].is_number()) {
      events.emplace_back(record["finish_ms"].get<double>(), -1);
    }
  }
  std::sort(events.begin(), events.end());
  long held = 0;
  long peak = 0;
  for (const auto& [time, change] : events) {
    held += change;
    peak = std::max(peak, held);
  }
  return static_cast<std::size_t>(peak);
}

}  // namespace course_table
