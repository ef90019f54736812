#include "core/watch_progress.hpp"

namespace asynclings::grader {

const Exercise* next_exercise_to_do(const Chapter& chapter, const Progress& progress) {
  for (const auto& exercise : chapter.exercises) {
    const auto state = list_state(progress.find(chapter, exercise), edited_files_stamp(chapter, exercise));
    if (state != ListState::passed) return &exercise;
  }
  return nullptr;
}

const Chapter* next_chapter_to_do(const std::vector<Chapter>& chapters, const Progress& progress) {
  for (const auto& chapter : chapters)
    if (next_exercise_to_do(chapter, progress) != nullptr) return &chapter;
  return nullptr;
}

std::vector<std::filesystem::path> student_files(const Workbook& workbook, const Chapter& chapter,
                                                 const Exercise& exercise) {
  // cmake/Chapters.cmake takes a submission's edited files from <submission>/exercises/<chapter>.
  const auto folder = workbook.submission.empty() ? chapter.dir : workbook.submission / "exercises" / chapter.dir_name;
  std::vector<std::filesystem::path> files;
  for (const auto& file : exercise.edit) files.push_back((folder / file).lexically_normal());
  return files;
}

void record_verdict(ExerciseProgress& progress, const ExerciseReport& report, std::int64_t files_stamp_before) {
  if (report.verdict == Verdict::interrupted || report.verdict == Verdict::error) return;
  progress.verdict = to_string(report.verdict);
  progress.checked_files_stamp = files_stamp_before;
}

}  // namespace asynclings::grader
