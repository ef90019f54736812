// A submission's files, found and staged the one way every grading path takes them: `grader
// check --tests-from` (and so the GitHub workflow), `grader grade-batch`, and `grader stage`
// (the Gradescope script). The same upload is graded the same way by each.
#pragma once

#include "core/manifest.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace asynclings::grader {

// A file a student edits, as the trusted manifests name it.
struct EditedFile {
  std::string chapter;  // ch01-generators
  std::string file;     // ex1_generator.hpp, relative to the chapter folder
  std::string path() const { return chapter + "/" + file; }
};
// Every edited file of <chapters>, in manifest order.
std::vector<EditedFile> edited_files(const std::vector<Chapter>& chapters);

// Where the student's files are in an upload <folder>. Looked for in this order:
// 1. a workbook-shaped upload (a workbook copy or its exercises/ tree, the chapter folders
//    themselves, or either inside the one folder an unpacked archive makes):
//    <exercises>/<chapter>/<file>;
// 2. anywhere in it as .../<chapter>/<file> (the first in path order);
// 3. by its file name alone (files dragged into an upload box), when no other edited file has
//    that name and the upload holds exactly one file of that name.
// Only regular files count (a symbolic link could point at the solutions), and nothing under a
// folder named solutions, a dot-folder, or <skip> (the folder files are staged into).
class SubmittedFiles {
 public:
  // <files>: the edited files being looked for (rule 3 compares names among them).
  SubmittedFiles(std::filesystem::path folder, std::vector<EditedFile> files,
                 std::filesystem::path skip = {});

  // Where the student's copy of <file> is; empty when it was not handed in.
  std::filesystem::path find(const EditedFile& file);
  // The folder holding the chapter folders (rule 1); empty when the upload has none.
  const std::filesystem::path& exercises_dir() const { return exercises_dir_; }

 private:
  const std::vector<std::filesystem::path>& every_file();

  std::filesystem::path folder_, skip_, exercises_dir_;
  std::vector<EditedFile> all_;
  std::vector<std::filesystem::path> files_;  // every regular file of the upload, in path order
  bool listed_ = false;
};

// The sub-folders of <folder> that are not dot-folders, sorted.
std::vector<std::filesystem::path> visible_subfolders(const std::filesystem::path& folder);
// Where the chapter folders of <folder> are (rule 1 above), or empty.
std::filesystem::path find_exercises_dir(const std::filesystem::path& folder,
                                         const std::vector<std::string>& chapters);

struct StagedSubmission {
  std::vector<std::string> handed_in;  // chapter/file found in the upload
  std::vector<std::string> missing;    // chapter/file not handed in: staged as the untouched stub
  std::string error;                   // why it could not be staged; empty when it was
};

// Copies the student's copy of each of <files> (found as SubmittedFiles says) to
// <staged>/exercises/<chapter>/<file>, and for a file not handed in the trusted workbook's
// untouched stub (<trusted>/exercises/<chapter>/<file>), so it is graded NOT STARTED. A file
// whose content is unchanged keeps its time, so a build folder graded again rebuilds nothing;
// what an earlier staging left there is replaced.
StagedSubmission stage_submission(const std::filesystem::path& folder,
                                  const std::vector<EditedFile>& files,
                                  const std::filesystem::path& trusted,
                                  const std::filesystem::path& staged);

}  // namespace asynclings::grader
