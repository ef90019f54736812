// The options several verbs take, spelled once (cli/commands.hpp).
#include "cli/commands.hpp"

#include <CLI/CLI.hpp>

namespace asynclings::grader {

void add_common_options(CLI::App* command, CommonOptions& common) {
  command->add_option("--root", common.root,
                      "The workbook's folder (default: found from the current folder)");
  command->add_option("--build-dir", common.build_dir, "Its build folder (default: <root>/build)");
  command
      ->add_option("--sanitize", common.sanitize,
                   "Build and run under a sanitizer (own build folder <build>-NAME)")
      ->check(CLI::IsMember({"address", "thread", "undefined"}));
  command->add_flag("-v,--verbose", common.verbose, "Show whole compiler logs and test output");
}

void add_tests_from_option(CLI::App* command, CommonOptions& common) {
  command->add_option("--tests-from", common.tests_from,
                      "Grade with the tests and manifests of this trusted workbook copy; only the "
                      "edited files come from --root");
}

}  // namespace asynclings::grader
