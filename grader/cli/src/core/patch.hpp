// Unified diffs: how a wrong-solution or alternative fixture is stored (a small diff against
// the solution) and turned back into source files in the build tree. Strict on purpose: the
// context must match the solution exactly (at the recorded line or shifted by whole lines), so
// a solution edit that invalidates a fixture is reported, never silently fuzzed over.
#pragma once

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace asynclings::grader {

struct PatchHunk {
  int old_start = 0;  // 1-based, as in "@@ -old_start,old_count +new_start,new_count @@"
  int old_count = 0;
  int new_start = 0;
  int new_count = 0;
  std::string header;  // the "@@ … @@" line, quoted in errors
  // Each line keeps its marker: ' ' context, '-' removed, '+' added.
  std::vector<std::string> lines;
  bool old_ends_without_newline = false;
  bool new_ends_without_newline = false;
};

struct FilePatch {
  std::string file;  // the patched file's name, from the "--- " line (directories and a/ dropped)
  std::vector<PatchHunk> hunks;
};

// A patch that cannot be read or applied; what() names the fixture, the file and the hunk.
struct PatchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses unified-diff text (one or more files). <origin> names the patch in errors.
std::vector<FilePatch> parse_patch(const std::string& text, const std::string& origin);

// Applies <patch> to <original> (the whole text of patch.file) and returns the new text.
std::string apply_file_patch(const std::string& original, const FilePatch& patch, const std::string& origin);

// Applies every file of the patch at <patch_path> to the files of <source_dir> and returns
// file name -> new text. Throws PatchError naming <patch_path>, the file and the hunk.
std::map<std::string, std::string> apply_patch_file(const std::filesystem::path& patch_path,
                                                    const std::filesystem::path& source_dir);

// A unified diff of <before> into <after>, both named <file> in the headers, with three lines
// of context: what `grader mistake new` records. Empty when the texts are equal.
std::string make_patch(const std::string& file, const std::string& before, const std::string& after);

std::string read_text_file(const std::filesystem::path& path);  // throws PatchError when unreadable

}  // namespace asynclings::grader
