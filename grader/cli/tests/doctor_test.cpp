#include "core/doctor_checks.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace asynclings::grader;

namespace {

// A machine with everything: each test takes one thing away.
MachineFacts healthy_machine() {
  MachineFacts f;
  f.compiler = "c++";
  f.compiler_version_output = "c++ (Debian 12.2.0-14+deb12u1) 12.2.0";
  f.coroutine_probe_ran = true;
  f.boost = ToolVersion{1, 81, 0};
  f.boost_header = "/usr/include/boost/version.hpp";
  f.boost_cmake_configs = {ToolVersion{1, 81, 0}};
  f.libraries = {{"GoogleTest", "libgtest-dev", "/usr/include/gtest/gtest.h"}};
  f.cmake_version_output = "cmake version 3.25.1";
  f.ninja_found = f.ccache_found = f.pkg_config_found = true;
  f.open_files_soft = f.open_files_hard = 1 << 20;
  f.loopback_ok = true;
  f.cores = 2;
  return f;
}

Finding finding(const std::vector<Finding>& findings, const std::string& area) {
  const auto it = std::find_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.area == area; });
  if (it == findings.end()) throw std::runtime_error("no finding for " + area);
  return *it;
}

int count(const std::vector<Finding>& findings, Health health) {
  return int(std::count_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.health == health; }));
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("asynclings-doctor-test-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST(Doctor, ReadsVersionsTheWayTheToolsPrintThem) {
  EXPECT_EQ(parse_tool_version("g++ (Debian 12.2.0-14+deb12u1) 12.2.0")->text(), "12.2.0");
  EXPECT_EQ(parse_tool_version("Debian clang version 14.0.6")->text(), "14.0.6");
  EXPECT_EQ(parse_tool_version("cmake version 3.25.1\n\nCMake suite maintained")->text(), "3.25.1");
  EXPECT_EQ(parse_tool_version("Boost-1.81.0")->text(), "1.81.0");
  EXPECT_FALSE(parse_tool_version("no digits here"));
  EXPECT_EQ(parse_boost_version_header("//  BOOST_LIB_VERSION must be\n#define BOOST_LIB_VERSION \"1_74\"\n")->text(), "1.74.0");
  EXPECT_FALSE(parse_boost_version_header("#define BOOST_VERSION 108100\n"));
}

TEST(Doctor, FindsNothingToFixOnAMachineWithEverything) {
  const auto findings = examine_machine(healthy_machine());
  EXPECT_EQ(count(findings, Health::problem), 0);
  EXPECT_EQ(count(findings, Health::warning), 0);
}

TEST(Doctor, SaysBoost174IsDebiansDefaultAndNamesThePackageThatReplacesIt) {
  auto facts = healthy_machine();
  facts.boost = ToolVersion{1, 74, 0};
  const auto& boost = finding(examine_machine(facts), "Boost");
  EXPECT_EQ(boost.health, Health::problem);
  EXPECT_NE(boost.found.find("1.74"), std::string::npos) << boost.found;
  EXPECT_NE(boost.found.find("needs 1.81"), std::string::npos) << boost.found;
  EXPECT_NE(boost.fix.find("libboost1.81-dev libboost-filesystem1.81-dev"), std::string::npos)
      << boost.fix;
  EXPECT_NE(boost.fix.find("replaces libboost1.74-dev"), std::string::npos) << boost.fix;
}

TEST(Doctor, ReadsTheBoostVersionFromTheHeaderItFinds) {
  TempDir dir;
  fs::create_directories(dir.path / "include/boost");
  std::ofstream(dir.path / "include/boost/version.hpp") << "#define BOOST_LIB_VERSION \"1_74\"\n";
  ProbeOptions options;
  options.include_dirs = {dir.path / "include"};
  options.cmake_package_dirs = {dir.path / "cmake"};
  options.compiler = "/nonexistent/c++";
  const auto facts = probe_machine(options);
  ASSERT_TRUE(facts.boost);
  EXPECT_EQ(facts.boost->text(), "1.74.0");
  EXPECT_TRUE(facts.compiler_version_output.empty()) << "a compiler that does not exist was found";
  const auto findings = examine_machine(facts);
  EXPECT_EQ(finding(findings, "Boost").health, Health::problem);
  EXPECT_EQ(finding(findings, "compiler").health, Health::problem);
  EXPECT_EQ(finding(findings, "GoogleTest").health, Health::problem) << "no gtest header in the fake include folder";
  EXPECT_NE(finding(findings, "GoogleTest").fix.find("libgtest-dev"), std::string::npos);
}

TEST(Doctor, WantsTheBoostCMakePackageNotOnlyItsHeaders) {
  auto facts = healthy_machine();
  facts.boost_cmake_configs = {ToolVersion{1, 74, 0}};
  const auto& boost = finding(examine_machine(facts), "Boost");
  EXPECT_EQ(boost.health, Health::problem);
  EXPECT_NE(boost.found.find("CMake package"), std::string::npos) << boost.found;
}

