#include "integrity.hpp"

#include <gtest/gtest.h>

using namespace asynclings::grader;

namespace {

std::vector<IntegrityFinding> scan(const std::string& source, IntegrityRules rules = {}) {
  return scan_source("ex1_gather.hpp", source, rules);
}

std::string categories(const std::vector<IntegrityFinding>& findings) {
  std::string out;
  for (const auto& f : findings) out += (out.empty() ? "" : ",") + f.category;
  return out;
}

}  // namespace

TEST(Integrity, WhatAnHonestSolutionWritesPassesTheCheck) {
  const char* honest = R"(#pragma once
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <fmt/format.h>
#include <asynclings/todo.hpp>
#include <asynclings/client/async_client.hpp>
// exit(0) and getenv("X") in a comment are only words
namespace asio = boost::asio;
inline asio::awaitable<void> run(std::vector<int>& v, asio::cancellation_signal& signal) {
  v.erase(std::remove(v.begin(), v.end(), 3), v.end());
  boost::system::error_code ec;
  signal.emit(asio::cancellation_type::terminal);
  socket.open(asio::ip::tcp::v4());
  std::cout << "debug: " << __func__ << " " << __LINE__ << "\n";
  std::printf("%s\n", "exit(1) in a string is text");
  fmt::print("{}\n", v.size());
  co_return;
}
)";
  EXPECT_EQ(categories(scan(honest)), "");
  // What a newcomer writes by habit is left to the tests to judge, not refused.
  EXPECT_EQ(categories(scan("#include <bits/stdc++.h>\n#include <unistd.h>\n#pragma GCC diagnostic ignored \"-Wunused\"\n"
                            "void f() { usleep(1000); auto kill = [] {}; kill(); auto open = [](int) {}; open(1); }")),
            "");
}

TEST(Integrity, EndingTheProcessIsRefusedHoweverItIsSpelled) {
  EXPECT_EQ(categories(scan("void f() { std::_Exit(0); }")), "exit");
  EXPECT_EQ(categories(scan("void f() { ::exit(0); }")), "exit");
  EXPECT_EQ(categories(scan("void f() { std::quick_exit(0); }")), "exit");
  EXPECT_EQ(categories(scan("static int r = std::atexit([] {});")), "exit");
  EXPECT_EQ(categories(scan("void f() { auto leave = std::exit; leave(0); }")), "exit");
  EXPECT_EQ(categories(scan("namespace s = std; void f() { s::exit(0); }")), "exit");
  EXPECT_EQ(categories(scan("void f() { std::longjmp(env, 1); }")), "exit");
  EXPECT_EQ(categories(scan("void f(Loop& loop) { loop.exit(); }")), "") << "a member called exit is someone else's";
  // A backslash-newline inside the name still spells it for the compiler.
  EXPECT_EQ(categories(scan("void f() { _ex\\\nit(0); }")), "exit");
}

TEST(Integrity, TouchingFilesTheEnvironmentProcessesAndSignalsIsRefused) {
  EXPECT_EQ(categories(scan("#include <fstream>\n")), "files");
  EXPECT_EQ(categories(scan("auto p = std::getenv(\"GTEST_OUTPUT\");")), "environment,files");
  EXPECT_EQ(categories(scan("auto f = fopen(\"r\", \"w\");")), "files");
  EXPECT_EQ(categories(scan("const char* p = \"/proc/self/cmdline\";")), "files");
  EXPECT_EQ(categories(scan("int pid = fork();")), "processes");
  EXPECT_EQ(categories(scan("void f() { std::system(\"x\"); }")), "processes");
  EXPECT_EQ(categories(scan("void f() { ::kill(getppid(), 9); }")), "signals,processes");
  EXPECT_EQ(categories(scan("void f(int pid) { kill(pid, 9); }")), "signals");
  EXPECT_EQ(categories(scan("auto p = &::kill;")), "signals");
  EXPECT_EQ(categories(scan("namespace p = std; auto run = &p::system;")), "processes");
  EXPECT_EQ(categories(scan("using namespace boost; system::error_code ec; boost::system::error_code e2;")), "");
}

