// `grader stage UPLOAD --tests-from TRUSTED -o STAGED`: a submission's edited files, found in
// an upload of any shape and copied into STAGED/exercises (the trusted stub for each file not
// handed in), exactly as `grader check --tests-from` and `grader grade-batch` take them
// (core/staging.hpp). The Gradescope script grades STAGED then. Prints which files were handed
// in and which were missing, as JSON.
#include "cli/commands.hpp"
#include "core/resolve.hpp"
#include "core/staging.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

namespace asynclings::grader {

namespace {

struct StageOptions {
  CommonOptions common;  // common.tests_from: the trusted workbook
  std::filesystem::path upload;
  std::filesystem::path output;
  std::string chapter;  // empty: every chapter
};

int run_stage(const StageOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(options.upload, ec)) {
    std::fprintf(stderr, "grader stage: %s is not a folder\n", options.upload.c_str());
    return 2;
  }
  CommonOptions trusted;
  trusted.root = options.common.tests_from;
  const Session session = open_session(trusted);
  std::vector<Chapter> chapters;
  if (options.chapter.empty())
    chapters = session.chapters;
  else
    chapters.push_back(resolve_chapter(session.chapters, options.chapter));
  const StagedSubmission staged =
      stage_submission(fs::absolute(options.upload), edited_files(chapters), session.workbook.root,
                       fs::absolute(options.output));
  if (!staged.error.empty()) {
    std::fprintf(stderr, "grader stage: %s\n", staged.error.c_str());
    return 2;
  }
  const nlohmann::ordered_json out{{"handed_in", staged.handed_in}, {"missing", staged.missing}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace

Verb add_stage(CLI::App& app) {
  auto stage = std::make_shared<StageOptions>();
  auto* command = app.add_subcommand(
      "stage", "Instructor: a submission's edited files, found in an upload, staged for grading");
  command
      ->add_option("upload", stage->upload,
                   "The student's upload: a workbook copy, an archive's folder or loose files")
      ->required();
  command
      ->add_option("--tests-from", stage->common.tests_from,
                   "The trusted workbook (its manifests name the files)")
      ->required();
  command
      ->add_option("-o,--output", stage->output,
                   "Stage into this folder (its exercises/ is what `check --root` grades)")
      ->required();
  command->add_option("--chapter", stage->chapter,
                      "Only this chapter's files (default: every chapter's)");
  return {command, [stage] { return run_stage(*stage); }};
}

}  // namespace asynclings::grader
