// `grader watch [chN]`: the loop of a student's session. It checks the next exercise to do
// (the one `grader list` names), waits for a save of its files or a key, checks again, and
// moves on to the next exercise when it passes, until the chapter is done.
//
// One thread does everything, in turn: a check (build, run, render) is never cut short by a
// save; the saves made meanwhile wait in the kernel's inotify queue and bring one more
// check once the check is over.
#include "cli/commands.hpp"
#include "core/file_watcher.hpp"
#include "core/hints.hpp"
#include "core/memory_check.hpp"
#include "core/progress.hpp"
#include "core/reference_run.hpp"
#include "core/resolve.hpp"
#include "core/watch_keys.hpp"
#include "core/watch_progress.hpp"
#include "render/list_view.hpp"
#include "render/render.hpp"
#include "sandbox/process.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <system_error>

namespace asynclings::grader {

namespace {

// Re-checks the current exercise whenever the student saves one of its files.
struct WatchOptions {
  CommonOptions common;
  std::string chapter;  // empty: the chapter of the next exercise to do
  bool manual = false;  // re-check on Enter instead of on file-system notifications
  int debounce_ms = 300;
};

constexpr int kLongestDebounceMs = 60'000;

// Why a check runs; said above its verdict.
enum class CheckReason { first, saved, asked, changed_during_check, moved_on };

// What ends a wait.
struct WakeUp {
  enum What { saved, asked, quit, interrupted } what;
  std::set<std::string> files;  // with saved
};

// Whether to wipe the screen before each check but the first, so the newest verdict is the one
// in view: only on a terminal (a pipe or a log file keeps every cycle, with no escape codes).
bool screen_can_be_cleared() {
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) == 1 && term != nullptr && std::strcmp(term, "dumb") != 0;
}

void clear_screen() {
  if (screen_can_be_cleared()) std::fputs("\033[H\033[2J", stdout);
}

// The hint key as the legend shows it: which hint h brings next, "hint 2 of 3".
std::string hint_key(std::size_t read, std::size_t total) {
  if (total == 0) return "[h] hint";
  return fmt::format("[h] hint {} of {}", std::min(read + 1, total), total);
}

class Watch {
 public:
  Watch(const WatchOptions& options, Session& session, const Chapter& chapter)
      : options_(options),
        session_(session),
        chapter_(chapter),
        progress_(Progress::default_file(session.workbook.build_dir)),
        // The student's own tree keeps its progress; a submission graded --tests-from does not.
        track_(session.workbook.submission.empty()),
        style_(Style::for_stream(stdout)),
        build_display_(stderr, isatty(STDERR_FILENO) == 1 && !options.common.quiet, true) {
    text_.verbose = options.common.verbose;
  }

  int run(const Exercise& first);

 private:
  void watch_files();
  ExerciseReport check(CheckReason reason, const std::set<std::string>& saved);
  WakeUp wait();
  void show_keys();
  void show_hint();
  void show_list();
  void show_moved_on(const Exercise& next);
  void show_chapter_done();
  void reload_progress();
  void save_progress();
  std::string shown_path(const std::filesystem::path& file) const;
  std::string shown_files() const;
  int stopped_by_signal() const;

