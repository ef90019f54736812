// Where the workbook is: its source root (the folder holding exercises/ and CMakeLists.txt)
// and its build folder, configured on first use.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace asynclings::grader {

struct WorkbookError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Workbook {
  std::filesystem::path root;       // the source tree (tests and manifests come from here)
  std::filesystem::path build_dir;  // its build folder
  // The tree the student-edited files come from when it differs from root (--tests-from).
  std::filesystem::path submission;
};

// Where a submission's edited files are staged for its build (core/staging.hpp): the build and
// the static check read them there, never in the submission itself.
inline std::filesystem::path submission_copy(const Workbook& workbook) { return workbook.build_dir / "submission"; }

// Walks up from <start> to the first folder holding exercises/ and CMakeLists.txt.
std::filesystem::path find_root(const std::filesystem::path& start);
bool is_workbook_root(const std::filesystem::path& dir);

// Configures <build_dir> when it has no CMakeCache.txt yet (printing what it does to
// <log>); <extra_args> are added -D options. Throws WorkbookError when cmake fails.
void ensure_configured(const Workbook& workbook, const std::vector<std::string>& extra_args,
                       bool quiet);

// <build_dir>/chapters/<target>
std::filesystem::path target_binary(const Workbook& workbook, const std::string& target);

}  // namespace asynclings::grader
