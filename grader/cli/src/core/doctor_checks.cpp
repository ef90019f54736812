#include "core/doctor_checks.hpp"

#include "sandbox/process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace asynclings::grader {

namespace fs = std::filesystem;

namespace {

// What the workbook's build asks for (cmake/Dependencies.cmake, CMakeLists.txt).
constexpr ToolVersion kBoostNeeded{1, 81, 0};
constexpr ToolVersion kCMakeNeeded{3, 25, 0};
constexpr int kGccTested = 12;
constexpr std::uint64_t kFreeBytesWanted = 3ull << 30;  // a full build folder is about 2 GB
constexpr std::uint64_t kOpenFilesForChapters = 1024;
constexpr std::uint64_t kOpenFilesForCapacityBench = 10240;

const char* kInstallAll = "scripts/setup installs every package the workbook needs";

bool at_least(const ToolVersion& v, const ToolVersion& needed) {
  if (v.major != needed.major) return v.major > needed.major;
  if (v.minor != needed.minor) return v.minor > needed.minor;
  return v.patch >= needed.patch;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `argv` run to completion (30 s at most); its output, or nullopt when it could not start
// or failed.
std::optional<std::string> output_of(const std::vector<std::string>& argv) {
  RunOptions options;
  options.sandbox = false;
  options.time_limit = std::chrono::seconds(30);
  options.output_cap = 0;
  const RunResult r = run_process(argv, options);
  if (!r.exited_ok()) return std::nullopt;
  return r.output;
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && ::access((fs::path(dir) / program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

fs::path find_header(const std::vector<fs::path>& include_dirs, const fs::path& header) {
  for (const auto& dir : include_dirs) {
    std::error_code ec;
    if (fs::exists(dir / header, ec)) return dir / header;
  }
  return {};
}

std::string compiler_to_probe(const ProbeOptions& options) {
  if (!options.compiler.empty()) return options.compiler;
  if (options.build_dir) {
    // The compiler the build folder was configured with is the one that matters.
    std::ifstream cache(*options.build_dir / "CMakeCache.txt");
    for (std::string line; std::getline(cache, line);) {
      const std::string key = "CMAKE_CXX_COMPILER:";
      if (line.rfind(key, 0) == 0) return line.substr(line.find('=') + 1);
    }
  }
  if (const char* cxx = std::getenv("CXX"); cxx && *cxx) return cxx;
  return "c++";
}

// Compiles a minimal coroutine with -std=c++20: proves the compiler and its library headers
// agree on <coroutine> (old g++ needs -fcoroutines, old libstdc++ lacks the header).
std::string coroutine_probe(const std::string& compiler) {
  char dir_template[] = "/tmp/asynclings-doctor-XXXXXX";
  const char* dir = ::mkdtemp(dir_template);
  if (!dir) return std::string("cannot create a temporary folder: ") + std::strerror(errno);
  const fs::path source = fs::path(dir) / "probe.cpp";
  std::ofstream(source) << R"(#include <coroutine>
struct task {
  struct promise_type {
    task get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() {}
  };
};
task probe() { co_return; }
int main() { probe(); }
)";
  RunOptions options;
  options.sandbox = false;
  options.time_limit = std::chrono::seconds(60);
  const RunResult r = run_process({compiler, "-std=c++20", "-fsyntax-only", source.string()}, options);
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (r.exited_ok()) return "";
  if (r.ending == Ending::failed_to_start) return r.error;
  const std::string line = first_line(r.output);
  return line.empty() ? "the compiler failed (exit " + std::to_string(r.exit_code) + ")" : line;
}

std::string loopback_probe() {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) return std::string("socket: ") + std::strerror(errno);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  std::string error;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    error = std::string("cannot listen on 127.0.0.1: ") + std::strerror(errno);
  } else {
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (client < 0 || ::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      error = std::string("cannot connect to 127.0.0.1: ") + std::strerror(errno);
    }
    if (client >= 0) ::close(client);
  }
  ::close(listener);
  return error;
}

std::vector<ToolVersion> boost_cmake_configs(const std::vector<fs::path>& dirs) {
  std::vector<ToolVersion> found;
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.rfind("Boost-", 0) == 0) {
        if (auto v = parse_tool_version(name)) found.push_back(*v);
      }
    }
  }
  return found;
}

}  // namespace

