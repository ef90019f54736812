#include "core/manifest.hpp"

#include "core/integrity.hpp"

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

// Rejects keys the format does not know, naming the nearest valid one: a misspelt optional
// key would otherwise be silently ignored.
void check_keys(const json& object, const std::vector<std::string>& known, const std::string& where,
                const std::string& origin) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    const std::string nearest = nearest_name(key, known);
    fail(origin, where + " has an unknown key \"" + key + "\"" +
                     (nearest.empty() ? "" : " (did you mean \"" + nearest + "\"?)"));
  }
}

bool optional_bool(const json& object, const char* key, const std::string& where, const std::string& origin) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return false;
  if (!it->is_boolean()) fail(origin, where + "." + key + " must be true or false");
  return it->get<bool>();
}

// "sequential-awaits" of ex1 -> "ex1_sequential_awaits"
std::string fixture_stem(const std::string& exercise_id, const std::string& name) {
  std::string stem = exercise_id + "_" + name;
  std::replace(stem.begin(), stem.end(), '-', '_');
  return stem;
}

// A mistake or alternative entry, with the fields its name and the exercise imply filled in
// (an explicit value still wins).
Mistake fixture_entry(const json& mj, const Exercise& ex, const std::string& folder, bool is_mistake,
                      bool by_hand, const std::string& where, const std::string& origin) {
  if (!mj.is_object()) fail(origin, where + " must be an object");
  std::vector<std::string> known = {"name", "replaces", "fixture", "rewrite"};
  if (is_mistake) known.push_back("diagnosis");
  if (by_hand) known.push_back("why");
  check_keys(mj, known, where, origin);
  Mistake m;
  m.name = required_string(mj, "name", where, origin);
  for (char c : m.name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
      fail(origin, where + ".name \"" + m.name + "\" may hold only letters, digits, '-' and '_'");
  const bool rewrite = optional_bool(mj, "rewrite", where, origin);
  m.replaces = optional_string(mj, "replaces", where, origin);
  if (m.replaces.empty()) {
    if (ex.edit.size() != 1 && rewrite)
      fail(origin, where + " needs \"replaces\": the exercise edits several files");
    if (!ex.edit.empty()) m.replaces = ex.edit.front();
  } else if (std::find(ex.edit.begin(), ex.edit.end(), m.replaces) == ex.edit.end()) {
    fail(origin, where + ".replaces \"" + m.replaces + "\" is not one of the exercise's edited files");
  }
  m.fixture = optional_string(mj, "fixture", where, origin);
  if (m.fixture.empty()) {
    const std::string extension = rewrite ? std::filesystem::path(m.replaces).extension().string() : ".patch";
    m.fixture = folder + "/" + fixture_stem(ex.id, m.name) + extension;
  }
  m.patch = std::filesystem::path(m.fixture).extension() == ".patch";
  if (rewrite && m.patch) fail(origin, where + " is a rewrite, so its fixture is a whole file, not a .patch");
  if (is_mistake) {
    m.diagnosis = optional_string(mj, "diagnosis", where, origin);
    if (m.diagnosis.empty()) m.diagnosis = m.name;
  }
  if (by_hand) m.why = optional_string(mj, "why", where, origin);
  return m;
}

std::vector<Mistake> fixture_list(const json& e, const char* key, const Exercise& ex, const std::string& folder,
                                  bool is_mistake, bool by_hand, const std::string& named, const std::string& origin) {
  std::vector<Mistake> out;
  auto m = e.find(key);
  if (m == e.end() || m->is_null()) return out;
  if (!m->is_array()) fail(origin, named + "." + key + " must be an array");
  for (std::size_t k = 0; k < m->size(); ++k) {
    Mistake entry = fixture_entry((*m)[k], ex, folder, is_mistake, by_hand,
                                  named + "." + key + "[" + std::to_string(k) + "]", origin);
    for (const auto& other : out)
      if (other.name == entry.name) fail(origin, named + "." + key + " names \"" + entry.name + "\" twice");
    out.push_back(std::move(entry));
  }
  return out;
}

std::vector<ContractClause> contract_list(const json& e, const std::string& named, const std::string& origin) {
  std::vector<ContractClause> out;
  auto c = e.find("contract");
  if (c == e.end() || c->is_null()) return out;
  if (!c->is_array()) fail(origin, named + ".contract must be an array of {\"clause\": …, \"tests\": […]}");
  for (std::size_t k = 0; k < c->size(); ++k) {
    const std::string where = named + ".contract[" + std::to_string(k) + "]";
    const json& item = (*c)[k];
    if (!item.is_object()) fail(origin, where + " must be an object {\"clause\": …, \"tests\": […]}");
    check_keys(item, {"clause", "tests"}, where, origin);
    ContractClause clause;
    clause.clause = required_string(item, "clause", where, origin);
    clause.tests = string_list(item, "tests", false, where, origin);
    for (const auto& test : clause.tests)
      if (test.find('.') == std::string::npos)
        fail(origin, where + ".tests: \"" + test + "\" does not name a test as Suite.TestName");
    out.push_back(std::move(clause));
  }
  return out;
}

}  // namespace

