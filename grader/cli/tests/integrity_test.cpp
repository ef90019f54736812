#include "core/integrity.hpp"

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
  EXPECT_EQ(categories(scan("#include <bits/stdc++.h>\n#include <unistd.h>\n#pragma GCC diagnostic "
                            "ignored \"-Wunused\"\n"
                            "void f() { usleep(1000); auto kill = [] {}; kill(); auto open = "
                            "[](int) {}; open(1); }")),
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
  EXPECT_EQ(categories(scan("void f(Loop& loop) { loop.exit(); }")), "")
      << "a member called exit is someone else's";
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
  EXPECT_EQ(categories(scan(
                "using namespace boost; system::error_code ec; boost::system::error_code e2;")),
            "");
}

TEST(Integrity, TheTestFrameworkAndTheLinkerAreOffLimits) {
  EXPECT_EQ(categories(scan("#include <gtest/gtest.h>\n")), "test-framework");
  EXPECT_EQ(categories(scan("struct L : testing::EmptyTestEventListener {};")),
            "test-framework,test-framework");
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
  EXPECT_EQ(categories(scan("#define MY_LIMIT 3\n", rules)), "")
      << "a macro of the student's own is fine";
}

TEST(Integrity, IncludesOutsideTheExercisesSetAreRefused) {
  IntegrityRules rules;
  rules.local_files = {"ex1_gather.hpp", "ex2_spawn.hpp"};
  EXPECT_EQ(categories(scan("#include \"ex2_spawn.hpp\"\n", rules)), "");
  EXPECT_EQ(categories(scan("#include \"../tests/ex1_gather_test.cpp\"\n", rules)), "includes");
  EXPECT_EQ(categories(scan("#include \"/etc/passwd\"\n", rules)), "includes");
  EXPECT_EQ(categories(scan("#include <boost/process/v2.hpp>\n", rules)), "processes");
  EXPECT_EQ(categories(scan("#include <asynclings/testkit/diagnosis.hpp>\n", rules)),
            "test-framework");
  EXPECT_EQ(categories(scan("#define H <sstream>\n#include H\n", rules)), "preprocessor");
}

// What a submission could otherwise write to forge a PASS without the names above: each was
// graded PASS, or ran code of its choosing before the testkit, before the check knew it.
TEST(Integrity, GoogleTestsNamespaceIsRefusedHoweverItIsReached) {
  // A CmpHelperEQ more specialised than GoogleTest's: every EXPECT_EQ of two values of one type
  // would hold (the submission's header comes before <gtest/gtest.h> in the test's source).
  EXPECT_EQ(
      categories(scan(
          "namespace testing { class AssertionResult; namespace internal {\n"
          "template <class R = AssertionResult, class T>\n"
          "R CmpHelperEQ(const char*, const char*, const T&, const T&) { return R(true); } } }")),
      "test-framework");
  EXPECT_EQ(categories(scan("using namespace testing;")), "test-framework");
  EXPECT_EQ(categories(scan("namespace t = testing;")), "test-framework");
  EXPECT_EQ(categories(scan("void f() { gtest_ar_ = {}; }")), "test-framework");
  EXPECT_EQ(categories(scan("#define GOOGLETEST_INCLUDE_GTEST_GTEST_H_\n")),
            "preprocessor,test-framework");
}

TEST(Integrity, AttributesAreRefusedInEverySpelling) {
  // Code in .preinit_array runs before the testkit takes the results channel's key.
  EXPECT_EQ(categories(scan("[[using gnu: section(\".preinit_array\"), used]] void (*early)(int, "
                            "char**, char**) = f;")),
            "linker,linker");
  EXPECT_EQ(categories(scan("[[ using clang : constructor ]] void f() {}")), "linker,linker");
  EXPECT_EQ(categories(scan("<:<:gnu::constructor:>:> void f() {}")), "linker");
  EXPECT_EQ(categories(scan("[[nodiscard]] int f(); [[maybe_unused]] int x = 0;")), "");
}

TEST(Integrity, ALibrarysNamespaceIsNotReopened) {
  // An operator== for std::vector<int> that always says true, found by the tests' EXPECT_EQ.
  EXPECT_EQ(categories(scan("namespace std { inline bool operator==(const vector<int>&, const "
                            "vector<int>&) { return true; } }")),
            "linker");
  EXPECT_EQ(categories(scan("template <> constexpr bool std::operator==(const std::vector<int>&, "
                            "const std::vector<int>&) {\n"
                            "  return true;\n}")),
            "linker");
  EXPECT_EQ(categories(scan("namespace boost::asio { }")), "linker");
  EXPECT_EQ(categories(scan("namespace asynclings { }")), "test-framework");
  EXPECT_EQ(categories(scan("auto d = asynclings::diagnoses::frame_leak;")), "test-framework");
  EXPECT_EQ(categories(scan("namespace a = asynclings; auto d = a::diagnoses::frame_leak;")),
            "test-framework");
  EXPECT_EQ(categories(scan("auto* b = boost::asio::detail::descriptor_ops::open;")), "linker");
  EXPECT_EQ(categories(scan("namespace a = boost::asio; auto x = a::detail::socket_ops::close;")),
            "linker");
  // What solutions write: a specialisation, a using-directive, the client, their own detail.
  EXPECT_EQ(
      categories(
          scan("template <> struct std::hash<Key> { std::size_t operator()(const Key&) const; };\n"
               "template <> int parse<int>(const std::string& s) { return std::stoi(s); }\n"
               "using namespace std::chrono_literals;\n"
               "asynclings::client::AsyncClient* c = nullptr;\n"
               "namespace ch06 { namespace detail { int f(); } int g() { return detail::f(); } }")),
      "");
}

