#include "cli/commands.hpp"
#include "core/hints.hpp"
#include "core/progress.hpp"
#include "core/resolve.hpp"
#include "core/watch_progress.hpp"

#include <cstdio>
#include <memory>

namespace asynclings::grader {

namespace {

struct HintOptions {
  CommonOptions common;
  std::string chapter;
  std::string exercise;
  bool all = false;
};

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

}  // namespace

Verb add_hint(CLI::App& app) {
  auto hint = std::make_shared<HintOptions>();
  auto* command = app.add_subcommand("hint", "The next hint for an exercise");
  add_common_options(command, hint->common);
  command->add_option("chapter", hint->chapter, "ch1, 1, ch01 or ch01-generators (default: the next exercise to do)");
  command->add_option("exercise", hint->exercise, "ex2, 2 or the exercise's name");
  command->add_flag("--all", hint->all, "Every hint of the exercise");
  return {command, [hint] { return run_hint(*hint); }};
}

}  // namespace asynclings::grader
