// `grader doctor`: what a student's machine has (probe_machine) and what that means for the
// workbook (examine_machine). Probing and judging are apart so the judging can be tested with
// any machine's facts, including ones this machine does not have (Boost 1.74, one core…).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace asynclings::grader {

struct ToolVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
  std::string text() const;
};

// The first "N.N" or "N.N.N" in a tool's --version output ("g++ (Debian 12.2.0-14) 12.2.0"
// gives 12.2.0: the first number group after the parenthesised vendor string).
std::optional<ToolVersion> parse_tool_version(const std::string& version_output);
// BOOST_LIB_VERSION of a boost/version.hpp text: "1_81" gives 1.81.
std::optional<ToolVersion> parse_boost_version_header(const std::string& header_text);

// A library the workbook builds against, found by one of its headers.
struct LibraryFacts {
  std::string name;            // "GoogleTest"
  std::string debian_package;  // "libgtest-dev"
  std::filesystem::path header;  // where it was found; empty when missing
};

struct MachineFacts {
  std::string compiler;                  // the command probed ("c++", $CXX, or the build's)
  std::string compiler_version_output;   // first line of `compiler --version`; empty: not found
  bool coroutine_probe_ran = false;
  std::string coroutine_probe_error;     // empty when a C++20 coroutine compiled
  std::optional<ToolVersion> boost;      // from boost/version.hpp
  std::filesystem::path boost_header;
  std::vector<ToolVersion> boost_cmake_configs;  // Boost-X.Y.Z CMake packages installed
  std::vector<LibraryFacts> libraries;
  std::string cmake_version_output;
  bool ninja_found = false;
  bool ccache_found = false;
  bool pkg_config_found = false;
  std::uint64_t open_files_soft = 0;
  std::uint64_t open_files_hard = 0;
  bool loopback_ok = false;
  std::string loopback_error;
  unsigned cores = 0;
  int landlock_abi = 0;  // 0: none; what confines graded test runs (process.hpp, Confinement)
  std::optional<std::filesystem::path> build_dir;  // when run inside a workbook
  std::uint64_t build_dir_free_bytes = 0;
  bool compile_commands_at_root = false;
};

struct ProbeOptions {
  std::vector<std::filesystem::path> include_dirs{"/usr/include", "/usr/local/include"};
  std::vector<std::filesystem::path> cmake_package_dirs{"/usr/lib/x86_64-linux-gnu/cmake",
                                                        "/usr/lib/aarch64-linux-gnu/cmake",
                                                        "/usr/lib/cmake", "/usr/local/lib/cmake"};
  std::string compiler;  // empty: $CXX, else c++
  std::optional<std::filesystem::path> workbook_root;
  std::optional<std::filesystem::path> build_dir;
};

MachineFacts probe_machine(const ProbeOptions& options);

enum class Health { ok, warning, problem };
const char* to_string(Health health);

struct Finding {
  std::string area;   // "compiler", "Boost", …
  Health health = Health::ok;
  std::string found;  // what is there, one line
  std::string fix;    // what to do; empty when nothing
};

std::vector<Finding> examine_machine(const MachineFacts& facts);
// Which protections a graded run's test binary gets here (docs/grading-integrity.md); never a
// problem for a student, whose own runs are not confined.
Finding examine_grading_sandbox(const MachineFacts& facts);

}  // namespace asynclings::grader