std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diagonal = up;
      }
    }
    return row[b.size()];
  };
  std::string best;
  std::size_t best_distance = std::string::npos;
  for (const auto& candidate : candidates) {
    const std::size_t d = distance(word, candidate);
    if (d < best_distance) best_distance = d, best = candidate;
  }
  // A third of the word's length, at least 2 edits: "expected_shap" yes, "colour" no.
  return best_distance <= std::max<std::size_t>(2, word.size() / 3) ? best : std::string();
}

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
  check_keys(root, {"format_version", "title", "summary", "exercises"}, "the manifest", origin);
  if (auto v = root.find("format_version"); v != root.end()) {
    if (!v->is_number_integer() || v->get<int>() < 1)
      fail(origin, "\"format_version\" must be a whole number from 1");
    if (v->get<int>() > kManifestFormatVersion)
      fail(origin, "\"format_version\" is " + std::to_string(v->get<int>()) + ", but this grader reads up to " +
                       std::to_string(kManifestFormatVersion) + ": update the workbook's grader");
  }

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
    check_keys(e,
               {"id", "name", "title", "edit", "test", "time_limit_seconds", "inherent_delay_ms", "memory_limit_mb",
                "exclusive_cpu", "allow", "hints", "mistakes", "mistakes_checked_by_hand", "alternatives", "contract",
                "expected_shape", "expected_shapes"},
               where, origin);
    Exercise ex;
    ex.id = required_string(e, "id", where, origin);
    const std::string named = "exercise " + ex.id;
    ex.name = required_string(e, "name", named, origin);
    ex.title = optional_string(e, "title", named, origin);
    ex.edit = string_list(e, "edit", true, named, origin);
    if (ex.edit.empty()) fail(origin, named + ".edit lists no file");
    // tests/<id>_<first edited file's stem after the id>_test.cpp, e.g. tests/ex1_gather_test.cpp
    ex.test = optional_string(e, "test", named, origin);
    if (ex.test.empty()) ex.test = "tests/" + std::filesystem::path(ex.edit.front()).stem().string() + "_test.cpp";
    ex.time_limit_seconds = optional_number(e, "time_limit_seconds", 60, named, origin);
    if (ex.time_limit_seconds == 0) fail(origin, named + ".time_limit_seconds must be positive");
    ex.inherent_delay_ms = optional_number(e, "inherent_delay_ms", 0, named, origin);
    ex.memory_limit_mb = optional_number(e, "memory_limit_mb", 4096, named, origin);
    if (ex.memory_limit_mb < 64) fail(origin, named + ".memory_limit_mb must be at least 64");
    // Hints are prose in a Markdown file; the manifest may only name another file.
    if (auto h = e.find("hints"); h != e.end() && h->is_array())
      fail(origin, named +
                       ".hints: hints are Markdown now, one \"## \" section per hint in hints/" +
                       std::filesystem::path(ex.edit.front()).stem().string() +
                       ".md (docs/chapter-format.md), not a list in the manifest");
    ex.hints_file = optional_string(e, "hints", named, origin);
    if (ex.hints_file.empty())
      ex.hints_file = "hints/" + std::filesystem::path(ex.edit.front()).stem().string() + ".md";
    if (std::filesystem::path(ex.hints_file).is_absolute() ||
        ex.hints_file.find("..") != std::string::npos)
      fail(origin,
           named + ".hints \"" + ex.hints_file + "\" must be a path inside the chapter folder");
    ex.expected_shapes = expected_shapes(e, named, origin);
    ex.exclusive_cpu = optional_bool(e, "exclusive_cpu", named, origin);
    ex.allow = string_list(e, "allow", false, named, origin);
    for (const auto& category : ex.allow) {
      const auto& known = integrity_categories();
      if (std::find(known.begin(), known.end(), category) != known.end()) continue;
      const std::string nearest = nearest_name(category, known);
      fail(origin, named + ".allow: \"" + category + "\" is not a category of the static check" +
                       (nearest.empty() ? "" : " (did you mean \"" + nearest + "\"?)"));
    }
    ex.mistakes = fixture_list(e, "mistakes", ex, "mistakes", true, false, named, origin);
    ex.mistakes_checked_by_hand = fixture_list(e, "mistakes_checked_by_hand", ex, "mistakes", true, true, named, origin);
    ex.alternatives = fixture_list(e, "alternatives", ex, "alternatives", false, false, named, origin);
    ex.contract = contract_list(e, named, origin);
    for (const auto& other : chapter.exercises) {
      if (other.id == ex.id) fail(origin, "two exercises have the id \"" + ex.id + "\"");
      if (other.name == ex.name) fail(origin, "two exercises have the name \"" + ex.name + "\"");
    }
    chapter.exercises.push_back(std::move(ex));
  }
  return chapter;
}

