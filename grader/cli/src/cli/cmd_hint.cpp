#include "cli/commands.hpp"
#include "core/hints.hpp"
#include "core/progress.hpp"
#include "core/resolve.hpp"
#include "core/watch_progress.hpp"

#include <cstdio>

namespace asynclings::grader {

int run_hint(const HintOptions& options) {
  Session session = open_session(options.common);
  Progress progress(Progress::default_file(session.workbook.build_dir));
  const Chapter* chapter = nullptr;
  const Exercise* exercise = nullptr;
  // Without a chapter: the next exercise to do, as `grader list` names it.
  chapter = options.chapter.empty() ? next_chapter_to_do(session.chapters, progress)
                                    : &resolve_chapter(session.chapters, options.chapter);
  if (chapter == nullptr) {
    std::printf("Every exercise passes; no hint needed.\n");
    return 0;
  }
  if (!options.exercise.empty()) {
    exercise = &resolve_exercise(*chapter, options.exercise);
  } else {
    exercise = next_exercise_to_do(*chapter, progress);
    if (exercise == nullptr) exercise = &chapter->exercises.back();  // the chapter is done
  }
  auto& p = progress.at(*chapter, *exercise);
  std::fputs(next_hints(*chapter, *exercise, p, options.all).c_str(), stdout);
  if (!progress.save())
    std::fprintf(stderr, "(could not save hint progress in %s)\n", session.workbook.build_dir.c_str());
  return 0;
}

}  // namespace asynclings::grader
