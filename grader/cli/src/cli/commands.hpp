// The verbs of `grader`, one file each (cmd_<verb>.cpp, CLI11's sub-commands in files): each
// adds its sub-command and its own options to the app and says how to run it; main.cpp runs
// the one the command line named. A verb's options and code stay in its file: what two verbs
// share lives in core/ or render/.
#pragma once

#include "core/session.hpp"

#include <CLI/CLI.hpp>

#include <functional>

namespace asynclings::grader {

struct Verb {
  CLI::App* command = nullptr;
  std::function<int()> run;  // once the command line is parsed; returns the exit code
};

// The options several verbs share (cli/options.cpp).
// --root, --build-dir, --sanitize and -v: every verb that works on a workbook takes them.
void add_common_options(CLI::App* command, CommonOptions& common);
// --tests-from as check and watch take it: the trusted workbook a submission is graded with.
void add_tests_from_option(CLI::App* command, CommonOptions& common);

Verb add_check(CLI::App& app);
Verb add_verify(CLI::App& app);
Verb add_list(CLI::App& app);
Verb add_hint(CLI::App& app);
Verb add_expect_diagnosis(CLI::App& app);
Verb add_serve(CLI::App& app);
Verb add_new(CLI::App& app);
Verb add_watch(CLI::App& app);
Verb add_doctor(CLI::App& app);
Verb add_grade_batch(CLI::App& app);
Verb add_mistake(CLI::App& app);
Verb add_stage(CLI::App& app);

}  // namespace asynclings::grader
