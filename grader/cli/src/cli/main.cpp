// grader: build, run, time, diagnose and report the workbook's exercises.
#include "cli/commands.hpp"
#include "core/manifest.hpp"
#include "sandbox/process.hpp"
#include "core/resolve.hpp"
#include "core/workbook.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

namespace {

void add_common(CLI::App* app, asynclings::grader::CommonOptions& common) {
  app->add_option("--root", common.root, "The workbook's folder (default: found from the current folder)");
  app->add_option("--build-dir", common.build_dir, "Its build folder (default: <root>/build)");
  app->add_option("--sanitize", common.sanitize, "Build and run under a sanitizer (own build folder <build>-NAME)")
      ->check(CLI::IsMember({"address", "thread", "undefined"}));
  app->add_flag("-v,--verbose", common.verbose, "Show whole compiler logs and test output");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace asynclings::grader;
  become_subreaper();
  install_interrupt_handlers();

  CLI::App app{"asynclings grader: builds your exercises, runs their tests safely and tells you what happened"};
  app.require_subcommand(1);
  app.fallthrough();

  CheckOptions check;
  auto* check_cmd = app.add_subcommand("check", "Build and grade a chapter or one exercise");
  add_common(check_cmd, check.common);
  check_cmd->add_option("chapter", check.chapter, "ch1, 1, ch01 or ch01-generators");
  check_cmd->add_option("exercise", check.exercise, "ex2, 2 or the exercise's name");
  check_cmd->add_flag("--all", check.all, "Every chapter");
  check_cmd->add_flag("--solutions", check.solutions, "Grade the reference solutions instead");
  check_cmd->add_option("--format", check.format, "text, json, junit, gradescope or html")
      ->check(CLI::IsMember({"text", "json", "junit", "gradescope", "html"}));
  check_cmd->add_option("--output", check.output, "Write the --format output to this file");
  check_cmd->add_option("--tests-from", check.common.tests_from,
                        "Grade with the tests and manifests of this trusted workbook copy; only the edited files come from --root");

  VerifyOptions verify;
  auto* verify_cmd = app.add_subcommand("verify", "Instructor: solutions pass, stubs fail, mistakes get their diagnosis");
  add_common(verify_cmd, verify.common);
  verify_cmd->add_option("chapter", verify.chapter, "Only this chapter");

  ListOptions list;
  auto* list_cmd = app.add_subcommand("list", "Chapters and exercises with your progress");
  add_common(list_cmd, list.common);
  list_cmd->add_option("--format", list.format, "text, or json (every manifest, for scripts)")
      ->check(CLI::IsMember({"text", "json"}));

  HintOptions hint;
  auto* hint_cmd = app.add_subcommand("hint", "The next hint for an exercise");
  add_common(hint_cmd, hint.common);
  hint_cmd->add_option("chapter", hint.chapter, "ch1, 1, ch01 or ch01-generators (default: the next exercise to do)");
  hint_cmd->add_option("exercise", hint.exercise, "ex2, 2 or the exercise's name");
  hint_cmd->add_flag("--all", hint.all, "Every hint of the exercise");

  ExpectDiagnosisOptions expect;
  auto* expect_cmd = app.add_subcommand("expect-diagnosis", "Instructor/CTest: a test binary must fail with this diagnosis");
  expect_cmd->group("");  // hidden
  expect_cmd->add_option("--binary", expect.binary, "Test executable")->required();
  expect_cmd->add_option("--diagnosis", expect.diagnosis, "Expected diagnosis")->required();
  expect_cmd->add_option("--time-limit", expect.time_limit_seconds, "Seconds");
  expect_cmd->add_option("--memory-limit-mb", expect.memory_limit_mb, "Address space the run may map");

  ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the delay server in the foreground with a live request log");
  serve_cmd->add_option("--host", serve.host, "Address to listen on");
  serve_cmd->add_option("-p,--port", serve.port, "Port (0: any free port)");
  serve_cmd->add_option("--latency", serve.latency_ms, "Simulated network round-trip per response, ms")
      ->check(CLI::NonNegativeNumber);
  serve_cmd->add_option("--jitter", serve.jitter_ms, "Random extra latency 0..N ms")->check(CLI::NonNegativeNumber);
  serve_cmd->add_flag("-q,--quiet", serve.quiet, "No per-request log");

  NewOptions scaffold;
  auto* new_cmd = app.add_subcommand("new", "Scaffold a chapter: exercises/chNN-topic and solutions/chNN-topic");
  add_common(new_cmd, scaffold.common);
  new_cmd->add_option("name", scaffold.name, "chNN-topic")->required();

  WatchOptions watch;
  auto* watch_cmd = app.add_subcommand("watch", "Re-check the current exercise each time you save it; move on when it passes");
  add_common(watch_cmd, watch.common);
  watch_cmd->add_option("--tests-from", watch.common.tests_from,
                        "Grade with the tests and manifests of this trusted workbook copy; only the edited files come from --root");
  watch_cmd->add_option("chapter", watch.chapter, "Stay in this chapter (default: where the next exercise is)");
  watch_cmd->add_flag("--manual", watch.manual, "Re-check when you press Enter (for folders where save notifications do not arrive)");
  watch_cmd->add_option("--debounce-ms", watch.debounce_ms, "Quiet time after a save before re-checking");

  DoctorOptions doctor;
  auto* doctor_cmd = app.add_subcommand("doctor", "Check this machine: compiler, Boost, packages, limits; say what to fix");
  add_common(doctor_cmd, doctor.common);
  doctor_cmd->add_option("--format", doctor.format, "text or json")->check(CLI::IsMember({"text", "json"}));

  GradeBatchOptions batch;
  auto* batch_cmd = app.add_subcommand("grade-batch", "Instructor: grade every submission folder in DIR into one gradebook");
  add_common(batch_cmd, batch.common);
  batch_cmd->add_option("--tests-from", batch.common.tests_from,
                        "The trusted workbook (tests, manifests, CMake files); default: --root");
  batch_cmd->add_option("submissions", batch.submissions, "Folder with one workbook copy per student")->required();
  batch_cmd->add_option("--chapter", batch.chapter, "Grade this chapter");
  batch_cmd->add_flag("--all", batch.all, "Grade every chapter");
  batch_cmd->add_option("-j,--jobs", batch.jobs, "Submissions graded at once")->check(CLI::PositiveNumber);
  batch_cmd->add_option("-o,--output", batch.output, "Gradebook file: .csv or .json")->required();
  batch_cmd->add_option("--work-dir", batch.work_dir, "Build folders and per-student reports (default: <output>.work)");
  batch_cmd->add_option("--time-limit", batch.time_limit_seconds, "Seconds one submission may take in all");

  MistakeOptions mistake;
  auto* mistake_cmd = app.add_subcommand("mistake", "Instructor: wrong-solution fixtures as patches (new, show, refresh)");
  add_common(mistake_cmd, mistake.common);
  mistake_cmd->require_subcommand(1);
  auto* mistake_new = mistake_cmd->add_subcommand("new", "Record a new fixture: edit a copy of the solution, keep the diff");
  mistake_new->add_option("chapter", mistake.chapter, "ch3, 3 or ch03-gather")->required();
  mistake_new->add_option("exercise", mistake.exercise, "ex1 or the exercise's name")->required();
  mistake_new->add_option("name", mistake.name, "the mistake's name, e.g. sequential-awaits")->required();
  mistake_new->add_option("--from", mistake.from, "Record this edited copy of the solution (else a copy is made to edit)");
  mistake_new->add_option("--diagnosis", mistake.diagnosis, "The diagnosis the tests must give it (default: the name)");
  mistake_new->add_flag("--alternative", mistake.alternative, "A correct solution written differently (must pass)");
  auto* mistake_show = mistake_cmd->add_subcommand("show", "The fixture applied to the solution, as a file");
  mistake_show->add_option("chapter", mistake.chapter, "ch3, 3 or ch03-gather")->required();
  mistake_show->add_option("exercise", mistake.exercise, "ex1 or the exercise's name")->required();
  mistake_show->add_option("name", mistake.name, "the fixture's name")->required();
  mistake_show->add_option("-o,--output", mistake.output, "Write it here instead of printing it");
  auto* mistake_refresh = mistake_cmd->add_subcommand("refresh", "Re-base the fixtures after a solution edit; report conflicts");
  mistake_refresh->add_option("chapter", mistake.chapter, "Only this chapter");
  mistake_refresh->add_option("exercise", mistake.exercise, "Only this exercise");
  mistake_refresh->add_option("--base", mistake.base, "The git revision the patches were recorded against (default HEAD)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  try {
    if (check_cmd->parsed()) return run_check(check);
    if (verify_cmd->parsed()) return run_verify(verify);
    if (list_cmd->parsed()) return run_list(list);
    if (hint_cmd->parsed()) return run_hint(hint);
    if (expect_cmd->parsed()) return run_expect_diagnosis(expect);
    if (serve_cmd->parsed()) return run_serve(serve);
    if (new_cmd->parsed()) return run_new(scaffold);
    if (watch_cmd->parsed()) return run_watch(watch);
    if (doctor_cmd->parsed()) return run_doctor(doctor);
    if (batch_cmd->parsed()) return run_grade_batch(batch);
    if (mistake_cmd->parsed()) {
      mistake.verb = mistake_new->parsed() ? "new" : mistake_show->parsed() ? "show" : "refresh";
      return run_mistake(mistake);
    }
  } catch (const ManifestError& e) {
    std::fprintf(stderr, "grader: a chapter manifest is broken: %s\n", e.what());
  } catch (const ResolveError& e) {
    std::fprintf(stderr, "grader: %s\n", e.what());
  } catch (const WorkbookError& e) {
    std::fprintf(stderr, "grader: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grader: could not grade: %s\n", e.what());
  }
  return 2;
}
