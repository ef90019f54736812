// The bookkeeping `grader watch` shares with `list` and `check`: which exercise is next (what
// `grader list` calls "next"), where the student's copies of its files are, and how a graded
// verdict goes into the progress file, so that `list` agrees with what `watch` did.
#pragma once

#include "core/grading.hpp"
#include "core/manifest.hpp"
#include "core/progress.hpp"
#include "core/workbook.hpp"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace asynclings::grader {

// The first exercise of <chapter> that `grader list` does not show as passed (never checked,
// failing, not started, or edited since it passed); nullptr when every one passes.
const Exercise* next_exercise_to_do(const Chapter& chapter, const Progress& progress);

// The first chapter holding such an exercise; nullptr when the whole workbook passes.
const Chapter* next_chapter_to_do(const std::vector<Chapter>& chapters, const Progress& progress);

// The files the student edits for <exercise>: in the workbook's chapter folder, or in the
// submission's when grading with --tests-from.
std::vector<std::filesystem::path> student_files(const Workbook& workbook, const Chapter& chapter,
                                                 const Exercise& exercise);

// Records a graded exercise as `grader check` does: the verdict and the files' content stamp taken
// before the build (a save during the build then shows as "edited"); a run that was
// interrupted or could not be graded leaves the previous verdict.
void record_verdict(ExerciseProgress& progress, const ExerciseReport& report, std::int64_t files_stamp_before);

}  // namespace asynclings::grader
