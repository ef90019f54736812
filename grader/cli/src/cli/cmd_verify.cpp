#include "cli/commands.hpp"
#include "core/expectations.hpp"
#include "core/integrity.hpp"
#include "core/patch.hpp"
#include "core/resolve.hpp"
#include "render/style.hpp"
#include "sandbox/process.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <asynclings/diagnoses.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <set>

namespace asynclings::grader {
namespace {

struct VerifyOptions {
  CommonOptions common;
  std::string chapter;  // empty: every chapter
};

// A fixture's patch must still apply to today's solution; says why not, else "".
std::string patch_problem(const Session& session, const Chapter& c, const Mistake& m) {
  if (!m.patch) return {};
  const auto solution_dir = session.workbook.root / "solutions" / c.dir_name;
  try {
    apply_patch_file(solution_dir / m.fixture, solution_dir);
  } catch (const PatchError& e) {
    return e.what();
  }
  return {};
}

// The solution's files (and each alternative's) must pass the static check students get.
std::string integrity_problem(const Session& session, const Chapter& c, const Exercise& e, const Mistake* alternative) {
  const auto solution_dir = session.workbook.root / "solutions" / c.dir_name;
  const IntegrityRules rules = integrity_rules(session, c, e);
  std::map<std::string, std::string> files;
  try {
    if (alternative && alternative->patch) files = apply_patch_file(solution_dir / alternative->fixture, solution_dir);
    else if (alternative) files[alternative->replaces] = read_text_file(solution_dir / alternative->fixture);
    for (const auto& f : e.edit)
      if (!files.count(f)) files[f] = read_text_file(solution_dir / f);
  } catch (const PatchError& error) {
    return error.what();
  }
  for (const auto& [name, text] : files)
    for (const auto& finding : scan_source(name, text, rules)) return "static check: " + describe(finding);
  return {};
}

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
                 const ExerciseReport& r = ExerciseReport{}) {
    ++checks;
    const bool ok = problem.empty();
    failures += ok ? 0 : 1;
    std::string detail = ok ? (r.tests.empty() ? std::string() : fmt::format("{} tests, {:.0f} ms", r.tests.size(), r.elapsed_ms))
                            : problem;
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
  std::vector<std::string> summaries;
  std::map<std::string, int> expected_diagnoses;  // diagnosis -> mistakes that expect it
  for (const Chapter* c : chapters) {
    for (const auto& e : c->exercises) {
      if (interrupted()) break;
      const int failures_before = failures;
      auto sol = grade_target(session, *c, e, solution_target(*c, e), "solution", progress);
      clear();
      row(*c, e, "solution passes every test", expect_all_pass(sol), sol);
      row(*c, e, "solution passes the static check", integrity_problem(session, *c, e, nullptr));
      auto stub = grade_target(session, *c, e, exercise_target(*c, e), "exercise", progress);
      clear();
      row(*c, e, "stub fails every test", expect_every_test_fails(stub), stub);

      // The contract: every clause names at least one test, and each named test exists.
      std::set<std::string> existing;
      for (const auto& t : sol.tests) existing.insert(t.full_name());
      int clauses_tested = 0;
      for (std::size_t k = 0; k < e.contract.size(); ++k) {
        const auto& clause = e.contract[k];
        std::string problem = clause.tests.empty() ? "no test checks it" : "";
        for (const auto& t : clause.tests)
          if (!existing.count(t) && problem.empty()) problem = "names " + t + ", which the tests do not have";
        clauses_tested += problem.empty() ? 1 : 0;
        if (!problem.empty()) row(*c, e, fmt::format("contract clause {}: {}", k + 1, clause.clause.substr(0, 30)), problem);
      }
      if (e.contract.empty()) row(*c, e, "contract lists its clauses", "the manifest has no \"contract\" for this exercise");

      // The hints: a Markdown file with at least one "## " section, none of them empty.
      std::string hints_problem;
      for (const auto& problem : e.hints_problems)
        hints_problem += (hints_problem.empty() ? "" : "; ") + problem;
      row(*c, e, fmt::format("hints ({} in {})", e.hints.size(), e.hints_file),
          hints_problem.empty() ? "" : e.hints_file + ": " + hints_problem);

      int mistakes_ok = 0;
      for (const auto& m : e.mistakes) {
        if (interrupted()) break;
        ++expected_diagnoses[m.diagnosis];
        if (const auto problem = patch_problem(session, *c, m); !problem.empty()) {
          row(*c, e, "mistake " + m.name + " applies", problem);
          continue;
        }
        auto r = grade_target(session, *c, e, mistake_target(*c, e, m), "mistake-" + m.name, progress);
        clear();
        const auto problem = expect_diagnosis(r, m.diagnosis);
        mistakes_ok += problem.empty() ? 1 : 0;
        row(*c, e, "mistake " + m.name + " -> " + m.diagnosis, problem, r);
      }
      int alternatives_ok = 0;
      for (const auto& a : e.alternatives) {
        if (interrupted()) break;
        if (const auto problem = patch_problem(session, *c, a); !problem.empty()) {
          row(*c, e, "alternative " + a.name + " applies", problem);
          continue;
        }
        auto r = grade_target(session, *c, e, alternative_target(*c, e, a), "alternative-" + a.name, progress);
        clear();
        auto problem = expect_all_pass(r);
        if (problem.empty()) problem = integrity_problem(session, *c, e, &a);
        alternatives_ok += problem.empty() ? 1 : 0;
        row(*c, e, "alternative " + a.name + " passes", problem, r);
      }
      summaries.push_back(fmt::format("{:<18} {:<4} contract {}/{} clauses tested · mistakes {}/{} rejected with their "
                                      "diagnosis · alternatives {}/{} pass{}",
                                      c->dir_name, e.id, clauses_tested, e.contract.size(), mistakes_ok,
                                      e.mistakes.size(), alternatives_ok, e.alternatives.size(),
                                      failures == failures_before ? "" : "  (see FAIL rows)"));
    }
  }
  std::printf("\n");
  for (const auto& line : summaries) std::printf("%s\n", line.c_str());
  // What the shared diagnoses mean (asynclings/diagnoses.hpp, docs/diagnoses.md).
  int own = 0;
  std::string shared;
  for (const auto& [name, count] : expected_diagnoses) {
    const auto* d = asynclings::diagnoses::find(name);
    if (d == nullptr)
      own += count;
    else
      shared += fmt::format("  {:<28} {} mistake{}: {}\n", name, count, count == 1 ? "" : "s",
                            d->explanation);
  }
  if (!shared.empty() || own > 0)
    std::printf(
        "\ndiagnoses of the catalogue these mistakes expect (%d more expect one of their "
        "exercise's own):\n%s",
        own, shared.c_str());
  if (interrupted()) {
    std::fprintf(stderr, "grader: interrupted\n");
    return 128 + interrupt_signal();
  }
  std::printf("%s\n", failures == 0 ? style.green(fmt::format("verified: all {} checks hold", checks)).c_str()
                                    : style.red(fmt::format("{} of {} checks do not hold", failures, checks)).c_str());
  return failures == 0 ? 0 : 1;
}

}  // namespace

Verb add_verify(CLI::App& app) {
  auto verify = std::make_shared<VerifyOptions>();
  auto* command = app.add_subcommand("verify", "Instructor: solutions pass, stubs fail, mistakes get their diagnosis");
  add_common_options(command, verify->common);
  command->add_option("chapter", verify->chapter, "Only this chapter");
  return {command, [verify] { return run_verify(*verify); }};
}

}  // namespace asynclings::grader
