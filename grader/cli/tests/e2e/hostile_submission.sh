#!/usr/bin/env bash
# A hostile exercise graded end to end: in a submission of chapter 1, ex2 segfaults, ex3 returns a wrong status from a request the
# delay server saw, ex1 is the untouched stub and ex4 the solution. Each gets its own
# verdict, the exit code is 2 (ex2 could not be graded), and nothing is left running.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trusted=$WORK/workbook
sub=$WORK/submission
build=$WORK/workbook/build-submission
ch=exercises/ch01-generators
sol=$SRC/solutions/ch01-generators

rm -rf "$sub"
mkdir -p "$sub/exercises"
cp -r "$SRC/$ch" "$sub/exercises/"
# ex2 dereferences a null pointer the first time next() runs (the static check refuses
# processes in this chapter, so what is left behind comes from ch07's allowance, not here).
sed 's|^  std::optional<Out> next() {$|&\n    { volatile int* nowhere = nullptr; *nowhere = 42; }|' "$sol/ex2_send.hpp" >"$sub/$ch/ex2_send.hpp"
grep -q 'nowhere = 42' "$sub/$ch/ex2_send.hpp" || fail "could not break ex2's next() (has the solution changed?)"
sed 's/co_return response\.status;/co_return response.status + 1;/' "$sol/ex3_task.hpp" >"$sub/$ch/ex3_task.hpp"
grep -q 'response.status + 1' "$sub/$ch/ex3_task.hpp" || fail "could not break ex3's fetch_status (has the solution changed?)"
cp "$sol/ex4_round_robin.hpp" "$sub/$ch/ex4_round_robin.hpp"

json=$WORK/hostile.json
text=$WORK/hostile.txt
run "$text" "$GRADER" check ch1 --root "$sub" --tests-from "$trusted" --build-dir "$build" --format json --output "$json"
expect_rc 2 "a chapter with a crashing exercise"
expect_field "$json" ex1 status not_started
expect_field "$json" ex2 status crashed
field "$json" ex2 signal | grep -q '^SIGSEGV' || fail "ex2's signal is $(field "$json" ex2 signal), expected SIGSEGV"
expect_field "$json" ex2 running_test SendGenerator.ReproducesTheCoursesTrace
# The crash is placed at the student's line, not in a Boost or GoogleTest frame.
field "$json" ex2 crash_location | grep -q '^ex2_send.hpp:[0-9]*: { volatile int\* nowhere = nullptr; \*nowhere = 42; }' ||
  fail "ex2's crash_location is \"$(field "$json" ex2 crash_location)\", expected the injected line of ex2_send.hpp"
expect_field "$json" ex3 status failed
expect_field "$json" ex4 status passed
expect_in "$text" "CRASHED        ch01-generators ex2 send" "the text view"
expect_in "$text" "crashed with SIGSEGV (Segmentation fault) in SendGenerator.ReproducesTheCoursesTrace" "the text view"

# ex3's failing test recorded the request: its timeline is printed under ex3's heading.
ex3_block=$(sed -n '/^FAIL  *ch01-generators ex3 task/,/^[A-Z][A-Z ]*  *ch01-generators ex4/p' "$text")
[ -n "$ex3_block" ] || fail "no FAIL block for ex3 in $text"
grep -qF "requests as the server saw them:" <<<"$ex3_block" || fail "ex3's block has no timeline"
grep -qE '#1 /status/201.*\|' <<<"$ex3_block" || fail "ex3's timeline has no bar for /status/201"

# The same run as CI reads it: JUnit valid against the common schema with the crash as an
# <error>, Gradescope with one point (ex4) of four.
junit=$WORK/hostile.junit.xml
run "$WORK/hostile-junit.txt" "$GRADER" check ch1 --root "$sub" --tests-from "$trusted" --build-dir "$build" --format junit --output "$junit"
expect_rc 2 "the same chapter, JUnit"
xmllint --noout --schema "$E2E_DIR/junit.xsd" "$junit" || fail "$junit does not validate against junit.xsd"
expect_in "$junit" '<error type="crashed"' "JUnit reports the crash as an error"
expect_in "$junit" 'type="not_started"' "JUnit marks the stub's failures"
gs=$WORK/hostile.gradescope.json
run "$WORK/hostile-gs.txt" "$GRADER" check ch1 --root "$sub" --tests-from "$trusted" --build-dir "$build" --format gradescope --output "$gs"
expect_rc 2 "the same chapter, Gradescope"
"$JSON_CHECK" gradescope "$gs" || fail "$gs lacks Gradescope fields"
[ "$("$JSON_CHECK" get "$gs" /score)" = 1.0 ] || fail "$gs: score is not 1"
[ "$("$JSON_CHECK" get "$gs" /max_score)" = 4.0 ] || fail "$gs: max_score is not 4"

expect_no_process_from "$build"
finish
