// Building one target of the workbook with `cmake --build`, keeping its log.
#pragma once

#include "core/build_progress.hpp"
#include "core/compile_error.hpp"
#include "core/workbook.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace asynclings::grader {

struct BuildResult {
  bool ok = false;
  bool interrupted = false;
  std::string log;                     // everything cmake/ninja/the compiler printed
  std::filesystem::path log_file;      // where the log of a failed build was saved
  std::optional<CompileError> error;   // the first error of a failed build
  // The build failed before compiling: cmake could not (re)configure the build folder.
  bool configure_failed = false;
  std::string configure_error;         // its first "CMake Error" with the line after it
  std::chrono::milliseconds elapsed{0};
};

// <on_step> is told each "[n/m]" step ninja reports while it builds.
BuildResult build_target(const Workbook& workbook, const std::string& target,
                         const std::function<void(const BuildStep&)>& on_step = {});

}  // namespace asynclings::grader
