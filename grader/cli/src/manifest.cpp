#include "manifest.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace asynclings::grader {
namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
  throw ManifestError(origin + ": " + what);
}

std::string required_string(const json& object, const char* key, const std::string& where,
                            const std::string& origin) {
  auto it = object.find(key);
  if (it == object.end()) fail(origin, where + " has no \"" + key + "\"");
  if (!it->is_string()) fail(origin, where + "." + key + " must be a string");
  if (it->get_ref<const std::string&>().empty()) fail(origin, where + "." + key + " is empty");
  return it->get<std::string>();
}

std::string optional_string(const json& object, const char* key, const std::string& where,
                            const std::string& origin) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_string()) fail(origin, where + "." + key + " must be a string");
  return it->get<std::string>();
}

double optional_number(const json& object, const char* key, double fallback,
                       const std::string& where, const std::string& origin) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_number()) fail(origin, where + "." + key + " must be a number");
  const double value = it->get<double>();
  if (value < 0) fail(origin, where + "." + key + " must not be negative");
  return value;
}

std::vector<std::string> string_list(const json& object, const char* key, bool required,
                                     const std::string& where, const std::string& origin) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) fail(origin, where + " has no \"" + key + "\"");
    return {};
  }
  if (!it->is_array()) fail(origin, where + "." + key + " must be an array of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string())
      fail(origin, where + "." + key + "[" + std::to_string(i) + "] must be a string");
    out.push_back((*it)[i].get<std::string>());
  }
  return out;
}

const char* const kShapeForms = "\"concurrent\", \"sequential\" or \"limit:N\" (N a whole number from 1)";

ExpectedShape required_shape(const json& value, const std::string& where, const std::string& origin) {
  if (!value.is_string()) fail(origin, where + " must be a string: " + kShapeForms);
  const auto shape = parse_expected_shape(value.get<std::string>());
  if (!shape) fail(origin, where + " is \"" + value.get<std::string>() + "\", not a shape: use " + kShapeForms);
  return *shape;
}

ExpectedShapes expected_shapes(const json& exercise, const std::string& where, const std::string& origin) {
  ExpectedShapes shapes;
  if (auto it = exercise.find("expected_shape"); it != exercise.end() && !it->is_null())
    shapes.every_test = required_shape(*it, where + ".expected_shape", origin);
  auto map = exercise.find("expected_shapes");
  if (map == exercise.end() || map->is_null()) return shapes;
  if (!map->is_object())
    fail(origin, where + ".expected_shapes must be an object: {\"Suite.TestName\": \"sequential\", …}");
  for (const auto& [test, value] : map->items()) {
    // GoogleTest's full names are Suite.Name; anything else could never match a test.
    const auto dot = test.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == test.size())
      fail(origin, where + ".expected_shapes: \"" + test + "\" does not name a test as Suite.TestName");
    shapes.per_test[test] = required_shape(value, where + ".expected_shapes[\"" + test + "\"]", origin);
  }
  return shapes;
}

}  // namespace

