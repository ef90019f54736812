#!/usr/bin/env bash
# Submissions that try to forge a PASS (docs/grading-integrity.md). Each technique is added
# to an untouched stub of ch01 ex1 and graded as CI grades: the trusted copy's tests
# (--tests-from), only the edited file from the submission. Every one must be graded
# TAMPERED (or, for fake output, not passed), say what was found, and leave nothing running.
# An honest submission that prints debug output still passes.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trusted=$WORK/workbook
sub=$WORK/forgery
build=$WORK/workbook/build-submission
ch=exercises/ch01-generators
stub=$SRC/$ch/ex1_generator.hpp
report_dir=$build/grader-results

rm -rf "$sub"
mkdir -p "$sub/exercises"
cp -r "$SRC/$ch" "$sub/exercises/"

# grade NAME EXPECTED_STATUS EXPECTED_TEXT: grades the current submission of ex1.
grade() {
  local name=$1 status=$2 text=$3
  local json=$WORK/forgery-$name.json out=$WORK/forgery-$name.txt
  run "$out" "$GRADER" check ch1 ex1 --root "$sub" --tests-from "$trusted" --build-dir "$build" --format json --output "$json"
  [ "$RC" -ne 0 ] || fail "$name: graded with exit code 0"
  expect_field "$json" ex1 status "$status"
  [ -z "$text" ] || expect_in "$out" "$text" "$name: the verdict's explanation"
  expect_no_process_from "$build"
  [ ! -e "$WORK/forged-marker" ] || fail "$name: the forgery's code ran"
  echo "  $name: $status"
}
# forge NAME EXPECTED_TEXT: the stub with the heredoc on stdin appended.
forge() {
  { cat "$stub"; echo; cat; } >"$sub/$ch/ex1_generator.hpp"
  grade "$1" tampered "$2"
}

forge static-initializer-writes-report-and-exits "is not allowed in this exercise" <<'CPP'
#include <fstream>
#include <unistd.h>
namespace { struct Forge { Forge() {
  std::ifstream cmdline("/proc/self/cmdline");
  std::string arg, path;
  while (std::getline(cmdline, arg, '\0')) if (arg.rfind("--gtest_output=json:", 0) == 0) path = arg.substr(20);
  std::ofstream(path) << R"({"tests": 1, "failures": 0, "testsuites": [{"name": "Generator", "testsuite": [{"name": "Forged", "status": "RUN", "result": "COMPLETED", "time": "0s"}]}]})";
  _exit(0);
} } forge; }
CPP
forge atexit-rewrites-report "std::atexit" <<'CPP'
#include <cstdlib>
namespace { int registered = std::atexit([] { /* rewrite the report as all passed */ }); }
CPP
forge exit-from-a-test "exit" <<'CPP'
namespace ch01 { inline void give_up() { ::_exit(0); } }
CPP
forge quick-exit "quick_exit" <<'CPP'
#include <cstdlib>
namespace ch01 { inline void give_up() { std::quick_exit(0); } }
CPP
forge redefined-assertion-macro "#define EXPECT_EQ" <<'CPP'
#define EXPECT_EQ(a, b) (void)0
#define ASSERT_EQ(a, b) (void)0
CPP
forge listener-flips-results "testing::" <<'CPP'
namespace { struct Flip : testing::EmptyTestEventListener {}; }
CPP
forge forged-report-in-results-folder "ofstream" <<'CPP'
#include <fstream>
namespace { bool forged = (std::ofstream("grader-results/ch01-generators-ex1-exercise.json") << "{}", true); }
CPP
forge symlinked-results-path "filesystem" <<'CPP'
#include <filesystem>
namespace { bool linked = (std::filesystem::create_symlink("/tmp/forged.json", "grader-results/x.json"), true); }
CPP
forge writes-into-the-trusted-copy "fopen" <<'CPP'
#include <cstdio>
namespace { bool wrote = std::fopen("../exercises/ch01-generators/tests/ex1_generator_test.cpp", "w") != nullptr; }
CPP
forge kills-the-grader "kill" <<'CPP'
#include <csignal>
namespace { int killed = ::kill(getppid(), SIGKILL); }
CPP
forge includes-the-trusted-tests "../tests/ex1_generator_test.cpp" <<'CPP'
#include "../tests/ex1_generator_test.cpp"
CPP
forge spawned-process-rewrites-later "fork" <<'CPP'
namespace { int child = fork(); }
CPP
forge token-pasting-hides-a-name "##" <<'CPP'
#define JOIN(a, b) a##b
namespace { int gone = (JOIN(_ex, it)(0), 0); }
CPP
forge constructor-attribute "__attribute__" <<'CPP'
__attribute__((constructor)) static void early() {}
CPP
forge reads-argv-through-the-linker "extern" <<'CPP'
extern char** __libc_argv;
CPP
forge inline-assembly "asm" <<'CPP'
namespace { inline void leave() { asm volatile("mov $60, %eax; syscall"); } }
CPP
forge replaces-a-testkit-function "testkit" <<'CPP'
namespace asynclings::testkit { inline void diagnose(const std::string&, const std::string&) {} }
CPP
forge name-split-by-a-line-continuation "_exit" <<'CPP'
namespace ch01 { inline void give_up() { _ex\
it(0); } }
CPP
# Plain C++ that reaches GoogleTest, the loader or the libraries without the names above. The
# submission's header comes first in the test's source, so what it declares or defines is seen
# by every header after it (GoogleTest's included).
forge overload-googletest-prefers "testing" <<'CPP'
namespace testing { class AssertionResult; namespace internal {
template <class R = AssertionResult, class T> R CmpHelperEQ(const char*, const char*, const T&, const T&) { return R(true); }
} }
CPP
forge using-namespace-testing "testing" <<'CPP'
using namespace testing;
CPP
forge testkit-namespace-through-an-alias "asynclings" <<'CPP'
namespace kit = asynclings;
CPP
forge operator-eq-in-namespace-std "namespace std" <<'CPP'
#include <vector>
namespace std { inline bool operator==(const vector<int>&, const vector<int>&) { return true; } }
CPP
forge operator-eq-specialised-from-outside "template <> std::" <<'CPP'
#include <vector>
template <> constexpr bool std::operator==(const std::vector<int>&, const std::vector<int>&) { return true; }
CPP
forge preinit-array-via-using-attribute "[[using" <<'CPP'
namespace { void first(int, char**, char**) {} [[using gnu: section(".preinit_array"), used]] void (*early)(int, char**, char**) = first; }
CPP
forge pragma-operator "_Pragma" <<'CPP'
_Pragma("redefine_extname give_up _exit")
CPP
forge import-directive "#import" <<'CPP'
#import "../tests/ex1_generator_test.cpp"
CPP
forge header-name-with-slashes "boost/asio//" <<'CPP'
#include <boost/asio//../../../../../../../usr/include/gtest/gtest.h>
CPP
forge lower-case-macro-renames-failures "#define kNonFatalFailure" <<'CPP'
#define kNonFatalFailure kSuccess
CPP
forge googletest-local-name "gtest_ar" <<'CPP'
#define ASSERTION gtest_ar
CPP
forge include-guard-hides-googletest "GOOGLETEST_" <<'CPP'
#define GOOGLETEST_INCLUDE_GTEST_GTEST_H_
CPP
forge asserts-switched-off "#define NDEBUG" <<'CPP'
#define NDEBUG 1
CPP
forge parenthesised-system-call "kill" <<'CPP'
#include <bits/stdc++.h>
namespace ch01 { inline int give_up() { return (kill)(0, 9); } }
CPP
forge system-call-through-a-pointer "kill" <<'CPP'
#include <bits/stdc++.h>
namespace { int (*stop)(int, int) = kill; }
CPP
forge path-split-across-literals "/proc" <<'CPP'
namespace { const char* where = "/pr" "oc/self/cmdline"; }
CPP
forge library-internals "detail" <<'CPP'
#include <boost/asio.hpp>
namespace { boost::system::error_code ec; int fd = (boost::asio::detail::descriptor_ops::open)("r", 65, ec); }
CPP
forge file-through-fmt "fmt/os.h" <<'CPP'
#include <fmt/os.h>
CPP

