#include "core/build_runner.hpp"

#include "sandbox/process.hpp"

#include <chrono>
#include <fstream>

namespace asynclings::grader {

BuildResult build_target(const Workbook& workbook, const std::string& target,
                         const std::function<void(const BuildStep&)>& on_step) {
  RunOptions options;
  options.sandbox = false;  // the compiler is trusted; it may need lots of memory
  options.output_cap = 0;
  options.time_limit = std::chrono::minutes(15);
  // The progress bar reads ninja's status lines; a user's own NINJA_STATUS must not change them.
  options.extra_env.push_back("NINJA_STATUS=[%f/%t] ");
  NinjaProgress progress;
  const auto started = std::chrono::steady_clock::now();
  // Each step shown with the build's clock, redrawn every second even while one step runs.
  auto with_clock = [&] {
    BuildStep step = progress.step();
    step.elapsed_s = static_cast<int>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count());
    if (!progress.started()) step.what = "checking what to build";
    return step;
  };
  if (on_step) {
    options.on_output = [&](std::string_view chunk) {
      if (progress.feed(chunk)) on_step(with_clock());
    };
    options.on_tick = [&] { on_step(with_clock()); };
  }
  const RunResult run = run_process(
      {"cmake", "--build", workbook.build_dir.string(), "--target", target}, options);

  BuildResult result;
  result.elapsed = run.elapsed;
  result.log = run.error.empty() ? run.output : run.error + "\n" + run.output;
  result.ok = run.exited_ok();
  result.interrupted = run.ending == Ending::interrupted;
  if (result.ok) return result;

  const auto dir = workbook.build_dir / "grader-logs";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  result.log_file = dir / (target + ".build.log");
  std::ofstream(result.log_file) << result.log;
  // "Re-running CMake..." then "CMake Error": the tree does not configure (a manifest or a
  // chapter file is broken); that is no compile error of the exercise.
  if (const auto pos = result.log.find("CMake Error"); pos != std::string::npos) {
    result.configure_failed = true;
    auto end = result.log.find("\n\n", pos);
    result.configure_error = result.log.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    for (auto& c : result.configure_error)
      if (c == '\n') c = ' ';
    return result;
  }
  result.error = first_compile_error(
      result.log, workbook.submission.empty() ? workbook.root : std::filesystem::path{},
      workbook.build_dir);
  return result;
}

}  // namespace asynclings::grader
