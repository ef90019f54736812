#include "python_runs.hpp"

#include "sandbox/process.hpp"  // the grader's sandbox: own process group, time limit, nothing left behind

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <vector>
#include <stdexcept>

namespace course_table {

namespace {

using asynclings::grader::Ending;
using asynclings::grader::RunOptions;
using asynclings::grader::RunResult;

// Runs a Python program to its end (stdout and stderr together, uncapped), killed with its
// whole process group at <time_limit>. The server is on 127.0.0.1: a proxy configured in the
// environment must not be asked for it.
RunResult run_python(const std::vector<std::string>& argv, std::chrono::milliseconds time_limit) {
  RunOptions options;
  options.sandbox = false;
  options.time_limit = time_limit;
  options.output_cap = 0;
  options.extra_env = {"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost"};
  return asynclings::grader::run_process(argv, options);
}

// The last non-empty line: what the script printed last on stdout (a warning on stderr may
// come before it).
std::string last_line(const std::string& output) {
  std::string text = output;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  const auto newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

double run_script(const PythonSetup& setup, const std::string& script, const std::string& url, int n,
                  std::chrono::milliseconds time_limit) {
  const std::string path = setup.scripts_dir + "/" + script;
  const RunResult run = run_python({setup.interpreter, path, url, std::to_string(n)}, time_limit);
  if (run.ending == Ending::timed_out) {
    throw std::runtime_error(fmt::format("{} did not finish within {} s", script, time_limit.count() / 1000.0));
  }
  if (run.ending == Ending::failed_to_start) throw std::runtime_error(script + " could not start: " + run.error);
  if (!run.exited_ok()) {
    throw std::runtime_error(fmt::format("{} failed (exit code {}): {}", script, run.exit_code, trimmed(run.output)));
  }
  try {
    return nlohmann::json::parse(last_line(run.output)).at("elapsed_s").get<double>();
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error(fmt::format("{} printed no {{\"elapsed_s\": …}} JSON but: {}", script, trimmed(run.output)));
  }
}

}  // namespace

PythonAvailability check_python(const PythonSetup& setup) {
  const char* packages = "the Debian packages python3-requests and python3-httpx provide them";
  if (::access(setup.interpreter.c_str(), X_OK) != 0) {
    return {false, fmt::format("{} cannot be run (is python3 installed?); the Python rows need it with "
                               "the requests and httpx modules: {}", setup.interpreter, packages)};
  }
  const RunResult probe = run_python(
      {setup.interpreter, "-c",
       "import importlib.util, sys\n"
       "missing = [m for m in ('requests', 'httpx') if importlib.util.find_spec(m) is None]\n"
       "print(' '.join(missing))\n"},
      std::chrono::seconds{30});
  if (!probe.exited_ok()) {
    return {false, fmt::format("{} could not check its modules: {}", setup.interpreter,
                               probe.error.empty() ? trimmed(probe.output) : probe.error)};
  }
  const std::string missing = last_line(probe.output);
  if (!missing.empty()) {
    return {false, fmt::format("{} lacks the module(s) {}: {}", setup.interpreter, missing, packages)};
  }
  for (const char* script : {"sync_requests.py", "async_gather.py"}) {
    const std::string path = setup.scripts_dir + "/" + script;
    if (::access(path.c_str(), R_OK) != 0) return {false, "cannot read " + path};
  }
  return {true, ""};
}

double run_python_sync(const PythonSetup& setup, const std::string& url, int n, std::chrono::milliseconds time_limit) {
  return run_script(setup, "sync_requests.py", url, n, time_limit);
}

double run_python_async(const PythonSetup& setup, const std::string& url, int n, std::chrono::milliseconds time_limit) {
  return run_script(setup, "async_gather.py", url, n, time_limit);
}

}  // namespace course_table
