#include "render/list_view.hpp"

#include "core/resolve.hpp"
#include "core/watch_progress.hpp"

#include <fmt/format.h>

namespace asynclings::grader {

std::string render_list_text(const Session& session, const Progress& progress, const Style& style) {
  if (session.chapters.empty())
    return fmt::format("The workbook at {} has no chapters yet.\n", session.workbook.root.string());
  std::string out;
  int total = 0, passed = 0;
  const Chapter* next_chapter = next_chapter_to_do(session.chapters, progress);
  const Exercise* next_exercise =
      next_chapter ? next_exercise_to_do(*next_chapter, progress) : nullptr;
  for (const auto& c : session.chapters) {
    out += fmt::format("{}  {}\n", style.bold(c.dir_name), c.title);
    if (!c.summary.empty()) out += fmt::format("    {}\n", style.dim(c.summary));
    for (const auto& e : c.exercises) {
      ++total;
      const ListState state = list_state(progress.find(c, e), edited_files_stamp(c, e));
      std::string mark;
      switch (state) {
        case ListState::passed:
          mark = style.green("[done]");
          ++passed;
          break;
        case ListState::failing:
          mark = style.red("[fail]");
          break;
        case ListState::not_started:
          mark = style.yellow("[todo]");
          break;
        case ListState::edited:
          mark = style.cyan("[edit]");
          break;
        case ListState::unchecked:
          mark = style.dim("[    ]");
          break;
      }
      out += fmt::format("  {} {:<4} {:<16} {}\n", mark, e.id, e.name, e.title);
    }
    out += "\n";
  }
  out += style.dim(
             "[done] passed  [fail] failing  [todo] not started  [edit] edited since last check  [ "
             "   ] not checked yet") +
         "\n";
  const int width = 30;
  const int filled = total == 0 ? 0 : passed * width / total;
  out += fmt::format("progress [{}{}] {}/{} exercises passed\n",
                     style.green(std::string(static_cast<std::size_t>(filled), '#')),
                     std::string(static_cast<std::size_t>(width - filled), '.'), passed, total);
  if (next_exercise != nullptr) {
    out += fmt::format("next: {} {} {}, edit {}, then run  {}\n", next_chapter->dir_name,
                       next_exercise->id, next_exercise->title,
                       (next_chapter->dir / next_exercise->edit.front())
                           .lexically_relative(session.workbook.root)
                           .string(),
                       style.bold(fmt::format("grader check {} {}", short_name(*next_chapter),
                                              next_exercise->id)));
  } else {
    out += style.green("every exercise passes. Well done.") + "\n";
  }
  return out;
}

}  // namespace asynclings::grader