TEST(Doctor, RejectsACompilerOlderThanG12AndOnlyWarnsAboutClang) {
  auto facts = healthy_machine();
  facts.compiler_version_output = "g++ (Debian 10.2.1-6) 10.2.1 20210110";
  EXPECT_EQ(finding(examine_machine(facts), "compiler").health, Health::problem);
  facts.compiler_version_output = "Debian clang version 14.0.6";
  EXPECT_EQ(finding(examine_machine(facts), "compiler").health, Health::warning);
}

TEST(Doctor, ReportsACoroutineProbeThatDidNotCompile) {
  auto facts = healthy_machine();
  facts.coroutine_probe_error = "probe.cpp:1:10: fatal error: coroutine: No such file or directory";
  const auto& coroutines = finding(examine_machine(facts), "C++20 coroutines");
  EXPECT_EQ(coroutines.health, Health::problem);
  EXPECT_NE(coroutines.found.find("No such file"), std::string::npos);
}

TEST(Doctor, GradesTheOpenFileLimitForTheChaptersAndForTheCapacityBench) {
  auto facts = healthy_machine();
  facts.open_files_soft = 256;
  EXPECT_EQ(finding(examine_machine(facts), "open files").health, Health::problem);
  facts.open_files_soft = 1024;
  const auto& enough = finding(examine_machine(facts), "open files");
  EXPECT_EQ(enough.health, Health::warning);
  EXPECT_NE(enough.fix.find("ulimit -n 10240"), std::string::npos) << enough.fix;
}

TEST(Doctor, WarnsOnOneCoreThatChapterSevenSkipsItsScalingTests) {
  auto facts = healthy_machine();
  facts.cores = 1;
  const auto& cores = finding(examine_machine(facts), "cores");
  EXPECT_EQ(cores.health, Health::warning);
  EXPECT_NE(cores.fix.find("skip"), std::string::npos);
}

TEST(Doctor, ProblemsForMissingBuildToolsAndAWarningForMissingCcache) {
  auto facts = healthy_machine();
  facts.ninja_found = false;
  facts.ccache_found = false;
  facts.cmake_version_output = "cmake version 3.18.4";
  const auto findings = examine_machine(facts);
  EXPECT_EQ(finding(findings, "Ninja").health, Health::problem);
  EXPECT_EQ(finding(findings, "ccache").health, Health::warning);
  EXPECT_EQ(finding(findings, "CMake").health, Health::problem);
}

TEST(Doctor, ChecksTheBuildFolderOnlyInsideAWorkbook) {
  auto facts = healthy_machine();
  EXPECT_THROW(finding(examine_machine(facts), "disk"), std::runtime_error);
  facts.build_dir = "/work/build";
  facts.build_dir_free_bytes = 1ull << 30;
  const auto findings = examine_machine(facts);
  EXPECT_EQ(finding(findings, "disk").health, Health::warning);
  EXPECT_EQ(finding(findings, "editor").health, Health::warning) << "no compile_commands.json at the root";
}

TEST(Doctor, ProbesThisMachinesLoopbackAndCores) {
  ProbeOptions options;
  options.compiler = "/nonexistent/c++";  // keep the test fast: no compiler run
  const auto facts = probe_machine(options);
  EXPECT_TRUE(facts.loopback_ok) << facts.loopback_error;
  EXPECT_GE(facts.cores, 1u);
  EXPECT_GT(facts.open_files_soft, 0u);
}

TEST(Doctor, SaysWhichProtectionsAGradedRunGetsWithoutEverMakingThemAProblem) {
  MachineFacts f = healthy_machine();
  f.landlock_abi = 7;
  auto sandbox = examine_grading_sandbox(f);
  EXPECT_EQ(sandbox.health, Health::ok);
  EXPECT_NE(sandbox.found.find("cannot signal or trace the grader"), std::string::npos)
      << sandbox.found;
  EXPECT_TRUE(sandbox.fix.empty());
  f.landlock_abi = 3;
  sandbox = examine_grading_sandbox(f);
  EXPECT_NE(sandbox.found.find("but can signal it"), std::string::npos) << sandbox.found;
  EXPECT_NE(sandbox.fix.find("Landlock ABI 6"), std::string::npos) << sandbox.fix;
  f.landlock_abi = 0;
  sandbox = examine_grading_sandbox(f);
  EXPECT_EQ(sandbox.health, Health::ok);
  EXPECT_NE(sandbox.found.find("no Landlock"), std::string::npos) << sandbox.found;
  EXPECT_NE(sandbox.found.find("results channel keyed per run"), std::string::npos)
      << sandbox.found;
}
