#include "cli/commands.hpp"
#include "core/memory_check.hpp"
#include "core/progress.hpp"
#include "core/reference_run.hpp"
#include "core/resolve.hpp"
#include "core/watch_progress.hpp"
#include "render/render.hpp"
#include "sandbox/process.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>

namespace asynclings::grader {

namespace {

struct CheckOptions {
  CommonOptions common;
  std::string chapter;   // empty with all
  std::string exercise;  // empty: every exercise of the chapter
  bool all = false;
  bool solutions = false;
  std::string format = "text";  // text, json, junit, gradescope
  std::filesystem::path output;
};

int run_check(const CheckOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  if (options.chapter.empty() && !options.all) {
    std::fprintf(stderr, "grader check: name a chapter (grader check ch1) or use --all; `grader list` shows them\n");
    return 2;
  }
  Session session = open_session(options.common);
  std::vector<std::pair<const Chapter*, const Exercise*>> selected;
  if (options.all) {
    for (const auto& c : session.chapters)
      for (const auto& e : c.exercises) selected.emplace_back(&c, &e);
  } else {
    const Chapter& chapter = resolve_chapter(session.chapters, options.chapter);
    if (!options.exercise.empty()) selected.emplace_back(&chapter, &resolve_exercise(chapter, options.exercise));
    else
      for (const auto& e : chapter.exercises) selected.emplace_back(&chapter, &e);
  }
  if (selected.empty()) {
    std::fprintf(stderr, "grader check: the workbook has no exercises yet\n");
    return 2;
  }
  configure(session, options.common);

  const bool machine_to_stdout = options.format != "text" && options.output.empty();
  const bool show_text = !machine_to_stdout;
  const Style style = Style::for_stream(stdout);
  // Build progress on stderr: a bar redrawn in place on a terminal, plain lines otherwise
  // (and none when a machine format goes to stdout).
  const bool progress_tty = isatty(STDERR_FILENO) == 1 && !options.common.quiet;
  BuildProgressDisplay build_display(stderr, progress_tty, show_text);
  // Student progress is the student's own tree; a CI submission run leaves it alone.
  const bool track = !options.solutions && session.workbook.submission.empty();
  Progress progress(Progress::default_file(session.workbook.build_dir));

  Report report;
  report.variant = options.solutions ? "solution" : "exercise";
  TextOptions text;
  text.verbose = options.common.verbose;
  for (const auto& [chapter, exercise] : selected) {
    if (interrupted()) break;
    const std::string target = options.solutions ? solution_target(*chapter, *exercise) : exercise_target(*chapter, *exercise);
    const auto stamp = edited_files_stamp(*chapter, *exercise);
    const BuildObserver observer =
        options.common.quiet ? BuildObserver{} : build_display.observer();
    ExerciseReport r = grade_target(session, *chapter, *exercise, target, report.variant, observer);
    // A crash, or requests that never came, may be a memory error: the grader looks for one.
    if (wants_memory_check(session, r)) run_memory_check(session, options.common, *chapter, *exercise, r, observer);
    // A failed test's expected picture is the reference solution's run of it (every test's, in HTML).
    if (wants_reference_run(r, options.format == "html"))
      attach_reference_run(session, *chapter, *exercise, r, observer);
    build_display.clear();
    if (track) {
      auto& p = progress.at(*chapter, *exercise);
      record_verdict(p, r, stamp);
      r.hints_read = p.hints_read;
    }
    if (show_text) {
      std::fputs(render_exercise_text(r, style, text).c_str(), stdout);
      std::fputs("\n", stdout);
      std::fflush(stdout);
    }
    report.exercises.push_back(std::move(r));
  }
  if (track) progress.save();
  report.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

  if (show_text) std::fputs(render_summary_text(report, style).c_str(), stdout);
  if (options.format != "text") {
    std::string machine = options.format == "json"    ? render_json(report)
                        : options.format == "junit"   ? render_junit(report)
                        : options.format == "html"    ? render_html(report)
                                                      : render_gradescope(report);
    if (options.output.empty()) {
      std::fputs(machine.c_str(), stdout);
    } else {
      std::ofstream out(options.output);
      out << machine;
      if (!out) {
        std::fprintf(stderr, "grader: cannot write %s\n", options.output.c_str());
        return 2;
      }
      if (show_text) std::printf("%s results written to %s\n", options.format.c_str(), options.output.c_str());
    }
  }
  if (interrupted()) {
    std::fprintf(stderr, "grader: interrupted; everything it started was stopped\n");
    return 128 + interrupt_signal();
  }
  return exit_code(report);
}

}  // namespace

Verb add_check(CLI::App& app) {
  auto check = std::make_shared<CheckOptions>();
  auto* command = app.add_subcommand("check", "Build and grade a chapter or one exercise");
  add_common_options(command, check->common);
  command->add_option("chapter", check->chapter, "ch1, 1, ch01 or ch01-generators");
  command->add_option("exercise", check->exercise, "ex2, 2 or the exercise's name");
  command->add_flag("--all", check->all, "Every chapter");
  command->add_flag("--solutions", check->solutions, "Grade the reference solutions instead");
  command->add_option("--format", check->format, "text, json, junit, gradescope or html")
      ->check(CLI::IsMember({"text", "json", "junit", "gradescope", "html"}));
  command->add_option("--output", check->output, "Write the --format output to this file");
  add_tests_from_option(command, check->common);
  return {command, [check] { return run_check(*check); }};
}

}  // namespace asynclings::grader
