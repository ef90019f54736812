// A place in the student's code, as the debug information names it, shown the way the grader
// shows every location: "ex2_send.hpp:86: *nowhere = 42;".
#pragma once

#include <filesystem>
#include <string>

namespace asynclings::grader {

// A path from the debug information, openable from here, and this build's own: compilers
// behind ccache with a base folder record paths relative to the build folder (../exercises/…),
// and an object from the cache may name the folder of the build it was first compiled for.
// The path's tails are looked up under the folders above <binary> first; the path as it is
// last.
std::filesystem::path source_file_as_built(const std::filesystem::path& file, const std::filesystem::path& binary);

// "<file name>:<line>: <the line's text, trimmed>" (without the text when it cannot be read).
std::string source_location_text(const std::filesystem::path& file, int line, const std::filesystem::path& binary);

}  // namespace asynclings::grader
