#include "core/progress.hpp"

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace asynclings::grader {

namespace {
std::string key(const Chapter& chapter, const Exercise& exercise) { return chapter.dir_name + "/" + exercise.id; }
}  // namespace

Progress::Progress(std::filesystem::path file) : file_(std::move(file)) {
  std::ifstream in(file_);
  if (!in) return;
  try {
    const auto j = nlohmann::json::parse(in);
    for (const auto& [k, v] : j.at("exercises").items()) {
      ExerciseProgress p;
      p.verdict = v.value("verdict", "");
      p.checked_files_stamp = v.value("checked_files_stamp", std::int64_t{0});
      p.hints_read = v.value("hints_read", 0);
      entries_[k] = p;
    }
  } catch (const nlohmann::json::exception&) {
    entries_.clear();  // a damaged state file is not worth stopping for
  }
}

std::filesystem::path Progress::default_file(const std::filesystem::path& build_dir) {
  return build_dir / "grader-state.json";
}

ExerciseProgress& Progress::at(const Chapter& chapter, const Exercise& exercise) {
  return entries_[key(chapter, exercise)];
}

const ExerciseProgress* Progress::find(const Chapter& chapter, const Exercise& exercise) const {
  auto it = entries_.find(key(chapter, exercise));
  return it == entries_.end() ? nullptr : &it->second;
}

bool Progress::save() const {
  nlohmann::json exercises = nlohmann::json::object();
  for (const auto& [k, p] : entries_)
    exercises[k] = {{"verdict", p.verdict}, {"checked_files_stamp", p.checked_files_stamp}, {"hints_read", p.hints_read}};
  std::error_code ec;
  std::filesystem::create_directories(file_.parent_path(), ec);
  const auto temp = file_.string() + ".tmp";
  {
    std::ofstream out(temp);
    if (!out) return false;
    out << nlohmann::json{{"version", 1}, {"exercises", exercises}}.dump(2) << "\n";
    if (!out) return false;
  }
  std::filesystem::rename(temp, file_, ec);
  return !ec;
}

std::int64_t edited_files_stamp(const Chapter& chapter, const Exercise& exercise) {
  // A hash of the edited files' content (FNV-1a, 63 bits): a file saved unchanged, or edited
  // and restored to what passed, keeps its state; only a real change makes it "edited".
  std::uint64_t hash = 1469598103934665603ull;
  for (const auto& file : exercise.edit) {
    std::ifstream in(chapter.dir / file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    for (const unsigned char c : file + '\0' + text.str() + '\0') {
      hash ^= c;
      hash *= 1099511628211ull;
    }
  }
  return static_cast<std::int64_t>(hash >> 1);
}

ListState list_state(const ExerciseProgress* p, std::int64_t files_stamp) {
  if (p == nullptr || p->verdict.empty()) return ListState::unchecked;
  if (files_stamp != p->checked_files_stamp) return ListState::edited;
  if (p->verdict == "passed") return ListState::passed;
  if (p->verdict == "not_started") return ListState::not_started;
  return ListState::failing;
}

const char* to_string(ListState state) {
  switch (state) {
    case ListState::passed: return "passed";
    case ListState::failing: return "failing";
    case ListState::not_started: return "not started";
    case ListState::edited: return "edited since last check";
    case ListState::unchecked: return "not checked yet";
  }
  return "";
}

}  // namespace asynclings::grader
