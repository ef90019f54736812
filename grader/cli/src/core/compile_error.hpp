// The first compiler (or linker) error of a build log, where it is, and what it usually
// means in plain English: what a student needs instead of 300 lines of template noise.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace asynclings::grader {

struct CompileError {
  std::string file;  // as the compiler printed it
  int line = 0;
  int column = 0;
  std::string message;      // after "error: "
  std::string source_line;  // the offending line, when the file is readable
  std::string reading;      // plain-English reading, empty when none applies
  // The coroutine slip recognised in the log (e.g. "awaitable-as-value"), empty when none; then
  // `reading` says the fix in one line.
  std::string slip;
  // When the error is inside a library header, the student's line that led there (or, for a
  // slip g++ reports at the coroutine's closing brace, the line that holds it).
  std::string user_file;
  int user_line = 0;
};

// The first error in <log>; <root> (may be empty) tells the student's files from library
// headers; <build_dir> (may be empty) is where the compiler ran, for the file names it printed
// relative to it (ccache's CCACHE_BASEDIR makes them so). nullopt when the log holds no
// recognisable error.
std::optional<CompileError> first_compile_error(const std::string& log,
                                                const std::filesystem::path& root = {},
                                                const std::filesystem::path& build_dir = {});

// A one-line reading of a g++/ld error message; empty when it is not a common one.
std::string explain_error(const std::string& message);

}  // namespace asynclings::grader
