#!/usr/bin/env bash
# A newcomer's first session, on a copy of the workbook (its own build folder, made by the
# first check): list, check ex1 (not started), two hints, solve ex1, check again, list.
# The transcript is kept in $WORK/newcomer-transcript.txt (grader/cli/README.md quotes it).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
wb=$WORK/workbook
ch=exercises/ch01-generators
cd "$wb"
t=$WORK/newcomer-transcript.txt
: >"$t"
step() {
  local out=$WORK/step.txt
  run "$out" "$GRADER" "$@"
  { echo "\$ grader $*"; cat "$out"; echo; } >>"$t"
  cp "$out" "$WORK/last.txt"
}

step list
expect_rc 0 "grader list"
expect_in "$WORK/last.txt" "ch01-generators" "grader list"
expect_in "$WORK/last.txt" "next: ch01-generators ex1" "grader list names the next exercise"

step check ch1 ex1
expect_rc 1 "grader check ch1 ex1 on the stub"
expect_in "$WORK/last.txt" "NOT STARTED    ch01-generators ex1 generator" "grader check ch1 ex1"
expect_in "$WORK/last.txt" "hint 1 of 3: grader hint ch01 ex1" "grader check points at the first hint"

# Editors: the first build leaves compile_commands.json at the root, naming the exercise's test.
[ -f compile_commands.json ] || fail "no compile_commands.json at the workbook's root after the first build"
expect_in compile_commands.json "$ch/tests/ex1_" "compile_commands.json covers ch01 ex1"

# The first hint's first line of text, from the exercise's hints file (hints/<stem>.md).
hint1=$(awk '/^## /{n++; next} n == 1 && NF {print; exit}' "$ch/hints/ex1_generator.md" | cut -c1-40)
[ -n "$hint1" ] || fail "no first hint in $ch/hints/ex1_generator.md"
step hint ch1 ex1
expect_rc 0 "grader hint"
expect_in "$WORK/last.txt" "hint 1 of 3" "the first hint"
expect_in "$WORK/last.txt" "$hint1" "the first hint's text"
step hint ch1 ex1
expect_in "$WORK/last.txt" "hint 2 of 3" "the second hint"

# The newcomer writes the generator (here: the reference solution).
cp "solutions/ch01-generators/ex1_generator.hpp" "$ch/ex1_generator.hpp"
echo "\$ \$EDITOR exercises/ch01-generators/ex1_generator.hpp   # (the solution goes in)" >>"$t"
echo >>"$t"
step check ch1 ex1
expect_rc 0 "grader check ch1 ex1 solved"
expect_in "$WORK/last.txt" "PASS           ch01-generators ex1 generator" "grader check ch1 ex1 solved"

step list
expect_in "$WORK/last.txt" "[done] ex1" "grader list shows ex1 done"
expect_in "$WORK/last.txt" "1/4 exercises passed" "grader list's progress"
expect_in "$WORK/last.txt" "next: ch01-generators ex2" "grader list moves on to ex2"
expect_no_process_from "$wb/build"
finish
