#include "commands.hpp"
#include "hints.hpp"
#include "progress.hpp"
#include "resolve.hpp"

#include <cstdio>

namespace asynclings::grader {

int run_hint(const HintOptions& options) {
  Session session = open_session(options.common);
  Progress progress(Progress::default_file(session.workbook.build_dir));
  const Chapter* chapter = nullptr;
  const Exercise* exercise = nullptr;
  if (options.chapter.empty()) {
    // The next exercise to do.
    for (const auto& c : session.chapters) {
      for (const auto& e : c.exercises) {
        const auto* p = progress.find(c, e);
        if (p == nullptr || p->verdict != "passed") {
          chapter = &c;
          exercise = &e;
          break;
        }
      }
      if (exercise) break;
    }
    if (!exercise) {
      std::printf("Every exercise passes; no hint needed.\n");
      return 0;
    }
  } else {
    chapter = &resolve_chapter(session.chapters, options.chapter);
    if (options.exercise.empty()) {
      for (const auto& e : chapter->exercises) {
        const auto* p = progress.find(*chapter, e);
        if (p == nullptr || p->verdict != "passed") {
          exercise = &e;
          break;
        }
      }
      if (!exercise) exercise = &chapter->exercises.back();
    } else {
      exercise = &resolve_exercise(*chapter, options.exercise);
    }
  }
  auto& p = progress.at(*chapter, *exercise);
  std::fputs(next_hints(*chapter, *exercise, p, options.all).c_str(), stdout);
  if (!progress.save())
    std::fprintf(stderr, "(could not save hint progress in %s)\n", session.workbook.build_dir.c_str());
  return 0;
}

}  // namespace asynclings::grader
