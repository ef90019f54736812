// A small JSON reader for the end-to-end scripts (no jq or python on a fresh Debian box):
//   json_check get FILE POINTER            prints the value at a JSON pointer (/exercises/1/status);
//                                          strings raw, anything else as JSON; exit 3 when absent
//   json_check exercise FILE ID FIELD      the field of the exercise with that id in grader JSON
//   json_check gradescope FILE             checks Gradescope's results.json fields; exit 1 on a problem
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

using json = nlohmann::json;

namespace {

int print(const json& value) {
  std::cout << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
  return 0;
}

int gradescope(const json& j) {
  int problems = 0;
  auto problem = [&](const std::string& what) {
    std::cerr << "gradescope: " << what << "\n";
    ++problems;
  };
  for (const char* field : {"score", "max_score"})
    if (!j.contains(field) || !j[field].is_number()) problem(std::string("top-level ") + field + " missing or not a number");
  if (!j.contains("tests") || !j["tests"].is_array() || j["tests"].empty()) {
    problem("tests[] missing or empty");
    return 1;
  }
  double sum = 0, max_sum = 0;
  for (const auto& t : j["tests"]) {
    const std::string name = t.value("name", std::string("?"));
    for (const char* field : {"name", "status", "output", "visibility"})
      if (!t.contains(field) || !t[field].is_string()) problem(name + ": " + field + " missing or not a string");
    for (const char* field : {"score", "max_score"})
      if (!t.contains(field) || !t[field].is_number()) problem(name + ": " + field + " missing or not a number");
    if (problems) continue;
    const auto status = t["status"].get<std::string>();
    if (status != "passed" && status != "failed") problem(name + ": status " + status + " is not passed/failed");
    const auto visibility = t["visibility"].get<std::string>();
    if (visibility != "visible" && visibility != "hidden" && visibility != "after_due_date" && visibility != "after_published")
      problem(name + ": visibility " + visibility + " is not one Gradescope knows");
    sum += t["score"].get<double>();
    max_sum += t["max_score"].get<double>();
    if ((status == "passed") != (t["score"].get<double>() == t["max_score"].get<double>()))
      problem(name + ": status " + status + " disagrees with its score");
  }
  if (!problems && sum != j["score"].get<double>()) problem("score is not the sum of the tests' scores");
  if (!problems && max_sum != j["max_score"].get<double>()) problem("max_score is not the sum of the tests' max_score");
  return problems == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: json_check get FILE POINTER | exercise FILE ID FIELD | gradescope FILE\n";
    return 2;
  }
  const std::string mode = argv[1];
  std::ifstream in(argv[2]);
  if (!in) {
    std::cerr << "json_check: cannot read " << argv[2] << "\n";
    return 2;
  }
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    std::cerr << "json_check: " << argv[2] << " is not JSON: " << e.what() << "\n";
    return 2;
  }
  if (mode == "get" && argc == 4) {
    const json::json_pointer pointer(argv[3]);
    if (!j.contains(pointer)) return 3;
    return print(j.at(pointer));
  }
  if (mode == "exercise" && argc == 5) {
    for (const auto& e : j.value("exercises", json::array()))
      if (e.value("id", "") == argv[3]) {
        if (!e.contains(argv[4])) return 3;
        return print(e[argv[4]]);
      }
    return 3;
  }
  if (mode == "gradescope") return gradescope(j);
  std::cerr << "json_check: unknown mode or arguments\n";
  return 2;
}
