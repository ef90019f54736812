// grader doctor: probes the machine (doctor_checks.hpp) and prints each finding with what to
// do about it. Works outside a workbook too: then it skips the build-folder checks.
#include "cli/commands.hpp"
#include "core/doctor_checks.hpp"
#include "core/workbook.hpp"
#include "render/style.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace asynclings::grader {

namespace {

// Checks the machine a student grades on and says what to fix.
struct DoctorOptions {
  CommonOptions common;
  std::string format = "text";  // text or json
};

ProbeOptions probe_options(const CommonOptions& common) {
  ProbeOptions options;
  std::filesystem::path root = common.root;
  if (root.empty()) {
    try {
      root = find_root(std::filesystem::current_path());
    } catch (const WorkbookError&) {
      return options;  // not inside a workbook: machine checks only
    }
  }
  options.workbook_root = std::filesystem::absolute(root);
  options.build_dir = common.build_dir.empty() ? *options.workbook_root / "build" : std::filesystem::absolute(common.build_dir);
  return options;
}

std::string mark(Health health, const Style& style) {
  switch (health) {
    case Health::ok: return style.green("ok  ");
    case Health::warning: return style.yellow("warn");
    case Health::problem: return style.red("FIX ");
  }
  return "    ";
}

void print_text(const std::vector<Finding>& findings, const Style& style) {
  std::printf("%s\n\n", style.bold("grader doctor: what this machine has for the workbook").c_str());
  int problems = 0;
  int warnings = 0;
  for (const auto& f : findings) {
    std::printf("  %s %-18s %s\n", mark(f.health, style).c_str(), f.area.c_str(), f.found.c_str());
    if (!f.fix.empty()) std::printf("       %-18s %s\n", "", style.cyan("→ " + f.fix).c_str());
    problems += f.health == Health::problem;
    warnings += f.health == Health::warning;
  }
  std::printf("\n");
  if (problems == 0 && warnings == 0) {
    std::printf("%s\n", style.green("Everything the workbook needs is here.").c_str());
  } else if (problems == 0) {
    std::printf("%d warning%s: the workbook works; the lines marked warn say what would make it better.\n", warnings,
                warnings == 1 ? "" : "s");
  } else {
    std::printf("%s\n", style.red(std::to_string(problems) + (problems == 1 ? " problem" : " problems") +
                                  " to fix before the workbook builds (the lines marked FIX), then run `grader doctor` again.")
                            .c_str());
  }
}

int run_doctor(const DoctorOptions& options) {
  // Probing compiles a small coroutine program: seconds, so say what is happening first.
  if (options.format != "json")
    std::fprintf(stderr,
                 "grader doctor: checking the compiler, CMake, Boost and disk (a few seconds)\n");
  const auto findings = examine_machine(probe_machine(probe_options(options.common)));
  const bool any_problem =
      std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return f.health == Health::problem; });
  if (options.format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& f : findings) {
      out.push_back({{"area", f.area}, {"health", to_string(f.health)}, {"found", f.found}, {"fix", f.fix}});
    }
    std::printf("%s\n", nlohmann::json{{"ok", !any_problem}, {"findings", out}}.dump(2).c_str());
  } else {
    print_text(findings, Style::for_stream(stdout));
  }
  return any_problem ? 1 : 0;
}

}  // namespace

Verb add_doctor(CLI::App& app) {
  auto doctor = std::make_shared<DoctorOptions>();
  auto* command = app.add_subcommand("doctor", "Check this machine: compiler, Boost, packages, limits; say what to fix");
  add_common_options(command, doctor->common);
  command->add_option("--format", doctor->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  return {command, [doctor] { return run_doctor(*doctor); }};
}

}  // namespace asynclings::grader
