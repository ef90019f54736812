// What `grader list` prints (and `grader watch` on its `l` key): every chapter and exercise
// with the student's progress, the legend, the progress bar and the next exercise to do.
#pragma once

#include "core/progress.hpp"
#include "core/session.hpp"
#include "render/style.hpp"

#include <string>

namespace asynclings::grader {

std::string render_list_text(const Session& session, const Progress& progress, const Style& style);

}  // namespace asynclings::grader
