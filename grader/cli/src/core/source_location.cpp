#include "core/source_location.hpp"

#include <fstream>
#include <vector>

namespace asynclings::grader {

std::filesystem::path source_file_as_built(const std::filesystem::path& file, const std::filesystem::path& binary) {
  std::error_code ec;
  // The path's tails ("submission/exercises/ch01-generators/ex2_send.hpp", shorter ones after;
  // never the bare file name), looked up under the folders above the program, nearest first:
  // this build's own copy, even when the debug information names another build's folder
  // (an object from ccache compiled for another student's or another copy's build).
  std::vector<std::filesystem::path> parts;
  for (const auto& part : file.relative_path()) parts.push_back(part);
  for (auto folder = binary.parent_path(); !folder.empty(); folder = folder.parent_path()) {
    for (std::size_t first = 0; first + 1 < parts.size(); ++first) {
      std::filesystem::path tail;
      for (std::size_t i = first; i < parts.size(); ++i) tail /= parts[i];
      if (std::filesystem::is_regular_file(folder / tail, ec)) return folder / tail;
    }
    if (folder == folder.root_path()) break;
  }
  return file;
}

std::string source_location_text(const std::filesystem::path& file, int line, const std::filesystem::path& binary) {
  std::string source;
  std::ifstream text(source_file_as_built(file, binary));
  for (int k = 1; k <= line && std::getline(text, source); ++k) {
  }
  if (!text) source.clear();
  source.erase(0, source.find_first_not_of(" \t"));
  return file.filename().string() + ":" + std::to_string(line) + (source.empty() ? "" : ": " + source);
}

}  // namespace asynclings::grader
