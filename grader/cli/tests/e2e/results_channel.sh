#!/usr/bin/env bash
# Forgeries that only the results channel stops (docs/grading-integrity.md). The trusted copy
# allows ch01 ex1 what an exercise like ch07's process pool allows (ending the process, files,
# the environment, POSIX calls), so the static check lets these through; each writes a report
# that lists exactly the trusted tests, all passed, and ends the process with code 0 — what
# the report check and the early exit cannot tell from a real run. The grader's own record of
# the run (the testkit's keyed lines on the channel pipe) disagrees: TAMPERED, nothing left
# running. The stub and the reference solution are graded as before under the same allowances,
# and the graded run is confined where the machine has Landlock. Works under $WORK/results_channel.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
base=$WORK/results_channel ch=ch01-generators
# The build folder at the depth of grade-batch's (class_view.sh): the trusted files have the
# same relative paths, so both share ccache entries.
trusted=$base/trusted sub=$base/submission build=$base/work/builds/forger
stub=$SRC/exercises/$ch/ex1_generator.hpp

copy_workbook "$trusted"
manifest=$trusted/exercises/$ch/chapter.json
edit_line='"edit": \["ex1_generator.hpp"\],'
grep -q "$edit_line" "$manifest" || fail "the ch01 manifest no longer has ex1's edit line"
sed -i "s|$edit_line|&\n      \"allow\": [\"exit\", \"files\", \"environment\", \"posix\"],|" "$manifest"
grep -q '"allow": \["exit", "files", "environment", "posix"\]' "$manifest" || fail "could not allow ex1 the forgers' constructs"

# The report a forger writes: every test the trusted file declares, passed.
tests_json=$(grep -oE '^TEST(_F)?\([A-Za-z0-9_]+, [A-Za-z0-9_]+\)' "$trusted/exercises/$ch/tests/ex1_generator_test.cpp" |
  sed -E 's/^TEST(_F)?\(([A-Za-z0-9_]+), ([A-Za-z0-9_]+)\)/{"classname": "\2", "name": "\3", "status": "RUN", "result": "COMPLETED", "time": "0s"}/' |
  paste -sd, -)
[ -n "$tests_json" ] || fail "no TEST declarations found in the trusted ex1 test file"
forged_report="{\"testsuites\": [{\"name\": \"Forged\", \"testsuite\": [$tests_json]}]}"
# C++ that writes it where the grader asked GoogleTest to write its report.
forger_cpp="#include <fstream>
#include <string>
#include <unistd.h>
namespace forgery {
inline std::string report_path() {
  std::ifstream cmdline(\"/proc/self/cmdline\");
  std::string arg, path;
  while (std::getline(cmdline, arg, '\\0')) if (arg.rfind(\"--gtest_output=json:\", 0) == 0) path = arg.substr(20);
  return path;
}
inline void write_passing_report() { std::ofstream(report_path()) << R\"(${forged_report})\"; }
}"

rm -rf "$sub"
mkdir -p "$sub/exercises/$ch"
cp "$SRC/exercises/$ch/"*.hpp "$sub/exercises/$ch/"

# grade NAME STATUS [TEXT]: grades ex1 of the submission with the trusted copy's tests.
grade() {
  local name=$1 status=$2 text=${3:-}
  local json=$base/$name.json out=$base/$name.txt
  run "$out" "$GRADER" check ch1 ex1 --root "$sub" --tests-from "$trusted" --build-dir "$build" --format json --output "$json"
  expect_field "$json" ex1 status "$status"
  [ -z "$text" ] || expect_in "$out" "$text" "$name: the verdict's explanation"
  expect_no_process_from "$build"
  echo "  $name: $status"
}
# forge NAME TEXT: the forger's helpers, the stub, then the heredoc on stdin.
forge() {
  { echo "$forger_cpp"; cat "$stub"; echo; cat; } >"$sub/exercises/$ch/ex1_generator.hpp"
  grade "$1" tampered "$2"
  [ "$RC" -ne 0 ] || fail "$1: graded with exit code 0"
}

# Under the same allowances, honest code is graded as before.
cp "$stub" "$sub/exercises/$ch/ex1_generator.hpp"
grade stub not_started
cp "$SRC/solutions/$ch/ex1_generator.hpp" "$sub/exercises/$ch/ex1_generator.hpp"
grade solution passed
expect_rc 0 "the reference solution"

# 1. Before main: the report, then _exit(0). No test ever ran.
forge static-initializer-forges-every-trusted-test "no test ran while the program wrote its report" <<'CPP'
namespace { struct Forge { Forge() { forgery::write_passing_report(); ::_exit(0); } } forge; }
CPP
# 2. From the student's code, called by the first test: the report, then _exit(0). The test
# that called it never ended.
{ echo "$forger_cpp"; cat "$stub"; } | sed 's|ASYNCLINGS_TODO("Generator::promise_type::get_return_object");|forgery::write_passing_report(); ::_exit(0);|' \
  >"$sub/exercises/$ch/ex1_generator.hpp"
grep -q 'forgery::write_passing_report(); ::_exit(0);' "$sub/exercises/$ch/ex1_generator.hpp" || fail "could not put the forgery in get_return_object"
grade exit-from-a-test-with-a-forged-report tampered "the program ended before its tests were done"
# 3. The key from the environment, to sign lines of its own: gone before any code of the
# student's ran (environment and /proc/self/environ alike), so the lines are unsigned.
forge forged-channel-lines "line 1 of the results channel was not written by the testkit" <<'CPP'
#include <cstdlib>
#include <cstring>
namespace {
struct Forge {
  Forge() {
    const char* key = std::getenv("ASYNCLINGS_RESULTS_KEY");
    std::ifstream environ_file("/proc/self/environ");
    std::string all((std::istreambuf_iterator<char>(environ_file)), std::istreambuf_iterator<char>());
    if (key != nullptr || all.find("ASYNCLINGS_RESULTS_KEY") != std::string::npos) {
      std::ofstream("/dev/stderr") << "forgery: the key was readable\n";
      ::_exit(7);
    }
    const char* line = "0 start Generator.YieldsValuesInOrder 0000000000000000\n";
    (void)!::write(3, line, std::strlen(line));
    forgery::write_passing_report();
    ::_exit(0);
  }
} forge;
}
CPP
expect_not_in "$base/forged-channel-lines.txt" "the key was readable" "the key's variable"

# The graded run is confined where the kernel has Landlock: the same check's code cannot write
# outside its results folder.
if "$GRADER" doctor --format json 2>/dev/null | grep -q 'writes only in its results folder'; then
  { cat "$stub"; echo; cat <<CPP; } >"$sub/exercises/$ch/ex1_generator.hpp"
#include <fstream>
namespace { bool wrote = static_cast<bool>(std::ofstream("$base/written-by-the-submission") << "x"); }
CPP
  rm -f "$base/written-by-the-submission"
  grade confined-write not_started
  [ ! -e "$base/written-by-the-submission" ] || fail "a graded run wrote outside its results folder"
fi
finish
