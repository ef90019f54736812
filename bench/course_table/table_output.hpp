// The course's table beside the measured one, as text for people and as JSON for tests
// and scripts.
#pragma once

#include "python_runs.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace course_table {

struct Settings {
  int delay_ms = 1000;
  int latency_ms = 0;
  int jitter_ms = 0;
  std::vector<int> counts;  // the N of each pair of runs
  std::string python;       // the interpreter; empty when the Python rows were not asked for
};

// One client's pair of runs for one N.
struct MeasuredRow {
  int n = 0;
  std::string client;  // "cpp" or "python"
  double sync_s = 0;
  double async_s = 0;
  std::size_t sync_peak_in_flight = 0;   // from the server's trace: 1 when nothing overlapped
  std::size_t async_peak_in_flight = 0;  // N when every request was held at once
  double model_speedup = 0;              // what speedup_model.hpp expects for these settings
  double speedup() const { return async_s > 0 ? sync_s / async_s : 0; }
};

struct BenchReport {
  Settings settings;
  std::vector<MeasuredRow> rows;
  bool python_asked = true;
  PythonAvailability python;
};

std::string render_text(const BenchReport& report);
// {"settings": {delay_ms, latency_ms, jitter_ms, n, python},
//  "course": {"source", "rows": [{n, sync_s, async_s, speedup}…]},
//  "rows": [{n, client, sync_s, async_s, speedup, sync_peak_in_flight, async_peak_in_flight,
//            model_speedup}…],
//  "python": {asked, available, reason}}
nlohmann::json render_json(const BenchReport& report);

}  // namespace course_table
