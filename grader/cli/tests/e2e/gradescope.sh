#!/usr/bin/env bash
# The Gradescope bundle: make_bundle.sh makes autograder.zip with setup.sh and run_autograder
# at its top; run_autograder, in a fake /autograder (AUTOGRADER_ROOT) holding that bundle
# (chapter 1 only), takes the files to edit from wherever the upload put them, grades them
# with the bundle's tests and writes a results.json with Gradescope's fields. A bundle that
# cannot grade still writes results.json saying why.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v jq >/dev/null || fail "jq is missing (Debian package jq); run_autograder needs it"
command -v zip >/dev/null && command -v unzip >/dev/null || fail "zip and unzip are missing (Debian packages zip, unzip)"
base=$WORK/gradescope
ag=$base/autograder
ch=ch01-generators
rm -rf "$base"
mkdir -p "$base"

# 1. The bundle: setup.sh, run_autograder and the workbook at the top; no build folders.
zip=$base/autograder.zip
run "$base/bundle.txt" "$SRC/gradescope/make_bundle.sh" -o "$zip" --chapter ch1
expect_rc 0 "make_bundle.sh --chapter ch1"
unzip -Z1 "$zip" >"$base/listing.txt"
for entry in setup.sh run_autograder gradescope.conf CMakeLists.txt scripts/setup "exercises/$ch/chapter.json" \
  "exercises/$ch/tests/ex1_generator_test.cpp" "solutions/$ch/ex1_generator.hpp"; do
  grep -qxF "$entry" "$base/listing.txt" || fail "$zip lacks $entry"
done
! grep -qE '^(build[^/]*|\.git)/' "$base/listing.txt" || fail "$zip holds a build folder or .git"
[ "$(unzip -p "$zip" gradescope.conf)" = "CHAPTER=ch01" ] || fail "gradescope.conf does not name ch01"
set +e
"$SRC/gradescope/make_bundle.sh" -o "$base/none.zip" --chapter ch42 2>"$base/bad-chapter.txt"
RC=$?
set -e
expect_rc 2 "make_bundle.sh with an unknown chapter"
expect_in "$base/bad-chapter.txt" "no chapter ch42" "the unknown chapter's message"

# 2. The fake /autograder: the bundle unpacked as source/ (chapter 1 only: other chapters may be
# half-written while this runs), run_autograder copied up as Gradescope does.
mkdir -p "$ag/source" "$ag/submission"
unzip -q "$zip" -d "$ag/source"
find "$ag/source/exercises" "$ag/source/solutions" -mindepth 1 -maxdepth 1 -type d ! -name "$ch" -exec rm -rf {} +
cp "$ag/source/run_autograder" "$ag/run_autograder"
# The upload: ex1 solved and dragged in loose; ex3 inside a repository folder, with a compile
# error; a tampered test beside it; ex4 as a symbolic link to the solution (never followed);
# ex2 not handed in.
cp "$SRC/solutions/$ch/ex1_generator.hpp" "$ag/submission/"
mkdir -p "$ag/submission/my-repo/exercises/$ch/tests"
sed 's|ASYNCLINGS_TODO("Task::promise_type::get_return_object");|this is not C++;|' "$SRC/exercises/$ch/ex3_task.hpp" \
  >"$ag/submission/my-repo/exercises/$ch/ex3_task.hpp"
grep -q 'this is not C++' "$ag/submission/my-repo/exercises/$ch/ex3_task.hpp" ||
  fail "could not break ex3 (its stub changed; adjust this test)"
printf '#include <gtest/gtest.h>\nTEST(Generator, AlwaysPasses) { SUCCEED(); }\n' >"$ag/submission/my-repo/exercises/$ch/tests/ex1_generator_test.cpp"
ln -s "$SRC/solutions/$ch/ex4_round_robin.hpp" "$ag/submission/ex4_round_robin.hpp"

results=$ag/results/results.json
run "$base/grade.txt" env AUTOGRADER_ROOT="$ag" ASYNCLINGS_GRADER="$GRADER" "$ag/run_autograder"
expect_rc 0 "run_autograder"
[ -s "$results" ] || fail "no $results"
cat "$results"
"$JSON_CHECK" gradescope "$results" || fail "$results lacks Gradescope's fields"
get() { "$JSON_CHECK" get "$results" "$1" || fail "$results has no $1"; }
# Numbers as numbers: jq, which adds the output note, writes 1.0 as 1.
number_is() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 == b + 0) }'; }
number_is "$(get /score)" 1 || fail "score $(get /score), expected 1 (ex1 only)"
number_is "$(get /max_score)" 4 || fail "max_score $(get /max_score), expected 4"
[ "$(get /tests/0/status)" = passed ] || fail "ex1 (the loose file) did not pass"
[ "$(get /tests/2/status)" = failed ] || fail "ex3 did not fail"
get /tests/2/output | grep -q "COMPILE ERROR" || fail "ex3's output does not say COMPILE ERROR"
get /tests/3/output | grep -q "NOT STARTED" || fail "ex4 (a symbolic link) was not graded as the stub"
get /output | grep -q "ch01-generators/ex2_send.hpp" || fail "the missing ex2 file is not named in the output"
get /output | grep -q "ch01-generators/ex4_round_robin.hpp" || fail "the ignored symbolic link is not named as missing"
! get /output | grep -q "ex1_generator.hpp" || fail "ex1 was found but is named as missing"
expect_not_in "$base/grade.txt" "AlwaysPasses" "the submission's own test ran"
expect_no_process_from "$ag/work/build"

# 3. The next submission in the same container: ex1 no longer handed in, so it is the stub again.
rm "$ag/submission/ex1_generator.hpp"
run "$base/regrade.txt" env AUTOGRADER_ROOT="$ag" ASYNCLINGS_GRADER="$GRADER" "$ag/run_autograder"
expect_rc 0 "run_autograder on the next submission"
number_is "$(get /score)" 0 || fail "a file of the previous submission was graded again (score $(get /score))"

# 4. A bundle that cannot grade: results.json says why, with no points.
bad=$base/broken-autograder
mkdir -p "$bad/source" "$bad/submission"
run "$base/broken.txt" env AUTOGRADER_ROOT="$bad" ASYNCLINGS_GRADER="$GRADER" "$ag/run_autograder"
expect_rc 0 "run_autograder without a workbook"
number_is "$("$JSON_CHECK" get "$bad/results/results.json" /score)" 0 || fail "a broken bundle gave points"
"$JSON_CHECK" get "$bad/results/results.json" /output | grep -q "holds no workbook" ||
  fail "the broken bundle's results.json does not say why"
finish