TEST(Integrity, OnlyTheUsualDirectivesAreAllowed) {
  EXPECT_EQ(categories(scan("#import \"../tests/ex1_gather_test.cpp\"\n")), "preprocessor");
  EXPECT_EQ(categories(scan("#ident \"x\"\n")), "preprocessor");
  EXPECT_EQ(categories(scan("# 1 \"ex1_gather_test.cpp\"\n")), "preprocessor");
  EXPECT_EQ(categories(scan("_Pragma(\"weak fopen\")\n")), "preprocessor");
  EXPECT_EQ(
      categories(
          scan("#if 0\n#elif 1\n#else\n#endif\n#ifndef MY_H\n#define MY_H\n#endif\n#\n#error x\n")),
      "");
}

TEST(Integrity, HeaderNamesAreReadAsTheCompilerReadsThem) {
  // `//` inside <…> is part of the name, not a comment: this path leaves boost/asio.
  EXPECT_EQ(categories(scan(
                "#include <boost/asio//../../../work/exercises/ch03/tests/ex1_gather_test.cpp>\n")),
            "includes");
  EXPECT_EQ(categories(scan("#include <asynclings/client//../testkit/diagnosis.hpp>\n")),
            "includes");
  EXPECT_EQ(
      categories(scan("#include <asynclings/client/async_client.hpp>\n#include <vector> // ok\n")),
      "");
  // Libraries that write files.
  EXPECT_EQ(categories(scan("#include <fmt/os.h>\n")), "files");
  EXPECT_EQ(categories(scan("#include <boost/property_tree/json_parser.hpp>\n")), "files");
  EXPECT_EQ(categories(scan("#include <boost/beast/core/file.hpp>\n")), "files");
  EXPECT_EQ(categories(scan("void f() { fmt::output_file(name).print(\"x\"); }")), "files");
}

TEST(Integrity, AMacroNamedLikeCodeIsRefusedWithItsReason) {
  // The submission's header comes first: this would rename GoogleTest's failure kind in every
  // EXPECT_* the tests expand after it.
  const auto findings = scan("#define kNonFatalFailure kSuccess\n");
  ASSERT_EQ(categories(findings), "preprocessor");
  EXPECT_NE(describe(findings[0]).find("CAPITALS"), std::string::npos) << describe(findings[0]);
  EXPECT_EQ(categories(scan("#define NDEBUG 1\n")), "preprocessor");
  EXPECT_EQ(categories(scan("#define BOOST_ASIO_NO_TS_EXECUTORS\n")), "preprocessor");
  EXPECT_EQ(categories(scan("#define DEBUG_LOG(x) std::cerr << x\n")), "");
}

TEST(Integrity, SystemFunctionsAreRefusedWhenParenthesisedOrHandedOn) {
  EXPECT_EQ(categories(scan("int r = (kill)(0, 9);")), "signals");
  EXPECT_EQ(categories(scan("int (*k)(int, int) = kill;")), "signals");
  EXPECT_EQ(categories(scan("void g() { install(signal); }")), "signals");
  EXPECT_EQ(categories(scan("int fd = (open)(name, 65, 0644);")), "files");
  EXPECT_EQ(categories(scan("int r = std::remove(name);")), "files");
  EXPECT_EQ(categories(scan("const char* p = \"/pr\" \"oc/self/cmdline\";")), "files");
  // A name the file declares is its own.
  EXPECT_EQ(categories(scan("void f(asio::cancellation_signal& signal) { g(signal); }\n"
                            "void h() { bool open = true; use(open); }")),
            "");
}

TEST(Integrity, AnExerciseMayAllowWhatItNeeds) {
  IntegrityRules rules;
  rules.allowed_categories = {"processes", "signals"};
  EXPECT_EQ(categories(scan("#include <boost/process/v2.hpp>\nvoid f(int pid) { ::kill(-pid, 9); }",
                            rules)),
            "");
}

TEST(Integrity, AFindingNamesTheFileTheLineAndWhy) {
  const auto findings = scan("#pragma once\n\nstatic auto x = std::getenv(\"HOME\");\n");
  ASSERT_EQ(findings.size(), 1u);
  const std::string text = describe(findings[0]);
  EXPECT_NE(text.find("ex1_gather.hpp:3: `std::getenv` is not allowed in this exercise"),
            std::string::npos)
      << text;
}

TEST(Integrity, TheTestsAFileDeclaresAreListed) {
  const auto tests = declared_tests(
      "TEST(Gather, A) {}\nTEST_F(ServerGather,\n  B) {}\n// TEST(Gather, Comment) "
      "{}\nTEST(Gather, DISABLED_C) {}");
  EXPECT_EQ(tests, (std::set<std::string>{"Gather.A", "ServerGather.B"}));
}
