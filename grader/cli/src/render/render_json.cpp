#include "render/render.hpp"
#include "render/svg_timeline.hpp"

#include <nlohmann/json.hpp>

namespace asynclings::grader {

namespace {
using json = nlohmann::json;

json trace_summary(const std::vector<TraceRequest>& trace) {
  if (trace.empty()) return nullptr;
  double first = trace.front().arrival_ms, last = first;
  int aborted = 0, completed = 0;
  json requests = json::array();
  for (const auto& r : trace) {
    first = std::min(first, r.arrival_ms);
    if (r.finish_ms) last = std::max(last, *r.finish_ms);
    aborted += r.outcome == "client_aborted";
    completed += r.outcome == "completed";
    requests.push_back({{"id", r.id}, {"target", r.target}, {"arrival_ms", r.arrival_ms},
                        {"response_start_ms", r.response_start_ms ? json(*r.response_start_ms) : json(nullptr)},
                        {"finish_ms", r.finish_ms ? json(*r.finish_ms) : json(nullptr)},
                        {"status", r.status}, {"outcome", r.outcome}});
  }
  return {{"count", trace.size()}, {"completed", completed}, {"aborted", aborted},
          {"span_ms", last - first}, {"requests", requests}};
}
// The bars of a test's expected picture: the reference solution's run of the test when the
// grader has one, else the test's own requests placed by its expected shape; null for neither.
json expected_timeline(const TestResult& t, const ExerciseReport& e) {
  const auto reference = e.reference_traces.find(t.full_name());
  const bool from_reference = reference != e.reference_traces.end() && !reference->second.empty();
  const auto shape = e.expected_shapes.for_test(t.full_name());
  if (!from_reference && (!shape || t.trace.empty())) return nullptr;
  json bars = json::array();
  for (const auto& b :
       from_reference ? actual_bars(reference->second) : expected_bars(t.trace, *shape))
    bars.push_back({{"target", b.target},
                    {"start_ms", b.start_ms},
                    {"end_ms", b.end_ms},
                    {"outcome", b.outcome}});
  return {{"source", from_reference ? "reference" : "durations"}, {"bars", bars}};
}

}  // namespace

std::string render_json(const Report& report) {
  json exercises = json::array();
  for (const auto& e : report.exercises) {
    json tests = json::array();
    for (const auto& t : e.tests) {
      json figures = json::object();
      for (const auto& f : t.figures) figures[f.name] = {{"value", f.value}, {"unit", f.unit}, {"expected", f.expected}};
      tests.push_back({{"name", t.full_name()},
                       {"status", t.not_started ? "not_started" : to_string(t.status)},
                       {"time_ms", t.time_ms},
                       {"failures", t.failures},
                       {"diagnosis", t.diagnosis.empty() ? json(nullptr) : json(t.diagnosis)},
                       {"diagnosis_detail",
                        t.diagnosis_detail.empty() ? json(nullptr) : json(t.diagnosis_detail)},
                       {"figures", figures},
                       {"trace", trace_summary(t.trace)},
                       {"expected_timeline", expected_timeline(t, e)}});
    }
    json compile_error = nullptr;
    if (e.compile_error) {
      const auto& c = *e.compile_error;
      compile_error = {{"file", c.file}, {"line", c.line}, {"column", c.column}, {"message", c.message},
                       {"reading", c.reading}, {"log_file", e.build_log_file}};
    }
    json memory_error = nullptr;
    if (const auto& m = e.memory_error; !m.reading.empty() || !m.excerpt.empty() || !m.rerun_note.empty()) {
      auto text_or_null = [](const std::string& t) { return t.empty() ? json(nullptr) : json(t); };
      memory_error = {{"reading", text_or_null(m.reading)},
                      {"freed_at", text_or_null(m.freed_at)},
                      {"dead_variable", text_or_null(m.dead_variable)},
                      {"report", text_or_null(m.excerpt)},
                      {"rerun", text_or_null(m.rerun_note)}};
    }
    exercises.push_back(
        {{"chapter", e.chapter},
         {"id", e.id},
         {"name", e.name},
         {"title", e.title},
         {"variant", e.variant},
         {"status", to_string(e.verdict)},
         {"message", e.message},
         {"reference_note", e.reference_note.empty() ? json(nullptr) : json(e.reference_note)},
         {"elapsed_ms", e.elapsed_ms},
         {"build_ms", e.build_ms},
         {"time_limit_s", e.time_limit_s},
         {"tests_passed", e.passed_count()},
         {"tests_total", e.tests.size()},
         {"signal", e.signal.empty() ? json(nullptr) : json(e.signal)},
         {"running_test", e.running_test.empty() ? json(nullptr) : json(e.running_test)},
         {"crash_location", e.crash_location.empty() ? json(nullptr) : json(e.crash_location)},
         {"memory_error", memory_error},
         {"compile_error", compile_error},
         {"tests", tests}});
  }
  int passed = 0;
  for (const auto& e : report.exercises) passed += e.verdict == Verdict::passed;
  const json out{{"schema", "asynclings-grader/1"},
                 {"variant", report.variant},
                 {"exit_code", exit_code(report)},
                 {"passed", passed},
                 {"total", report.exercises.size()},
                 {"elapsed_ms", report.elapsed_ms},
                 {"exercises", exercises}};
  return out.dump(2) + "\n";
}

}  // namespace asynclings::grader
