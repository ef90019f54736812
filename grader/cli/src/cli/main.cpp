// grader: build, run, time, diagnose and report the workbook's exercises. Each verb adds its
// own sub-command (cli/commands.hpp); this file parses the command line and runs the one named.
#include "cli/commands.hpp"
#include "core/manifest.hpp"
#include "core/resolve.hpp"
#include "core/workbook.hpp"
#include "sandbox/process.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <vector>

int main(int argc, char** argv) {
  using namespace asynclings::grader;
  become_subreaper();
  install_interrupt_handlers();

  CLI::App app{"asynclings grader: builds your exercises, runs their tests safely and tells you what happened"};
  app.require_subcommand(1);
  app.fallthrough();
  const std::vector<Verb> verbs = {add_check(app),       add_verify(app),      add_list(app),
                                   add_hint(app),        add_expect_diagnosis(app), add_serve(app),
                                   add_new(app),         add_watch(app),       add_doctor(app),
                                   add_grade_batch(app), add_mistake(app),     add_stage(app)};

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  try {
    for (const auto& verb : verbs)
      if (verb.command->parsed()) return verb.run();
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
