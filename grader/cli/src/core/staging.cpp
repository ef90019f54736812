#include "core/staging.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <system_error>

namespace asynclings::grader {

namespace fs = std::filesystem;

namespace {

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

// A regular file itself, not a symbolic link to one.
bool is_plain_file(const fs::path& p) {
  std::error_code ec;
  return fs::symlink_status(p, ec).type() == fs::file_type::regular;
}

bool holds_a_chapter(const fs::path& folder, const std::vector<std::string>& chapters) {
  return std::any_of(chapters.begin(), chapters.end(),
                     [&](const std::string& c) { return is_dir(folder / c); });
}

bool ends_with(const fs::path& path, const fs::path& tail) {
  auto p = std::distance(path.begin(), path.end());
  auto t = std::distance(tail.begin(), tail.end());
  if (t > p) return false;
  auto it = path.begin();
  std::advance(it, p - t);
  return std::equal(it, path.end(), tail.begin(), tail.end());
}

std::string read_file(const fs::path& file, bool& ok) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  ok = static_cast<bool>(in);  // opened and read (an empty file too)
  return text.str();
}

}  // namespace

std::vector<EditedFile> edited_files(const std::vector<Chapter>& chapters) {
  std::vector<EditedFile> out;
  for (const auto& c : chapters)
    for (const auto& e : c.exercises)
      for (const auto& file : e.edit) out.push_back({c.dir_name, file});
  return out;
}

std::vector<fs::path> visible_subfolders(const fs::path& folder) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.front() == '.') continue;
    if (is_dir(it->path())) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

fs::path find_exercises_dir(const fs::path& folder, const std::vector<std::string>& chapters) {
  // A workbook copy or its exercises/ tree alone; the chapter folders themselves; or either
  // inside the one folder an unpacked archive makes.
  for (int depth = 0; depth < 2; ++depth) {
    const fs::path candidate = depth == 0 ? folder : [&] {
      const auto inner = visible_subfolders(folder);
      return inner.size() == 1 ? inner.front() : fs::path{};
    }();
    if (candidate.empty()) break;
    if (is_dir(candidate / "exercises")) return candidate / "exercises";
    if (holds_a_chapter(candidate, chapters)) return candidate;
  }
  return {};
}

SubmittedFiles::SubmittedFiles(fs::path folder, std::vector<EditedFile> files, fs::path skip)
    : folder_(std::move(folder)), skip_(std::move(skip)), all_(std::move(files)) {
  std::vector<std::string> chapters;
  for (const auto& f : all_)
    if (std::find(chapters.begin(), chapters.end(), f.chapter) == chapters.end())
      chapters.push_back(f.chapter);
  exercises_dir_ = find_exercises_dir(folder_, chapters);
}

const std::vector<fs::path>& SubmittedFiles::every_file() {
  if (listed_) return files_;
  listed_ = true;
  std::error_code ec;
  const fs::path skip = skip_.empty() ? fs::path{} : fs::weakly_canonical(skip_, ec);
  fs::recursive_directory_iterator it(folder_, fs::directory_options::skip_permission_denied, ec),
      end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      const bool excluded = name.empty() || name.front() == '.' || name == "solutions" ||
                            (!skip.empty() && fs::weakly_canonical(p, ec) == skip);
      if (excluded) it.disable_recursion_pending();
      continue;
    }
    if (is_plain_file(p)) files_.push_back(p);
  }
  std::sort(files_.begin(), files_.end());
  return files_;
}

fs::path SubmittedFiles::find(const EditedFile& file) {
  // 1. Where a workbook keeps it.
  if (!exercises_dir_.empty()) {
    const fs::path at = exercises_dir_ / file.chapter / file.file;
    if (is_plain_file(at)) return at;
  }
  // 2. At any depth under its chapter folder's name.
  const fs::path tail = fs::path(file.chapter) / file.file;
  for (const auto& p : every_file())
    if (ends_with(p.lexically_relative(folder_), tail)) return p;
  // 3. By its name alone, when that names one edited file and one file of the upload.
  const std::string name = fs::path(file.file).filename().string();
  const auto same_name = std::count_if(all_.begin(), all_.end(), [&](const EditedFile& f) {
    return fs::path(f.file).filename() == name;
  });
  if (same_name != 1) return {};
  fs::path found;
  for (const auto& p : every_file()) {
    if (p.filename() != name) continue;
    if (!found.empty()) return {};  // two of that name: which one is meant is anyone's guess
    found = p;
  }
  return found;
}

StagedSubmission stage_submission(const fs::path& folder, const std::vector<EditedFile>& files,
                                  const fs::path& trusted, const fs::path& staged) {
  StagedSubmission result;
  SubmittedFiles submitted(folder, files, staged);
  const fs::path exercises = staged / "exercises";
  std::error_code ec;
  for (const auto& file : files) {
    fs::path from = submitted.find(file);
    const bool handed_in = !from.empty();
    (handed_in ? result.handed_in : result.missing).push_back(file.path());
    if (!handed_in) from = trusted / "exercises" / file.chapter / file.file;  // the untouched stub
    const fs::path to = exercises / file.chapter / file.file;
    bool ok = false;
    const std::string text = read_file(from, ok);
    if (!ok && !handed_in) {
      fs::remove(to, ec);  // no stub either: the build says the file is missing
      continue;
    }
    if (!ok) {
      result.error = "cannot read " + from.string();
      return result;
    }
    bool staged_ok = false;
    if (fs::exists(to, ec) && read_file(to, staged_ok) == text && staged_ok) continue;  // unchanged
    fs::create_directories(to.parent_path(), ec);
    std::ofstream out(to, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      result.error = "cannot write " + to.string();
      return result;
    }
  }
  fs::create_directories(exercises,
                         ec);  // `grader check --root` needs it, also when it stays empty
  if (ec) result.error = "cannot make " + exercises.string() + ": " + ec.message();
  return result;
}

}  // namespace asynclings::grader
