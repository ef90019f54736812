#!/usr/bin/env bash
# CI grading of a submission is tamper-proof: the tests and manifests come from the trusted
# workbook (--tests-from), only the files each manifest lists under "edit" from the
# submission. The trusted tree is $WORK/workbook, a fresh copy of the source folder (its
# build shares ccache entries with the newcomer's build of the same copy).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trusted=$WORK/workbook
sub=$WORK/submission
build=$WORK/workbook/build-submission
ch=exercises/ch01-generators
for f in chapter.json tests/ex1_generator_test.cpp; do
  cmp -s "$SRC/$ch/$f" "$trusted/$ch/$f" || fail "the trusted copy's $f differs from the source folder's"
done

rm -rf "$sub"
mkdir -p "$sub/exercises"
cp -r "$SRC/$ch" "$sub/exercises/"
# The student leaves the ex1 stub alone but makes its test pass whatever the code does, points
# the manifest at another test, drops the hints and mistakes, and ships a build file that
# would stop any build it took part in.
cat >"$sub/$ch/tests/ex1_generator_test.cpp" <<'CPP'
#include <gtest/gtest.h>
TEST(Generator, AlwaysPasses) { SUCCEED(); }
CPP
cp "$sub/$ch/tests/ex1_generator_test.cpp" "$sub/$ch/tests/ex1_always_passes.cpp"
sed -i -e 's|"edit": \["ex1_generator.hpp"\],|"edit": ["ex1_generator.hpp"], "test": "tests/ex1_always_passes.cpp",|' -e '/"mistakes": \[$/,/^      \]/d' "$sub/$ch/chapter.json"
grep -q ex1_always_passes "$sub/$ch/chapter.json" || fail "could not tamper with the submission's chapter.json"
echo 'message(FATAL_ERROR "the submission'"'"'s CMakeLists.txt was used")' >"$sub/CMakeLists.txt"

json=$WORK/tampered.json
run "$WORK/tampered.txt" "$GRADER" check ch1 ex1 --root "$sub" --tests-from "$trusted" --build-dir "$build" --format json --output "$json"
expect_rc 1 "a submission with an untouched stub and a tampered test"
expect_field "$json" ex1 status not_started
expect_in "$WORK/tampered.txt" "NOT STARTED" "the text view"
expect_not_in "$WORK/tampered.txt" "AlwaysPasses" "the submission's test ran"

# The same submission with the solution as its ex1 file passes, with the trusted tests.
cp "$SRC/solutions/ch01-generators/ex1_generator.hpp" "$sub/$ch/ex1_generator.hpp"
run "$WORK/solved.txt" "$GRADER" check ch1 ex1 --root "$sub" --tests-from "$trusted" --build-dir "$build" --format json --output "$json"
expect_rc 0 "a submission whose ex1 is the solution"
expect_field "$json" ex1 status passed
trusted_tests=$(grep -cE '^TEST(_F)?\(' "$trusted/$ch/tests/ex1_generator_test.cpp")
expect_field "$json" ex1 tests_total "$trusted_tests"
expect_no_process_from "$build"
finish