std::string ToolVersion::text() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::optional<ToolVersion> parse_tool_version(const std::string& version_output) {
  // The first version-looking token of the first line: g++'s vendor string carries the same
  // version as its last word ("g++ (Debian 12.2.0-14) 12.2.0").
  static const std::regex version(R"((\d+)\.(\d+)(?:\.(\d+))?)");
  std::smatch m;
  const std::string line = first_line(version_output);
  if (!std::regex_search(line, m, version)) return std::nullopt;
  ToolVersion v;
  v.major = std::stoi(m[1]);
  v.minor = std::stoi(m[2]);
  v.patch = m[3].matched ? std::stoi(m[3]) : 0;
  return v;
}

std::optional<ToolVersion> parse_boost_version_header(const std::string& header_text) {
  static const std::regex lib_version(R"(#\s*define\s+BOOST_LIB_VERSION\s+"(\d+)_(\d+)(?:_(\d+))?")");
  std::smatch m;
  if (!std::regex_search(header_text, m, lib_version)) return std::nullopt;
  ToolVersion v;
  v.major = std::stoi(m[1]);
  v.minor = std::stoi(m[2]);
  v.patch = m[3].matched ? std::stoi(m[3]) : 0;
  return v;
}

MachineFacts probe_machine(const ProbeOptions& options) {
  MachineFacts facts;
  facts.compiler = compiler_to_probe(options);
  if (auto out = output_of({facts.compiler, "--version"})) {
    facts.compiler_version_output = first_line(*out);
    facts.coroutine_probe_ran = true;
    facts.coroutine_probe_error = coroutine_probe(facts.compiler);
  }
  facts.boost_header = find_header(options.include_dirs, "boost/version.hpp");
  if (!facts.boost_header.empty()) facts.boost = parse_boost_version_header(read_file(facts.boost_header));
  facts.boost_cmake_configs = boost_cmake_configs(options.cmake_package_dirs);

  const std::vector<std::tuple<const char*, const char*, const char*>> libraries{
      {"GoogleTest", "libgtest-dev", "gtest/gtest.h"},
      {"CLI11", "libcli11-dev", "CLI/CLI.hpp"},
      {"cpp-httplib", "libcpp-httplib-dev", "httplib.h"},
      {"nlohmann-json", "nlohmann-json3-dev", "nlohmann/json.hpp"},
      {"fmt", "libfmt-dev", "fmt/core.h"},
      {"Boost.Process v2", "libboost1.81-dev", "boost/process/v2.hpp"},
      {"Boost.Beast", "libboost1.81-dev", "boost/beast.hpp"},
  };
  for (const auto& [name, package, header] : libraries) {
    facts.libraries.push_back({name, package, find_header(options.include_dirs, header)});
  }

  if (auto out = output_of({"cmake", "--version"})) facts.cmake_version_output = first_line(*out);
  facts.ninja_found = on_path("ninja");
  facts.ccache_found = on_path("ccache");
  facts.pkg_config_found = on_path("pkg-config");

  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0) {
    facts.open_files_soft = files.rlim_cur;
    facts.open_files_hard = files.rlim_max;
  }
  facts.loopback_error = loopback_probe();
  facts.loopback_ok = facts.loopback_error.empty();
  facts.cores = std::thread::hardware_concurrency();
  facts.landlock_abi = confinement().landlock_abi;

  if (options.build_dir) {
    facts.build_dir = options.build_dir;
    // The folder may not exist before the first build: measure the nearest one that does.
    fs::path existing = *options.build_dir;
    std::error_code ec;
    while (!existing.empty() && !fs::exists(existing, ec)) existing = existing.parent_path();
    if (!existing.empty()) facts.build_dir_free_bytes = fs::space(existing, ec).available;
  }
  if (options.workbook_root) {
    std::error_code ec;
    facts.compile_commands_at_root = fs::exists(*options.workbook_root / "compile_commands.json", ec);
  }
  return facts;
}

const char* to_string(Health health) {
  switch (health) {
    case Health::ok: return "ok";
    case Health::warning: return "warning";
    case Health::problem: return "problem";
  }
  return "?";
}

