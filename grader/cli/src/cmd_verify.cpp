#include "commands.hpp"
#include "expectations.hpp"
#include "process.hpp"
#include "resolve.hpp"
#include "style.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace asynclings::grader {

int run_verify(const VerifyOptions& options) {
  Session session = open_session(options.common);
  std::vector<const Chapter*> chapters;
  if (!options.chapter.empty()) chapters.push_back(&resolve_chapter(session.chapters, options.chapter));
  else
    for (const auto& c : session.chapters) chapters.push_back(&c);
  if (chapters.empty()) {
    std::fprintf(stderr, "grader verify: the workbook has no chapters\n");
    return 2;
  }
  configure(session, options.common);
  const Style style = Style::for_stream(stdout);
  const bool tty = isatty(STDERR_FILENO) == 1;
  int failures = 0, checks = 0;

  auto row = [&](const Chapter& c, const Exercise& e, const std::string& what, const std::string& problem,
                 const ExerciseReport& r) {
    ++checks;
    const bool ok = problem.empty();
    failures += ok ? 0 : 1;
    std::string detail = ok ? fmt::format("{} tests, {:.0f} ms", r.tests.size(), r.elapsed_ms) : problem;
    std::printf("%-18s %-4s %-46s %s  %s\n", c.dir_name.c_str(), e.id.c_str(), what.c_str(),
                ok ? style.green("ok  ").c_str() : style.red("FAIL").c_str(), detail.c_str());
    if (!ok && options.common.verbose && !r.output.empty()) std::printf("%s\n", r.output.c_str());
    if (!ok && !r.build_log_file.empty()) std::printf("%58s full build log: %s\n", "", r.build_log_file.c_str());
    std::fflush(stdout);
  };
  BuildProgressDisplay display(stderr, tty, false, "building and running");
  const BuildObserver progress = display.observer();
  auto clear = [&] { display.clear(); };

  std::printf("%-18s %-4s %-46s %s\n", "chapter", "ex", "check", "result");
  for (const Chapter* c : chapters) {
    for (const auto& e : c->exercises) {
      if (interrupted()) break;
      auto sol = grade_target(session, *c, e, solution_target(*c, e), "solution", progress);
      clear();
      row(*c, e, "solution passes every test", expect_all_pass(sol), sol);
      auto stub = grade_target(session, *c, e, exercise_target(*c, e), "exercise", progress);
      clear();
      row(*c, e, "stub fails every test", expect_every_test_fails(stub), stub);
      for (const auto& m : e.mistakes) {
        if (interrupted()) break;
        auto r = grade_target(session, *c, e, mistake_target(*c, e, m), "mistake-" + m.name, progress);
        clear();
        row(*c, e, "mistake " + m.name + " -> " + m.diagnosis, expect_diagnosis(r, m.diagnosis), r);
      }
    }
  }
  if (interrupted()) {
    std::fprintf(stderr, "grader: interrupted\n");
    return 128 + interrupt_signal();
  }
  std::printf("%s\n", failures == 0 ? style.green(fmt::format("verified: all {} checks hold", checks)).c_str()
                                    : style.red(fmt::format("{} of {} checks do not hold", failures, checks)).c_str());
  return failures == 0 ? 0 : 1;
}

}  // namespace asynclings::grader
