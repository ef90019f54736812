#include "python_runs.hpp"

#include "child_process.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <map>
#include <stdexcept>

namespace course_table {

namespace {

// The server is on 127.0.0.1: a proxy configured in the environment must not be asked for it.
const std::map<std::string, std::string> loopback_without_proxy{
    {"NO_PROXY", "127.0.0.1,localhost"}, {"no_proxy", "127.0.0.1,localhost"}};

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

double run_script(const PythonSetup& setup, const std::string& script, const std::string& url, int n,
                  std::chrono::milliseconds time_limit) {
  const std::string path = setup.scripts_dir + "/" + script;
  const ChildResult run = run_child({setup.interpreter, path, url, std::to_string(n)}, time_limit, loopback_without_proxy);
  if (run.timed_out) {
    throw std::runtime_error(fmt::format("{} did not finish within {} s", script, time_limit.count() / 1000.0));
  }
  if (run.exit_code != 0) {
    throw std::runtime_error(fmt::format("{} failed (exit code {}): {}", script, run.exit_code, trimmed(run.err)));
  }
  try {
    return nlohmann::json::parse(run.out).at("elapsed_s").get<double>();
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error(fmt::format("{} printed no {{\"elapsed_s\": …}} JSON but: {}", script, trimmed(run.out)));
  }
}

}  // namespace

PythonAvailability check_python(const PythonSetup& setup) {
  const char* packages = "the Debian packages python3-requests and python3-httpx provide them";
  if (::access(setup.interpreter.c_str(), X_OK) != 0) {
    return {false, fmt::format("{} cannot be run (is python3 installed?); the Python rows need it with "
                               "the requests and httpx modules: {}", setup.interpreter, packages)};
  }
  const ChildResult probe = run_child(
      {setup.interpreter, "-c",
       "import importlib.util, sys\n"
       "missing = [m for m in ('requests', 'httpx') if importlib.util.find_spec(m) is None]\n"
       "print(' '.join(missing))\n"},
      std::chrono::seconds{30});
  if (probe.exit_code != 0) {
    return {false, fmt::format("{} could not check its modules: {}", setup.interpreter, trimmed(probe.err))};
  }
  const std::string missing = trimmed(probe.out);
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
