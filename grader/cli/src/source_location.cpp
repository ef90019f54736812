#include "source_location.hpp"

#include <fstream>

namespace asynclings::grader {

std::filesystem::path source_file_as_built(const std::filesystem::path& file, const std::filesystem::path& binary) {
  std::error_code ec;
  if (file.is_absolute()) return file;
  for (auto folder = binary.parent_path(); !folder.empty(); folder = folder.parent_path()) {
    if (std::filesystem::is_regular_file(folder / file, ec)) return folder / file;
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