std::vector<Hint> parse_hints(const std::string& markdown, std::vector<std::string>& problems) {
  std::vector<Hint> hints;
  std::vector<std::string> body;
  auto close = [&] {
    if (hints.empty()) return body.clear();  // the preamble
    while (!body.empty() && body.back().find_first_not_of(" \t\r") == std::string::npos)
      body.pop_back();
    std::size_t first = 0;
    while (first < body.size() && body[first].find_first_not_of(" \t\r") == std::string::npos)
      ++first;
    std::string text;
    for (std::size_t i = first; i < body.size(); ++i) text += (i == first ? "" : "\n") + body[i];
    hints.back().text = text;
    if (text.empty())
      problems.push_back("hint " + std::to_string(hints.size()) + " (\"" + hints.back().title +
                         "\") has no text");
    body.clear();
  };
  std::istringstream in(markdown);
  std::string line;
  std::string fence;  // the open code fence ("```" or "~~~"), if any
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto indent = line.find_first_not_of(' ');
    const std::string trimmed = indent == std::string::npos ? std::string() : line.substr(indent);
    if (indent != std::string::npos && indent < 4 &&
        (trimmed.rfind("```", 0) == 0 || trimmed.rfind("~~~", 0) == 0)) {
      if (fence.empty())
        fence = trimmed.substr(0, 3);
      else if (trimmed.rfind(fence, 0) == 0)
        fence.clear();
    } else if (fence.empty() && (line.rfind("## ", 0) == 0 || line == "##")) {
      close();
      std::string title = line.substr(2);
      title.erase(0, title.find_first_not_of(" \t"));
      while (!title.empty() && (title.back() == ' ' || title.back() == '#')) title.pop_back();
      hints.push_back({title, {}});
      continue;
    }
    body.push_back(line);
  }
  close();
  if (hints.empty()) problems.push_back("has no hint: each hint is a section headed \"## \"");
  return hints;
}

Chapter load_chapter(const std::filesystem::path& chapter_dir) {
  const auto path = chapter_dir / "chapter.json";
  std::ifstream in(path);
  if (!in) throw ManifestError(path.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  Chapter chapter = parse_manifest(text.str(), chapter_dir.filename().string(), path.string());
  chapter.dir = chapter_dir;
  for (auto& e : chapter.exercises) {
    // A missing or broken hints file costs the student only the hints, so it is no load
    // error: `grader verify` reports it to the author.
    std::ifstream hints_in(chapter_dir / e.hints_file);
    if (!hints_in) {
      e.hints_problems.push_back("is missing");
      continue;
    }
    std::ostringstream markdown;
    markdown << hints_in.rdbuf();
    e.hints = parse_hints(markdown.str(), e.hints_problems);
  }
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
std::string alternative_target(const Chapter& chapter, const Exercise& exercise, const Alternative& alternative) {
  return chapter.dir_name + "-" + exercise.id + "-alternative-" + alternative.name;
}

}  // namespace asynclings::grader