namespace {

Finding examine_compiler(const MachineFacts& f) {
  Finding finding{"compiler", Health::ok, "", ""};
  if (f.compiler_version_output.empty()) {
    finding.health = Health::problem;
    finding.found = "no C++ compiler found (" + f.compiler + " --version failed)";
    finding.fix = "sudo apt-get install g++ (" + std::string(kInstallAll) + ")";
    return finding;
  }
  finding.found = f.compiler_version_output + " (" + f.compiler + ")";
  const auto version = parse_tool_version(f.compiler_version_output);
  const bool clang = f.compiler_version_output.find("clang") != std::string::npos;
  if (!version) {
    finding.health = Health::warning;
    finding.fix = "could not read the compiler's version; the workbook is tested with g++ 12";
  } else if (clang) {
    finding.health = Health::warning;
    finding.fix = "the workbook is tested with g++ 12 (Debian 12's default); clang may need other flags";
  } else if (version->major < kGccTested) {
    finding.health = Health::problem;
    finding.fix = "g++ " + version->text() + " has coroutine bugs the workbook runs into; install g++ 12 "
                  "(sudo apt-get install g++-12, then CXX=g++-12 before the first build)";
  }
  return finding;
}

Finding examine_coroutines(const MachineFacts& f) {
  if (!f.coroutine_probe_ran) return {"C++20 coroutines", Health::problem, "not checked: no compiler", "install g++ first"};
  if (f.coroutine_probe_error.empty()) return {"C++20 coroutines", Health::ok, "a coroutine compiles with -std=c++20", ""};
  return {"C++20 coroutines", Health::problem, "a minimal coroutine does not compile: " + f.coroutine_probe_error,
          "use g++ 12 or newer with its own libstdc++ (sudo apt-get install g++)"};
}

Finding examine_boost(const MachineFacts& f) {
  Finding finding{"Boost", Health::ok, "", ""};
  const std::string install = "sudo apt-get install libboost1.81-dev libboost-filesystem1.81-dev";
  if (!f.boost) {
    finding.health = Health::problem;
    finding.found = "no Boost headers found";
    finding.fix = install + " (" + kInstallAll + ")";
    return finding;
  }
  finding.found = "Boost " + std::to_string(f.boost->major) + "." + std::to_string(f.boost->minor) + " in " +
                  f.boost_header.parent_path().parent_path().string();
  if (f.boost->major != kBoostNeeded.major || f.boost->minor != kBoostNeeded.minor) {
    finding.health = Health::problem;
    const bool debian_default = f.boost->major == 1 && f.boost->minor == 74;
    finding.found += debian_default ? " (Debian 12's default libboost-dev)" : "";
    finding.found += "; the workbook needs 1.81 (Asio's awaitable operators, Process v2)";
    finding.fix = install + (debian_default ? " — it replaces libboost1.74-dev and libboost-dev" : "");
    return finding;
  }
  const bool config = std::any_of(f.boost_cmake_configs.begin(), f.boost_cmake_configs.end(),
                                  [](const ToolVersion& v) { return v.major == 1 && v.minor == 81; });
  if (!config) {
    finding.health = Health::problem;
    finding.found += ", but no Boost-1.81.0 CMake package (find_package cannot find it)";
    finding.fix = install;
  }
  return finding;
}

Finding examine_library(const LibraryFacts& library) {
  if (!library.header.empty()) return {library.name, Health::ok, library.header.string(), ""};
  return {library.name, Health::problem, "not found", "sudo apt-get install " + library.debian_package};
}

Finding examine_cmake(const MachineFacts& f) {
  if (f.cmake_version_output.empty()) {
    return {"CMake", Health::problem, "cmake not found", "sudo apt-get install cmake"};
  }
  const auto version = parse_tool_version(f.cmake_version_output);
  if (version && !at_least(*version, kCMakeNeeded)) {
    return {"CMake", Health::problem, f.cmake_version_output, "the workbook needs CMake 3.25 or newer (Debian 12 has it)"};
  }
  return {"CMake", Health::ok, f.cmake_version_output, ""};
}

Finding examine_tool(const std::string& area, bool found, Health when_missing, const std::string& missing_means,
                     const std::string& package) {
  if (found) return {area, Health::ok, "found", ""};
  return {area, when_missing, "not found: " + missing_means, "sudo apt-get install " + package};
}

Finding examine_open_files(const MachineFacts& f) {
  Finding finding{"open files", Health::ok, "", ""};
  finding.found = "limit " + std::to_string(f.open_files_soft) + " (hard " + std::to_string(f.open_files_hard) + ")";
  if (f.open_files_soft < kOpenFilesForChapters) {
    finding.health = Health::problem;
    finding.fix = "the chapters open hundreds of connections at once: `ulimit -n " +
                  std::to_string(std::min<std::uint64_t>(f.open_files_hard, 4096)) + "` in your shell";
  } else if (f.open_files_soft < kOpenFilesForCapacityBench) {
    finding.health = Health::warning;
    finding.fix = "enough for the chapters; the server capacity bench (10,000 connections) needs `ulimit -n " +
                  std::to_string(kOpenFilesForCapacityBench) + "`" +
                  (f.open_files_hard < kOpenFilesForCapacityBench ? " (above your hard limit: ask your administrator)" : "");
  }
  return finding;
}

Finding examine_cores(const MachineFacts& f) {
  const std::string found = std::to_string(f.cores) + (f.cores == 1 ? " core" : " cores");
  if (f.cores >= 2) return {"cores", Health::ok, found, ""};
  return {"cores", Health::warning, found,
          "chapter 7's scaling tests need two cores and will skip (the rest of the workbook works)"};
}

}  // namespace

