// What every verb starts from: the located workbook, its chapters, and how to grade one
// exercise variant (build, then run).
#pragma once

#include "core/build_progress.hpp"
#include "core/grading.hpp"
#include "core/integrity.hpp"
#include "core/manifest.hpp"
#include "core/workbook.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace asynclings::grader {

struct CommonOptions {
  std::filesystem::path root;        // --root
  std::filesystem::path build_dir;   // --build-dir
  std::filesystem::path tests_from;  // --tests-from (trusted tree)
  std::string sanitize;  // --sanitize address|thread|undefined: a sanitized build of its own
  bool verbose = false;
  bool quiet = false;  // no build progress on stderr
};

struct Session {
  Workbook workbook;
  std::vector<Chapter> chapters;
  std::string sanitize;
};

// Locates the workbook and reads its manifests (does not configure; see configure()).
Session open_session(const CommonOptions& options);
// Configures the build folder when needed (always reconfigures with --tests-from).
void configure(const Session& session, const CommonOptions& options);

// The static check's rules for <exercise> (its "allow", the names its trusted tests use).
IntegrityRules integrity_rules(const Session& session, const Chapter& chapter, const Exercise& exercise);
// The static check of the student's edited files of <exercise> (docs/grading-integrity.md).
std::vector<IntegrityFinding> check_exercise_integrity(const Session& session, const Chapter& chapter,
                                                       const Exercise& exercise);

// Builds <target> and grades its binary into a report for <exercise>. <build> is told when
// the build starts and each step it makes (to show progress).
ExerciseReport grade_target(const Session& session, const Chapter& chapter, const Exercise& exercise,
                            const std::string& target, const std::string& variant,
                            const BuildObserver& build = {});

}  // namespace asynclings::grader
