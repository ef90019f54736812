#include "core/hints.hpp"

#include <fmt/format.h>

#include <sstream>

namespace asynclings::grader {
namespace {

// A hint as the terminal shows it: its heading on the "hint N of M" line, its Markdown
// indented by two spaces beneath; fence lines are dropped and the code they hold indented
// two more.
std::string shown(const Hint& hint, int number, int total, const std::string& head,
                  const char* last) {
  std::string out = fmt::format("hint {} of {} ({}){}:{}\n", number, total, head, last,
                                hint.title.empty() ? "" : " " + hint.title);
  std::istringstream in(hint.text);
  std::string line;
  bool code = false;
  while (std::getline(in, line)) {
    const auto indent = line.find_first_not_of(' ');
    if (indent != std::string::npos && indent < 4 &&
        (line.compare(indent, 3, "```") == 0 || line.compare(indent, 3, "~~~") == 0)) {
      code = !code;
      continue;
    }
    out += line.empty() ? "\n" : (code ? "    " : "  ") + line + "\n";
  }
  return out;
}

}  // namespace

std::string next_hints(const Chapter& chapter, const Exercise& exercise, ExerciseProgress& progress,
                       bool all, std::string_view again) {
  const int total = static_cast<int>(exercise.hints.size());
  const std::string head = fmt::format("{} {} {}", chapter.dir_name, exercise.id, exercise.name);
  if (total == 0)
    return head +
           ": this exercise has no hints; the lesson (README.md of the chapter) is the place to "
           "look.\n";
  auto hint = [&](int index) -> const Hint& {
    return exercise.hints[static_cast<std::size_t>(index)];
  };
  std::string out;
  if (all) {
    for (int i = 0; i < total; ++i)
      out += (i == 0 ? "" : "\n") + shown(hint(i), i + 1, total, head, "");
    progress.hints_read = total;
    return out;
  }
  if (progress.hints_read >= total) {
    out += shown(hint(total - 1), total, total, head, ", the last one");
    out += "That was the last hint; `--all` shows them all again.\n";
    return out;
  }
  const int index = progress.hints_read;
  out += shown(hint(index), index + 1, total, head, "");
  progress.hints_read = index + 1;
  if (index + 1 < total)
    out += std::string(again) + "\n";
  else
    out += "That was the last hint.\n";
  return out;
}

}  // namespace asynclings::grader
