// Running a helper program (the Python subjects) and collecting what it printed. The child
// is killed and reaped when it overruns its time limit, so the bench never leaves one behind.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace course_table {

struct ChildResult {
  int exit_code = -1;  // -1 when it did not exit normally (killed, signal, timed out)
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs argv[0] (an absolute path, no PATH search) with the current environment plus
// <extra_env>. Throws std::runtime_error when the program cannot be started.
ChildResult run_child(const std::vector<std::string>& argv, std::chrono::milliseconds time_limit,
                      const std::map<std::string, std::string>& extra_env = {});

}  // namespace course_table
