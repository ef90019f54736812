// The build step's progress: ninja's "[n/m] description" status lines read out of the
// build's output as it arrives, and drawn as a one-line bar on a terminal.
#pragma once

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace asynclings::grader {

struct BuildStep {
  int done = 0;      // n of "[n/m]": edges finished (ninja prints it as each one starts)
  int total = 0;     // m: edges this build runs (may grow while ninja re-checks globs)
  std::string what;  // "compiling ex1_generator_test.cpp", "linking ch01-generators-ex1-exercise"
  int elapsed_s = -1;  // seconds since the build started, shown when known (a step can take a minute)

  bool operator==(const BuildStep&) const = default;
};

// One line of ninja output ("[12/51] Building CXX object CMakeFiles/x.dir/a/b.cpp.o") read
// as a step; nullopt for every other line (compiler messages, "ninja: no work to do.").
std::optional<BuildStep> parse_ninja_status(std::string_view line);

// "Building CXX object CMakeFiles/t.dir/src/a.cpp.o" -> "compiling a.cpp";
// "Linking CXX executable chapters/t" -> "linking t"; other descriptions kept as they are.
std::string describe_ninja_edge(std::string_view description);

// Feeds a build's output in whatever chunks the pipe delivers (lines may be split between
// chunks; '\r' ends a line too) and remembers the latest step.
class NinjaProgress {
 public:
  // True when the chunk held at least one new status line.
  bool feed(std::string_view chunk);
  const BuildStep& step() const { return step_; }
  bool started() const { return seen_; }

 private:
  std::string partial_;
  BuildStep step_;
  bool seen_ = false;
};

// "building ch01-generators-ex1-exercise [########............] 12/51 compiling a.cpp",
// at most <columns> characters (the description is cut first).
std::string render_build_bar(const std::string& target, const BuildStep& step, int columns = 100,
                             int bar_width = 20);

// What a build tells whoever shows its progress.
struct BuildObserver {
  std::function<void(const std::string& target)> started;
  std::function<void(const std::string& target, const BuildStep& step)> step;
};

// Shows builds on <out>: on a terminal a bar redrawn in place, its clock every second (clear()
// wipes it before the verdicts are printed); otherwise, when <plain_lines>, a plain "building
// <target>" line per build and a progress line every 10 s of a long one.
class BuildProgressDisplay {
 public:
  BuildProgressDisplay(std::FILE* out, bool tty, bool plain_lines, std::string verb = "building");
  BuildObserver observer();
  void clear();

 private:
  std::FILE* out_;
  bool tty_;
  bool plain_;
  std::string verb_;
  bool drawn_ = false;
  int columns_;
  int last_plain_s_ = 0;  // when the last plain progress line was printed (seconds into the build)
};

// The terminal's width for <out> (TIOCGWINSZ, then $COLUMNS, then 100).
int terminal_columns(std::FILE* out);

}  // namespace asynclings::grader
