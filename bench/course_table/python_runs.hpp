// The Python subjects: bench/python/sync_requests.py (a requests.Session loop) and
// bench/python/async_gather.py (httpx.AsyncClient + asyncio.gather), run by the given
// interpreter against the same server as the C++ loops.
#pragma once

#include <chrono>
#include <string>

namespace course_table {

struct PythonSetup {
  std::string interpreter = "/usr/bin/python3";
  std::string scripts_dir;  // where sync_requests.py and async_gather.py are
};

struct PythonAvailability {
  bool available = false;
  std::string reason;  // why not, and which Debian packages give what is missing
};

// Whether <setup.interpreter> runs and imports both requests and httpx.
PythonAvailability check_python(const PythonSetup& setup);

// Runs one script against <url> <n> times and returns the elapsed seconds it printed.
// Throws std::runtime_error with the script's own message when it fails or overruns.
double run_python_sync(const PythonSetup& setup, const std::string& url, int n, std::chrono::milliseconds time_limit);
double run_python_async(const PythonSetup& setup, const std::string& url, int n, std::chrono::milliseconds time_limit);

}  // namespace course_table
