#include "table_output.hpp"

#include "course_figures.hpp"

#include <fmt/format.h>

namespace course_table {

namespace {

std::string client_label(const std::string& client) {
  if (client == "cpp") return "C++ BlockingClient / AsyncClient";
  if (client == "python") return "Python requests / httpx";
  return client;
}

}  // namespace

std::string render_text(const BenchReport& report) {
  const Settings& s = report.settings;
  std::string out;
  out += fmt::format("The course's table ({}):\n", course_figures_source);
  out += fmt::format("  {:>3}  {:<34} {:>8} {:>8} {:>8}\n", "N", "client", "sync s", "async s", "speedup");
  for (const auto& row : course_figures) {
    out += fmt::format("  {:>3}  {:<34} {:>8.1f} {:>8.1f} {:>7.1f}x\n", row.n, "Python requests / httpx",
                       row.sync_s, row.async_s, row.speedup);
  }
  out += fmt::format("\nMeasured here (delay server on 127.0.0.1, /delay/{}ms, --latency {} --jitter {}):\n",
                     s.delay_ms, s.latency_ms, s.jitter_ms);
  out += fmt::format("  {:>3}  {:<34} {:>8} {:>8} {:>8} {:>7}  {}\n", "N", "client", "sync s", "async s",
                     "speedup", "model", "peak in flight sync/async");
  for (const auto& row : report.rows) {
    out += fmt::format("  {:>3}  {:<34} {:>8.2f} {:>8.2f} {:>7.1f}x {:>6.1f}x  {} / {}\n", row.n,
                       client_label(row.client), row.sync_s, row.async_s, row.speedup(), row.model_speedup,
                       row.sync_peak_in_flight, row.async_peak_in_flight);
  }
  out += "\n  model: sync = N (d + L + J/2), async = d + L + J N/(N+1), no client setup cost"
         "   (bench/README.md)\n";
  if (!report.python_asked) {
    out += "  Python rows: not asked for (--clients)\n";
  } else if (!report.python.available) {
    out += fmt::format("  Python rows: skipped, {}\n", report.python.reason);
  }
  return out;
}

nlohmann::json render_json(const BenchReport& report) {
  const Settings& s = report.settings;
  nlohmann::json course = nlohmann::json::array();
  for (const auto& row : course_figures) {
    course.push_back({{"n", row.n}, {"sync_s", row.sync_s}, {"async_s", row.async_s}, {"speedup", row.speedup}});
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : report.rows) {
    rows.push_back({{"n", row.n},
                    {"client", row.client},
                    {"sync_s", row.sync_s},
                    {"async_s", row.async_s},
                    {"speedup", row.speedup()},
                    {"sync_peak_in_flight", row.sync_peak_in_flight},
                    {"async_peak_in_flight", row.async_peak_in_flight},
                    {"model_speedup", row.model_speedup}});
  }
  return {{"settings",
           {{"delay_ms", s.delay_ms},
            {"latency_ms", s.latency_ms},
            {"jitter_ms", s.jitter_ms},
            {"n", s.counts},
            {"python", s.python}}},
          {"course", {{"source", course_figures_source}, {"rows", course}}},
          {"rows", rows},
          {"python",
           {{"asked", report.python_asked},
            {"available", report.python.available},
            {"reason", report.python.reason}}}};
}

}  // namespace course_table