TEST(Integrity, TheTestFrameworkAndTheLinkerAreOffLimits) {
  EXPECT_EQ(categories(scan("#include <gtest/gtest.h>\n")), "test-framework");
  EXPECT_EQ(categories(scan("struct L : testing::EmptyTestEventListener {};")), "test-framework,test-framework");
  EXPECT_EQ(categories(scan("TEST(Gather, Forged) {}")), "test-framework");
  EXPECT_EQ(categories(scan("__attribute__((constructor)) void f() {}")), "linker");
  EXPECT_EQ(categories(scan("[[gnu::constructor]] void f() {}")), "linker");
  EXPECT_EQ(categories(scan("extern char** __libc_argv;")), "linker,linker");
  EXPECT_EQ(categories(scan("void f() { asm(\"nop\"); }")), "linker");
}

TEST(Integrity, MacrosThatRenameWhatTheTestsUseAreRefused) {
  IntegrityRules rules;
  rules.test_identifiers = identifiers_of("TEST_F(Gather, X) { EXPECT_EQ(gather(v), expected); }");
  EXPECT_EQ(categories(scan("#define gather(x) fake(x)\n", rules)), "preprocessor");
  EXPECT_EQ(categories(scan("#define EXPECT_EQ(a, b)\n", rules)), "preprocessor,test-framework");
  EXPECT_EQ(categories(scan("#undef NDEBUG\n", rules)), "preprocessor");
  EXPECT_EQ(categories(scan("#define private public\n", rules)), "preprocessor");
  EXPECT_EQ(categories(scan("#define CAT(a, b) a##b\n", rules)), "preprocessor");
  EXPECT_EQ(categories(scan("#define MY_LIMIT 3\n", rules)), "") << "a macro of the student's own is fine";
}

TEST(Integrity, IncludesOutsideTheExercisesSetAreRefused) {
  IntegrityRules rules;
  rules.local_files = {"ex1_gather.hpp", "ex2_spawn.hpp"};
  EXPECT_EQ(categories(scan("#include \"ex2_spawn.hpp\"\n", rules)), "");
  EXPECT_EQ(categories(scan("#include \"../tests/ex1_gather_test.cpp\"\n", rules)), "includes");
  EXPECT_EQ(categories(scan("#include \"/etc/passwd\"\n", rules)), "includes");
  EXPECT_EQ(categories(scan("#include <boost/process/v2.hpp>\n", rules)), "processes");
  EXPECT_EQ(categories(scan("#include <asynclings/testkit/diagnosis.hpp>\n", rules)), "test-framework");
  EXPECT_EQ(categories(scan("#define H <sstream>\n#include H\n", rules)), "preprocessor");
}

TEST(Integrity, AnExerciseMayAllowWhatItNeeds) {
  IntegrityRules rules;
  rules.allowed_categories = {"processes", "signals"};
  EXPECT_EQ(categories(scan("#include <boost/process/v2.hpp>\nvoid f(int pid) { ::kill(-pid, 9); }", rules)), "");
}

TEST(Integrity, AFindingNamesTheFileTheLineAndWhy) {
  const auto findings = scan("#pragma once\n\nstatic auto x = std::getenv(\"HOME\");\n");
  ASSERT_EQ(findings.size(), 1u);
  const std::string text = describe(findings[0]);
  EXPECT_NE(text.find("ex1_gather.hpp:3: `std::getenv` is not allowed in this exercise"), std::string::npos) << text;
}

TEST(Integrity, TheTestsAFileDeclaresAreListed) {
  const auto tests = declared_tests(
      "TEST(Gather, A) {}\nTEST_F(ServerGather,\n  B) {}\n// TEST(Gather, Comment) {}\nTEST(Gather, DISABLED_C) {}");
  EXPECT_EQ(tests, (std::set<std::string>{"Gather.A", "ServerGather.B"}));
}
