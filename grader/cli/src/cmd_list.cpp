#include "commands.hpp"
#include "progress.hpp"
#include "style.hpp"
#include "watch_progress.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace asynclings::grader {

namespace {
std::string short_name(const Chapter& c) { return "ch" + std::to_string(c.number); }
}  // namespace

int run_list(const ListOptions& options) {
  Session session = open_session(options.common);
  const Style style = Style::for_stream(stdout);
  Progress progress(Progress::default_file(session.workbook.build_dir));
  if (session.chapters.empty()) {
    std::printf("The workbook at %s has no chapters yet.\n", session.workbook.root.c_str());
    return 0;
  }
  int total = 0, passed = 0;
  const Chapter* next_chapter = next_chapter_to_do(session.chapters, progress);
  const Exercise* next_exercise = next_chapter ? next_exercise_to_do(*next_chapter, progress) : nullptr;
  for (const auto& c : session.chapters) {
    std::printf("%s  %s\n", style.bold(c.dir_name).c_str(), c.title.c_str());
    if (!c.summary.empty()) std::printf("    %s\n", style.dim(c.summary).c_str());
    for (const auto& e : c.exercises) {
      ++total;
      const ListState state = list_state(progress.find(c, e), edited_files_mtime(c, e));
      std::string mark;
      switch (state) {
        case ListState::passed: mark = style.green("[done]"); ++passed; break;
        case ListState::failing: mark = style.red("[fail]"); break;
        case ListState::not_started: mark = style.yellow("[todo]"); break;
        case ListState::edited: mark = style.cyan("[edit]"); break;
        case ListState::unchecked: mark = style.dim("[    ]"); break;
      }
      std::printf("  %s %-4s %-16s %s\n", mark.c_str(), e.id.c_str(), e.name.c_str(), e.title.c_str());
    }
    std::printf("\n");
  }
  std::printf("%s\n", style.dim("[done] passed  [fail] failing  [todo] not started  [edit] edited since last check  [    ] not checked yet").c_str());
  const int width = 30;
  const int filled = total == 0 ? 0 : passed * width / total;
  std::printf("progress [%s%s] %d/%d exercises passed\n", style.green(std::string(static_cast<std::size_t>(filled), '#')).c_str(),
              std::string(static_cast<std::size_t>(width - filled), '.').c_str(), passed, total);
  if (next_exercise != nullptr) {
    std::printf("next: %s %s %s, edit %s, then run  %s\n", next_chapter->dir_name.c_str(), next_exercise->id.c_str(),
                next_exercise->title.c_str(), (next_chapter->dir / next_exercise->edit.front()).lexically_relative(session.workbook.root).c_str(),
                style.bold(fmt::format("grader check {} {}", short_name(*next_chapter), next_exercise->id)).c_str());
  } else {
    std::printf("%s\n", style.green("every exercise passes. Well done.").c_str());
  }
  return 0;
}

}  // namespace asynclings::grader
