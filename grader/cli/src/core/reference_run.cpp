#include "core/reference_run.hpp"

#include "core/patch.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>

namespace asynclings::grader {
namespace {

using json = nlohmann::json;

// FNV-1a, 64 bits: the cache key of the texts a reference run depends on.
void mix(std::uint64_t& hash, std::string_view text) {
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  hash ^= 0xff;  // a separator, so "ab"+"c" and "a"+"bc" differ
  hash *= 1099511628211ull;
}

json to_json(const TraceRequest& r) {
  json j = {{"id", r.id},
            {"target", r.target},
            {"arrival_ms", r.arrival_ms},
            {"status", r.status},
            {"outcome", r.outcome}};
  if (r.response_start_ms) j["response_start_ms"] = *r.response_start_ms;
  if (r.finish_ms) j["finish_ms"] = *r.finish_ms;
  return j;
}

std::map<std::string, std::vector<TraceRequest>> read_cache(const std::filesystem::path& file,
                                                            const std::string& key) {
  std::map<std::string, std::vector<TraceRequest>> traces;
  std::ifstream in(file);
  if (!in) return traces;
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const json j = json::parse(text.str());
    if (!j.is_object() || j.value("key", "") != key || !j.contains("tests") ||
        !j["tests"].is_object())
      return traces;
    for (const auto& [name, requests] : j["tests"].items())
      traces[name] = parse_trace(requests.dump());
  } catch (const json::exception&) {
    traces.clear();  // a damaged cache is run again
  }
  return traces;
}

void write_cache(const std::filesystem::path& file, const std::string& key,
                 const std::map<std::string, std::vector<TraceRequest>>& traces) {
  json tests = json::object();
  for (const auto& [name, requests] : traces) {
    json list = json::array();
    for (const auto& r : requests) list.push_back(to_json(r));
    tests[name] = std::move(list);
  }
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  const auto temporary = file.string() + ".tmp";
  {
    std::ofstream out(temporary);
    out << json{{"key", key}, {"tests", tests}}.dump() << '\n';
    if (!out) return;  // no cache: the next run builds and runs the reference again
  }
  std::filesystem::rename(temporary, file, ec);
}

bool drawn_with_shape(const TestResult& t, const ExerciseReport& report) {
  return !t.trace.empty() && report.expected_shapes.for_test(t.full_name()).has_value();
}

}  // namespace

bool wants_reference_run(const ExerciseReport& report, bool every_test) {
  if (report.variant == "solution" || !graded(report.verdict)) return false;
  for (const auto& t : report.tests)
    if ((every_test || t.status == TestStatus::failed) && drawn_with_shape(t, report)) return true;
  return false;
}

void attach_reference_run(const Session& session, const Chapter& chapter, const Exercise& exercise,
                          ExerciseReport& report, const BuildObserver& build) {
  const auto& root = session.workbook.root;
  const auto solution_dir = root / "solutions" / chapter.dir_name;
  std::uint64_t hash = 14695981039346656037ull;
  try {
    mix(hash, read_text_file(root / "exercises" / chapter.dir_name / exercise.test));
    for (const auto& file : exercise.edit) {
      mix(hash, file);
      mix(hash, read_text_file(solution_dir / file));
    }
  } catch (const PatchError&) {
    report.reference_note = "this copy has no reference solution (solutions/" + chapter.dir_name +
                            "), so the expected shape is drawn from your own requests' durations";
    return;
  }
  // The testkit decides what a test records: its headers are part of the key too.
  std::vector<std::filesystem::path> testkit;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(root / "grader" / "testkit" / "include", ec))
    if (entry.is_regular_file()) testkit.push_back(entry.path());
  std::sort(testkit.begin(), testkit.end());
  for (const auto& path : testkit) {
    try {
      mix(hash, read_text_file(path));
    } catch (const PatchError&) {
    }
  }
  std::ostringstream key;
  key << std::hex << hash;
  const auto cache = session.workbook.build_dir / "grader-reference" /
                     (chapter.dir_name + "-" + exercise.id + ".json");
  auto traces = read_cache(cache, key.str());
  if (traces.empty()) {
    // Said as what it is for: the student did not ask for the solution.
    BuildObserver observer = build;
    if (build.started)
      observer.started = [&build](const std::string& target) {
        build.started(target + " (a correct solution, for the expected picture)");
      };
    const ExerciseReport reference = grade_target(
        session, chapter, exercise, solution_target(chapter, exercise), "solution", observer);
    for (const auto& t : reference.tests)
      if (t.status == TestStatus::passed) traces[t.full_name()] = t.trace;
    if (reference.verdict == Verdict::passed) {
      write_cache(cache, key.str(), traces);
    } else if (traces.empty()) {
      report.reference_note = std::string("the reference solution's run gave no picture (") +
                              verdict_label(reference.verdict) +
                              (reference.message.empty() ? "" : ": " + reference.message) +
                              "), so the expected shape is drawn from your own requests' durations";
      return;
    }
  }
  report.reference_traces = std::move(traces);
}

}  // namespace asynclings::grader
