#include "hints.hpp"

#include <fmt/format.h>

namespace asynclings::grader {

std::string next_hints(const Chapter& chapter, const Exercise& exercise, ExerciseProgress& progress, bool all) {
  const int total = static_cast<int>(exercise.hints.size());
  const std::string head = fmt::format("{} {} {}", chapter.dir_name, exercise.id, exercise.name);
  if (total == 0) return head + ": this exercise has no hints; the lesson (README.md of the chapter) is the place to look.\n";
  std::string out;
  if (all) {
    for (int i = 0; i < total; ++i) out += fmt::format("hint {} of {} ({}):\n  {}\n", i + 1, total, head, exercise.hints[static_cast<std::size_t>(i)]);
    progress.hints_read = total;
    return out;
  }
  if (progress.hints_read >= total) {
    out += fmt::format("hint {} of {} ({}), the last one:\n  {}\n", total, total, head, exercise.hints.back());
    out += "That was the last hint; `--all` shows them all again.\n";
    return out;
  }
  const int index = progress.hints_read;
  out += fmt::format("hint {} of {} ({}):\n  {}\n", index + 1, total, head, exercise.hints[static_cast<std::size_t>(index)]);
  progress.hints_read = index + 1;
  if (index + 1 < total) out += "Run the same command again for the next hint.\n";
  else out += "That was the last hint.\n";
  return out;
}

}  // namespace asynclings::grader