  const WatchOptions& options_;
  Session& session_;
  const Chapter& chapter_;
  const Exercise* exercise_ = nullptr;
  Progress progress_;
  bool track_;
  Style style_;
  TextOptions text_;
  BuildProgressDisplay build_display_;
  std::unique_ptr<FileWatcher> watcher_;
  KeyInput* keys_ = nullptr;
  bool told_input_ended_ = false;
};

int Watch::run(const Exercise& first) {
  exercise_ = &first;
  // Before anything slow: a machine without inotify should hear so at once.
  if (!options_.manual) watch_files();
  KeyInput keys;
  keys_ = &keys;
  configure(session_, options_.common);

  CheckReason reason = CheckReason::first;
  std::set<std::string> saved;
  for (;;) {
    const ExerciseReport report = check(reason, saved);
    if (interrupted()) return stopped_by_signal();
    if (report.verdict == Verdict::passed) {
      if (watcher_) watcher_->collect();
      if (watcher_ && watcher_->change_pending()) {
        // Saved while it was being checked: what passed may not be what is on disk now.
        std::printf("%s changed during the check; it is checked again once the saving is over.\n", shown_files().c_str());
      } else {
        const Exercise* next = next_exercise_to_do(chapter_, progress_);
        if (next == nullptr) {
          show_chapter_done();
          return 0;
        }
        if (next == exercise_) {
          reason = CheckReason::changed_during_check;  // edited since the check began (--manual)
          continue;
        }
        show_moved_on(*next);
        exercise_ = next;
        if (!options_.manual) watch_files();
        reason = CheckReason::moved_on;
        continue;
      }
    }
    show_keys();
    const WakeUp wake = wait();
    switch (wake.what) {
      case WakeUp::quit:
        std::printf("stopped watching.\n");
        return 0;
      case WakeUp::interrupted:
        return stopped_by_signal();
      case WakeUp::saved:
        reason = CheckReason::saved;
        saved = wake.files;
        break;
      case WakeUp::asked:
        reason = CheckReason::asked;
        break;
    }
  }
}

void Watch::watch_files() {
  watcher_.reset();  // one inotify instance at a time: the per-user limit is small
  watcher_ = std::make_unique<FileWatcher>(student_files(session_.workbook, chapter_, *exercise_),
                                           std::chrono::milliseconds(options_.debounce_ms));
}

ExerciseReport Watch::check(CheckReason reason, const std::set<std::string>& saved) {
  const std::string label = fmt::format("{} {} {}", chapter_.dir_name, exercise_->id, exercise_->name);
  switch (reason) {
    case CheckReason::first:
      std::printf("%s  %s\n  your file: %s\n\n", style_.bold("grader watch: " + label).c_str(), exercise_->title.c_str(),
                  shown_files().c_str());
      break;
    case CheckReason::saved:
    case CheckReason::asked:
      clear_screen();
      if (reason == CheckReason::saved) {
        std::string names;
        for (const auto& name : saved) names += (names.empty() ? "" : ", ") + name;
        std::printf("%s saved: checking %s again\n\n", names.c_str(), label.c_str());
      } else {
        std::printf("checking %s again\n\n", label.c_str());
      }
      break;
    case CheckReason::changed_during_check:
      clear_screen();
      std::printf("%s changed during the check: checking %s again\n\n", shown_files().c_str(), label.c_str());
      break;
    case CheckReason::moved_on:
      break;  // show_moved_on cleared the screen and said it
  }
  std::fflush(stdout);

  reload_progress();
  const auto stamp_before = edited_files_stamp(chapter_, *exercise_);
  const BuildObserver observer =
      options_.common.quiet ? BuildObserver{} : build_display_.observer();
  ExerciseReport report = grade_target(session_, chapter_, *exercise_,
                                       exercise_target(chapter_, *exercise_), "exercise", observer);
  if (wants_memory_check(session_, report))
    run_memory_check(session_, options_.common, chapter_, *exercise_, report, observer);
  // A failed test is drawn beside the reference solution's run of it (cached after the first).
  if (wants_reference_run(report, false))
    attach_reference_run(session_, chapter_, *exercise_, report, observer);
  build_display_.clear();
  auto& progress = progress_.at(chapter_, *exercise_);
  // Recorded in memory even for a submission: that is how the loop knows to move on.
  record_verdict(progress, report, stamp_before);
  report.hints_read = progress.hints_read;
  save_progress();
  std::fputs(render_exercise_text(report, style_, text_).c_str(), stdout);
  std::fputs("\n", stdout);
  std::fflush(stdout);
  return report;
}

WakeUp Watch::wait() {
  for (;;) {
    if (interrupted()) return {WakeUp::interrupted, {}};
    if (keys_->resumed_after_stop()) show_keys();
    while (const auto command = keys_->next()) {
      switch (*command) {
        case WatchCommand::check_now: return {WakeUp::asked, {}};
        case WatchCommand::quit: return {WakeUp::quit, {}};
        case WatchCommand::hint: show_hint(); break;
        case WatchCommand::list: show_list(); break;
        case WatchCommand::help: show_keys(); break;
      }
    }
    if (watcher_) {
      watcher_->collect();
      if (auto change = watcher_->take_settled()) return {WakeUp::saved, std::move(change->files)};
    }
    if (keys_->ended()) {
      if (!watcher_) {
        std::printf("input ended, and --manual checks only when asked.\n");
        return {WakeUp::quit, {}};
      }
      if (!told_input_ended_) {
        std::printf("(input ended: keys are off; saves are still checked; Ctrl-C stops)\n");
        std::fflush(stdout);
        told_input_ended_ = true;
      }
    }

    pollfd inputs[2];
    nfds_t count = 0;
    const bool reading_keys = keys_->fd() >= 0;
    if (reading_keys) inputs[count++] = {keys_->fd(), POLLIN, 0};
    if (watcher_) inputs[count++] = {watcher_->fd(), POLLIN, 0};
    int timeout_ms = -1;
    if (watcher_)
      if (const auto timeout = watcher_->poll_timeout()) timeout_ms = static_cast<int>(timeout->count());
    if (::poll(inputs, count, timeout_ms) < 0) {
      if (errno == EINTR) continue;  // a signal: interrupted() or a continue after Ctrl-Z
      throw std::system_error(errno, std::generic_category(), "waiting for keys and saves");
    }
    if (reading_keys && inputs[0].revents != 0) keys_->read_available();
  }
}

void Watch::show_keys() {
  std::string legend;
  if (options_.manual) legend = fmt::format("edit {}, then press Enter or r to check it", shown_files());
  else legend = fmt::format("watching {}: save it to check again", shown_files());
  reload_progress();  // `grader hint` in another terminal counts too
  const auto read =
      static_cast<std::size_t>(std::max(0, progress_.at(chapter_, *exercise_).hints_read));
  legend += "   " + hint_key(read, exercise_->hints.size()) + "  [l] list  [r] check now  [q] quit";
  if (!keys_->terminal()) legend += " (one per line)";
  std::printf("%s\n", style_.dim(legend).c_str());
  std::fflush(stdout);
}

void Watch::show_hint() {
  reload_progress();
  const std::string text = next_hints(chapter_, *exercise_, progress_.at(chapter_, *exercise_), false,
                                      "Press h again for the next hint.");
  std::printf("\n%s\n", text.c_str());
  save_progress();
  show_keys();
}

void Watch::show_list() {
  std::printf("\n");
  std::fflush(stdout);
  const Session session = open_session(options_.common);
  const Progress progress(Progress::default_file(session.workbook.build_dir));
  std::fputs(render_list_text(session, progress, style_).c_str(), stdout);
  std::printf("\n");
  show_keys();
}

void Watch::show_moved_on(const Exercise& next) {
  clear_screen();
  std::printf("%s Next: %s %s %s  %s\n  open %s\n\n", style_.green(exercise_->id + " passes.").c_str(),
              chapter_.dir_name.c_str(), next.id.c_str(), next.name.c_str(), next.title.c_str(),
              shown_path(student_files(session_.workbook, chapter_, next).front()).c_str());
  std::fflush(stdout);
}

void Watch::show_chapter_done() {
  std::printf("%s\n", style_.green(fmt::format("{} passes: every exercise of {} passes.", exercise_->id, chapter_.dir_name)).c_str());
  if (const Chapter* next = next_chapter_to_do(session_.chapters, progress_)) {
    std::printf("Next chapter: %s  %s\n  read %s, then run  %s\n", next->dir_name.c_str(), next->title.c_str(),
                shown_path(next->dir / "README.md").c_str(), style_.bold("grader watch " + short_name(*next)).c_str());
  } else {
    std::printf("%s\n", style_.green("Every exercise of the workbook passes. Well done.").c_str());
  }
  std::fflush(stdout);
}

void Watch::reload_progress() {
  // Another terminal may have run `grader check` or `grader hint` meanwhile.
  if (track_) progress_ = Progress(Progress::default_file(session_.workbook.build_dir));
}

void Watch::save_progress() {
  if (track_ && !progress_.save())
    std::fprintf(stderr, "(could not save progress in %s)\n", session_.workbook.build_dir.c_str());
}

std::string Watch::shown_path(const std::filesystem::path& file) const {
  const auto& base = session_.workbook.submission.empty() ? session_.workbook.root : session_.workbook.submission;
  const auto relative = file.lexically_relative(base);
  if (relative.empty() || *relative.begin() == "..") return file.string();
  return relative.string();
}

std::string Watch::shown_files() const {
  std::string out;
  for (const auto& file : student_files(session_.workbook, chapter_, *exercise_))
    out += (out.empty() ? "" : ", ") + shown_path(file);
  return out;
}

int Watch::stopped_by_signal() const {
  std::fprintf(stderr, "\ngrader watch: interrupted; everything it started was stopped\n");
  return 128 + interrupt_signal();
}

int run_watch(const WatchOptions& options) {
  if (options.debounce_ms < 0 || options.debounce_ms > kLongestDebounceMs) {
    std::fprintf(stderr, "grader watch: --debounce-ms takes 0 to %d (milliseconds), not %d\n", kLongestDebounceMs,
                 options.debounce_ms);
    return 2;
  }
  Session session = open_session(options.common);
  if (session.chapters.empty()) {
    std::fprintf(stderr, "grader watch: the workbook at %s has no chapters yet\n", session.workbook.root.c_str());
    return 2;
  }
  const Progress progress(Progress::default_file(session.workbook.build_dir));
  const Chapter* chapter =
      options.chapter.empty() ? next_chapter_to_do(session.chapters, progress) : &resolve_chapter(session.chapters, options.chapter);
  if (chapter == nullptr) {
    std::printf("Every exercise of the workbook passes: nothing to watch. `grader check --all` grades them again.\n");
    return 0;
  }
  if (chapter->exercises.empty()) {
    std::fprintf(stderr, "grader watch: %s has no exercises yet\n", chapter->dir_name.c_str());
    return 2;
  }
  const Exercise* first = next_exercise_to_do(*chapter, progress);
  if (first == nullptr) {
    std::printf("Every exercise of %s passes already: nothing to watch. `grader check %s` grades them again.\n",
                chapter->dir_name.c_str(), short_name(*chapter).c_str());
    return 0;
  }
  Watch watch(options, session, *chapter);
  try {
    return watch.run(*first);
  } catch (const FileWatchError& e) {
    std::fprintf(stderr,
                 "grader watch: cannot be told when your files are saved: %s.\n"
                 "  grader watch --manual  checks again each time you press Enter instead.\n",
                 e.what());
    return 2;
  }
}

}  // namespace

Verb add_watch(CLI::App& app) {
  auto watch = std::make_shared<WatchOptions>();
  auto* command = app.add_subcommand("watch", "Re-check the current exercise each time you save it; move on when it passes");
  add_common_options(command, watch->common);
  add_tests_from_option(command, watch->common);
  command->add_option("chapter", watch->chapter, "Stay in this chapter (default: where the next exercise is)");
  command->add_flag("--manual", watch->manual, "Re-check when you press Enter (for folders where save notifications do not arrive)");
  command->add_option("--debounce-ms", watch->debounce_ms, "Quiet time after a save before re-checking");
  return {command, [watch] { return run_watch(*watch); }};
}

}  // namespace asynclings::grader
