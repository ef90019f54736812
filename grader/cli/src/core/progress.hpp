// The student's progress, kept in a small JSON file in the build folder: each exercise's
// last verdict, when its files were last checked, and how many hints were read.
#pragma once

#include "core/manifest.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace asynclings::grader {

struct ExerciseProgress {
  std::string verdict;          // the last check's verdict (to_string(Verdict)); empty: never
  std::int64_t checked_files_stamp = 0;  // hash of its edited files' content at that check
  int hints_read = 0;
};

class Progress {
 public:
  // Reads <file> (absent or unreadable: empty progress).
  explicit Progress(std::filesystem::path file);
  static std::filesystem::path default_file(const std::filesystem::path& build_dir);

  ExerciseProgress& at(const Chapter& chapter, const Exercise& exercise);
  const ExerciseProgress* find(const Chapter& chapter, const Exercise& exercise) const;
  // Writes atomically (temp file + rename); false on failure.
  bool save() const;

 private:
  std::filesystem::path file_;
  std::map<std::string, ExerciseProgress> entries_;  // "ch01-generators/ex1"
};

// A hash of the content of an exercise's edited files (a save that changes nothing keeps it).
std::int64_t edited_files_stamp(const Chapter& chapter, const Exercise& exercise);

// What `grader list` shows for an exercise.
enum class ListState { passed, failing, not_started, edited, unchecked };
ListState list_state(const ExerciseProgress* progress, std::int64_t files_stamp);
const char* to_string(ListState state);

}  // namespace asynclings::grader