# A header the submission adds to its folder (gtest/gtest.h that empties every TEST) is not
# its to give: only the edited files reach the build, so the real GoogleTest runs the stub.
mkdir -p "$sub/$ch/gtest"
cat >"$sub/$ch/gtest/gtest.h" <<'CPP'
#include_next <gtest/gtest.h>
#undef TEST
#define TEST(suite, name) GTEST_TEST(suite, name) {} [[maybe_unused]] static void suite##_##name##_body()
CPP
cp "$stub" "$sub/$ch/ex1_generator.hpp"
grade header-added-beside-the-exercise not_started ""
rm -r "$sub/$ch/gtest"

# Printing GoogleTest's success lines proves nothing: the verdict comes from the report.
{ cat "$stub"; echo; cat <<'CPP'; } >"$sub/$ch/ex1_generator.hpp"
#include <cstdio>
namespace { int printed = std::printf("[==========] 8 tests from 1 test suite ran.\n[  PASSED  ] 8 tests.\n"); }
CPP
grade prints-fake-googletest-output not_started ""

# An honest solution with debug printing passes, and nothing was flagged.
{ cat "$SRC/solutions/ch01-generators/ex1_generator.hpp"; echo; cat <<'CPP'; } >"$sub/$ch/ex1_generator.hpp"
#include <iostream>
#include <fmt/format.h>
namespace { int noted = (std::cout << "debug: " << __func__ << "\n", fmt::print("{}\n", 42), 0); }
CPP
json=$WORK/forgery-honest.json
run "$WORK/forgery-honest.txt" "$GRADER" check ch1 ex1 --root "$sub" --tests-from "$trusted" --build-dir "$build" --format json --output "$json"
expect_rc 0 "an honest solution that prints"
expect_field "$json" ex1 status passed
expect_no_process_from "$build"
finish