Finding examine_grading_sandbox(const MachineFacts& f) {
  const std::string always = "results channel keyed per run, no new privileges";
  const std::string abi = "Landlock ABI " + std::to_string(f.landlock_abi);
  if (f.landlock_abi >= 6)
    return {"grading sandbox", Health::ok,
            always + "; " + abi +
                ": a graded test run writes only in its results folder and cannot signal or trace "
                "the grader",
            ""};
  if (f.landlock_abi >= 1)
    return {
        "grading sandbox", Health::ok,
        always + "; " + abi +
            ": a graded test run writes only in its results folder and cannot trace the grader, "
            "but can signal it",
        "for grading: Linux 6.12 or later (Landlock ABI 6) also keeps signals inside the sandbox"};
  return {"grading sandbox", Health::ok,
          always +
              "; no Landlock: a graded test run can write wherever the grading user can, and "
              "signal the grader",
          "for grading: a kernel with Landlock enabled (CONFIG_SECURITY_LANDLOCK, lsm=…,landlock), "
          "or grade as a dedicated user whose only writable folder is the work folder"};
}

std::vector<Finding> examine_machine(const MachineFacts& f) {
  std::vector<Finding> findings;
  findings.push_back(examine_compiler(f));
  findings.push_back(examine_coroutines(f));
  findings.push_back(examine_boost(f));
  for (const auto& library : f.libraries) findings.push_back(examine_library(library));
  findings.push_back(examine_cmake(f));
  findings.push_back(examine_tool("Ninja", f.ninja_found, Health::problem, "the build uses it", "ninja-build"));
  findings.push_back(examine_tool("pkg-config", f.pkg_config_found, Health::problem,
                                  "cpp-httplib is found through it", "pkg-config"));
  findings.push_back(examine_tool("ccache", f.ccache_found, Health::warning,
                                  "every rebuild compiles from scratch (edit to verdict gets slower)", "ccache"));
  findings.push_back(examine_open_files(f));
  findings.push_back(f.loopback_ok ? Finding{"loopback", Health::ok, "127.0.0.1 accepts connections", ""}
                                   : Finding{"loopback", Health::problem, f.loopback_error,
                                             "the delay server listens on 127.0.0.1: enable the loopback interface (ip link set lo up)"});
  findings.push_back(examine_cores(f));
  findings.push_back(examine_grading_sandbox(f));
  if (f.build_dir) {
    const double gib = double(f.build_dir_free_bytes) / double(1ull << 30);
    char found[64];
    std::snprintf(found, sizeof found, "%.1f GiB free", gib);
    findings.push_back(f.build_dir_free_bytes >= kFreeBytesWanted
                           ? Finding{"disk", Health::ok, found, ""}
                           : Finding{"disk", Health::warning, found, "a full build folder takes about 2 GiB: free some space"});
    findings.push_back(f.compile_commands_at_root
                           ? Finding{"editor", Health::ok, "compile_commands.json at the workbook's root", ""}
                           : Finding{"editor", Health::warning, "no compile_commands.json at the workbook's root",
                                     "run scripts/setup (or any grader check) once: clangd then understands the exercises"});
  }
  return findings;
}

}  // namespace asynclings::grader
