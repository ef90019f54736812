#include "core/report.hpp"

#include <algorithm>

namespace asynclings::grader {

int exit_code(const Report& report) {
  int code = 0;
  for (const auto& e : report.exercises) {
    if (e.verdict == Verdict::passed) continue;
    if (graded(e.verdict))
      code = std::max(code, 1);
    else
      code = 2;
  }
  return code;
}

}  // namespace asynclings::grader