std::optional<ExpectedShape> parse_expected_shape(const std::string& text) {
  if (text == "concurrent") return ExpectedShape{ExpectedShape::Kind::concurrent, 0};
  if (text == "sequential") return ExpectedShape{ExpectedShape::Kind::sequential, 0};
  const std::string prefix = "limit:";
  if (text.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  const std::string digits = text.substr(prefix.size());
  // At most 6 digits, so stoi cannot overflow (no test makes a million requests).
  if (digits.empty() || digits.size() > 6 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return std::nullopt;
  const int lanes = std::stoi(digits);
  if (lanes < 1) return std::nullopt;
  return ExpectedShape{ExpectedShape::Kind::limit, lanes};
}

std::string to_string(const ExpectedShape& shape) {
  switch (shape.kind) {
    case ExpectedShape::Kind::concurrent: return "concurrent";
    case ExpectedShape::Kind::sequential: return "sequential";
    case ExpectedShape::Kind::limit: return "limit:" + std::to_string(shape.lanes);
  }
  return "concurrent";
}

std::optional<ExpectedShape> ExpectedShapes::for_test(const std::string& test_full_name) const {
  if (auto it = per_test.find(test_full_name); it != per_test.end()) return it->second;
  return every_test;
}

bool split_chapter_name(const std::string& dir_name, int& number, std::string& topic) {
  if (dir_name.size() < 3 || dir_name.compare(0, 2, "ch") != 0) return false;
  std::size_t i = 2;
  while (i < dir_name.size() && std::isdigit(static_cast<unsigned char>(dir_name[i]))) ++i;
  if (i == 2 || i - 2 > 4) return false;
  number = std::stoi(dir_name.substr(2, i - 2));
  if (i == dir_name.size()) {
    topic.clear();
    return true;
  }
  if (dir_name[i] != '-' || i + 1 == dir_name.size()) return false;
  topic = dir_name.substr(i + 1);
  return true;
}

Chapter parse_manifest(const std::string& text, const std::string& dir_name,
                       const std::string& origin) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte is 1-based; give a line number, which is what an editor shows.
    const std::size_t byte = e.byte == 0 ? 0 : e.byte - 1;
    const auto line = 1 + std::count(text.begin(), text.begin() + std::min(byte, text.size()), '\n');
    std::string what = e.what();
    if (auto pos = what.find("syntax error"); pos != std::string::npos) what = what.substr(pos);
    fail(origin, "line " + std::to_string(line) + ": not valid JSON: " + what);
  }
  if (!root.is_object()) fail(origin, "the manifest must be a JSON object");

  Chapter chapter;
  chapter.dir_name = dir_name;
  if (!split_chapter_name(dir_name, chapter.number, chapter.topic))
    fail(origin, "chapter folder \"" + dir_name + "\" is not named chNN-topic");
  chapter.title = required_string(root, "title", "the manifest", origin);
  chapter.summary = optional_string(root, "summary", "the manifest", origin);

  auto exercises = root.find("exercises");
  if (exercises == root.end()) fail(origin, "the manifest has no \"exercises\"");
  if (!exercises->is_array()) fail(origin, "\"exercises\" must be an array");
  if (exercises->empty()) fail(origin, "\"exercises\" is empty");

  for (std::size_t i = 0; i < exercises->size(); ++i) {
    const json& e = (*exercises)[i];
    const std::string where = "exercises[" + std::to_string(i) + "]";
    if (!e.is_object()) fail(origin, where + " must be an object");
    Exercise ex;
    ex.id = required_string(e, "id", where, origin);
    const std::string named = "exercise " + ex.id;
    ex.name = required_string(e, "name", named, origin);
    ex.title = optional_string(e, "title", named, origin);
    ex.edit = string_list(e, "edit", true, named, origin);
    if (ex.edit.empty()) fail(origin, named + ".edit lists no file");
    ex.test = required_string(e, "test", named, origin);
    ex.time_limit_seconds = optional_number(e, "time_limit_seconds", 60, named, origin);
    if (ex.time_limit_seconds == 0) fail(origin, named + ".time_limit_seconds must be positive");
    ex.inherent_delay_ms = optional_number(e, "inherent_delay_ms", 0, named, origin);
    ex.memory_limit_mb = optional_number(e, "memory_limit_mb", 4096, named, origin);
    if (ex.memory_limit_mb < 64) fail(origin, named + ".memory_limit_mb must be at least 64");
    ex.hints = string_list(e, "hints", false, named, origin);
    ex.expected_shapes = expected_shapes(e, named, origin);
    if (auto m = e.find("mistakes"); m != e.end()) {
      if (!m->is_array()) fail(origin, named + ".mistakes must be an array");
      for (std::size_t k = 0; k < m->size(); ++k) {
        const json& mj = (*m)[k];
        const std::string mwhere = named + ".mistakes[" + std::to_string(k) + "]";
        if (!mj.is_object()) fail(origin, mwhere + " must be an object");
        Mistake mistake;
        mistake.name = required_string(mj, "name", mwhere, origin);
        mistake.replaces = required_string(mj, "replaces", mwhere, origin);
        mistake.fixture = required_string(mj, "fixture", mwhere, origin);
        mistake.diagnosis = required_string(mj, "diagnosis", mwhere, origin);
        ex.mistakes.push_back(std::move(mistake));
      }
    }
    for (const auto& other : chapter.exercises) {
      if (other.id == ex.id) fail(origin, "two exercises have the id \"" + ex.id + "\"");
      if (other.name == ex.name) fail(origin, "two exercises have the name \"" + ex.name + "\"");
    }
    chapter.exercises.push_back(std::move(ex));
  }
  return chapter;
}

Chapter load_chapter(const std::filesystem::path& chapter_dir) {
  const auto path = chapter_dir / "chapter.json";
  std::ifstream in(path);
  if (!in) throw ManifestError(path.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  Chapter chapter = parse_manifest(text.str(), chapter_dir.filename().string(), path.string());
  chapter.dir = chapter_dir;
  return chapter;
}

std::vector<Chapter> load_chapters(const std::filesystem::path& root) {
  std::vector<Chapter> chapters;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root / "exercises", ec)) {
    const auto name = entry.path().filename().string();
    if (!entry.is_directory() || name.rfind("ch", 0) != 0) continue;
    if (!std::filesystem::exists(entry.path() / "chapter.json")) continue;
    chapters.push_back(load_chapter(entry.path()));
  }
  std::sort(chapters.begin(), chapters.end(), [](const Chapter& a, const Chapter& b) {
    return a.number != b.number ? a.number < b.number : a.dir_name < b.dir_name;
  });
  return chapters;
}

std::string exercise_target(const Chapter& chapter, const Exercise& exercise) {
  return chapter.dir_name + "-" + exercise.id + "-exercise";
}
std::string solution_target(const Chapter& chapter, const Exercise& exercise) {
  return chapter.dir_name + "-" + exercise.id + "-solution";
}
std::string mistake_target(const Chapter& chapter, const Exercise& exercise, const Mistake& mistake) {
  return chapter.dir_name + "-" + exercise.id + "-mistake-" + mistake.name;
}

}  // namespace asynclings::grader
