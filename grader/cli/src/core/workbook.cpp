#include "core/workbook.hpp"

#include "sandbox/process.hpp"

#include <cstdio>

namespace asynclings::grader {

bool is_workbook_root(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::is_directory(dir / "exercises", ec) &&
         std::filesystem::is_regular_file(dir / "CMakeLists.txt", ec);
}

std::filesystem::path find_root(const std::filesystem::path& start) {
  std::error_code ec;
  auto dir = std::filesystem::absolute(start, ec);
  if (ec) dir = start;
  for (;;) {
    if (is_workbook_root(dir)) return dir;
    if (!dir.has_parent_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  throw WorkbookError("no workbook here: neither " + std::filesystem::absolute(start, ec).string() +
                      " nor a folder above it holds exercises/ and CMakeLists.txt (use --root)");
}

void ensure_configured(const Workbook& workbook, const std::vector<std::string>& extra_args,
                       bool quiet) {
  std::error_code ec;
  if (std::filesystem::exists(workbook.build_dir / "CMakeCache.txt", ec)) return;
  std::vector<std::string> argv{"cmake", "-S", workbook.root.string(), "-B",
                                workbook.build_dir.string(), "-G", "Ninja",
                                "-DCMAKE_BUILD_TYPE=Debug"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  if (!quiet) std::fprintf(stderr, "configuring %s (this takes a moment)…\n",
                           workbook.build_dir.c_str());
  RunOptions options;
  options.time_limit = std::chrono::minutes(10);
  options.sandbox = false;
  options.output_cap = 0;
  const RunResult result = run_process(argv, options);
  if (!result.exited_ok()) {
    throw WorkbookError("configuring " + workbook.build_dir.string() + " failed:\n" + result.output);
  }
}

std::filesystem::path target_binary(const Workbook& workbook, const std::string& target) {
  return workbook.build_dir / "chapters" / target;
}

}  // namespace asynclings::grader
