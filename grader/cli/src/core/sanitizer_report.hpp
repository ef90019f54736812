// A sanitizer's report read for a student: which kind of error, the first frame in the
// student's files (where it happened, and where the memory was freed), a plain reading of what
// that kind usually means in coroutine code, and the report's decisive lines without the
// shadow-byte map.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace asynclings::grader {

struct SanitizerReport {
  std::string kind;      // "heap-use-after-free", "stack-use-after-scope", "SEGV", "data race"…
  std::string location;  // "ex1_gather.hpp:52: co_return co_await std::move(w);"
  std::string freed_at;  // the same, where the memory was freed (use-after-free only)
  // A stack error: the student's local variable the memory was, gone when it was used
  // ("'limiter', declared at ex1_rate_limit.hpp:111: Limiter limiter(ex, limit);").
  std::string dead_variable;
  std::string reading;   // what it usually means, and what to do instead
  std::string excerpt;   // the error line, the stacks (short frames), the summary
};

// Reads the first sanitizer report in <output> of <binary>; empty kind when there is none.
// <student_files> are the file names the student edits (a frame in one is theirs).
SanitizerReport read_sanitizer_report(const std::string& output, const std::filesystem::path& binary,
                                      const std::vector<std::string>& student_files);

// <line> without the addresses a sanitizer prints ("… on address 0x6020… at pc 0x5608… bp …
// sp …" -> "…"): the numbers say nothing to a student and differ from run to run.
std::string without_addresses(const std::string& line);

}  // namespace asynclings::grader
