#!/usr/bin/env bash
# `grader grade-batch` grades a class of ch01 submissions two at once into one gradebook: one
# student has not started, one solved ex1, one does not compile, one hangs in ex1, one handed
# in nothing. Every submission gets its row (CSV and JSON), the batch finishes, and nothing it
# started is left running, also when a submission runs past --time-limit or the batch is
# stopped with SIGTERM. Works on its own workbook copy and submissions under $WORK/grade_batch.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
base=$WORK/grade_batch
trusted=$base/trusted
subs=$base/submissions
work=$base/work
ch=exercises/ch01-generators
stub=$SRC/$ch/ex1_generator.hpp
todo_line='ASYNCLINGS_TODO("Generator::promise_type::get_return_object");'
grep -qF "$todo_line" "$stub" || fail "the ex1 stub no longer has the line this test edits: $todo_line"

copy_workbook "$trusted"
rm -rf "$subs"
mkdir -p "$subs"
# Four layouts a class hands in: the exercises/ tree alone, the chapter folder itself, a whole
# workbook copy, and a folder whose name needs quoting in CSV.
mkdir -p "$subs/Doe, Jane/exercises"
cp -r "$SRC/$ch" "$subs/Doe, Jane/exercises/"
mkdir -p "$subs/solved-ex1"
cp -r "$SRC/$ch" "$subs/solved-ex1/"
cp "$SRC/solutions/ch01-generators/ex1_generator.hpp" "$subs/solved-ex1/ch01-generators/ex1_generator.hpp"
mkdir -p "$subs/compile-error/exercises"
cp -r "$SRC/$ch" "$subs/compile-error/exercises/"
sed -i "s|$todo_line|this is not C++;|" "$subs/compile-error/$ch/ex1_generator.hpp"
mkdir -p "$subs/hangs/exercises"
cp "$SRC/CMakeLists.txt" "$subs/hangs/"
cp -r "$SRC/$ch" "$subs/hangs/exercises/"
sed -i "s|$todo_line|for (volatile unsigned spin = 0;; spin = spin + 1) {}|" "$subs/hangs/$ch/ex1_generator.hpp"
mkdir -p "$subs/empty" "$subs/.git"
grep -q 'spin = spin' "$subs/hangs/$ch/ex1_generator.hpp" || fail "could not make ex1 hang"
grep -q 'this is not C++' "$subs/compile-error/$ch/ex1_generator.hpp" || fail "could not break ex1"
ex1_tests=$(grep -cE '^TEST(_F)?\(' "$trusted/$ch/tests/ex1_generator_test.cpp")

no_process_left() { expect_no_process_matching "$work/"; }

# 1. The class, two at once, into CSV.
csv=$base/gradebook.csv
rm -rf "$work" "$csv"
run "$base/batch-csv.txt" "$GRADER" grade-batch "$subs" --root "$trusted" --chapter ch1 -j2 -o "$csv" --work-dir "$work"
expect_rc 0 "grade-batch with a failing, a broken, a hanging and an empty submission"
no_process_left
[ -f "$csv" ] || fail "no gradebook at $csv"
echo "--- $csv"
cat "$csv"
header='student,score,max_score,ch01-generators/ex1,ch01-generators/ex2,ch01-generators/ex3,ch01-generators/ex4,status,message'
[ "$(head -n1 "$csv")" = "$header" ] || fail "gradebook header: $(head -n1 "$csv")"
[ "$(wc -l <"$csv")" -eq 6 ] || fail "expected a header and 5 rows (dot-folders ignored)"
expect_in "$csv" '"Doe, Jane",0,4,not_started,not_started,not_started,not_started,graded,' "the untouched submission's row"
expect_in "$csv" "solved-ex1,1,4,$ex1_tests/$ex1_tests,not_started,not_started,not_started,graded," "the ex1-solved row"
expect_in "$csv" 'compile-error,0,4,compile_error,not_started,not_started,not_started,graded,ch01-generators/ex1 compile_error: ex1_generator.hpp:' "the compile error row"
expect_in "$csv" 'hangs,0,4,timed_out,not_started,not_started,not_started,graded,"ch01-generators/ex1 timed_out: hung in Generator.' "the hanging row"
# The testkit's watchdog saw what the hung test was doing: no request open (busy or idle
# depends on the machine's load, so it is not asserted here).
expect_in "$csv" 'no request of this test was open at the server' "the hanging row's reading"
expect_in "$csv" 'empty,0,4,missing,missing,missing,missing,empty,no exercises/ folder' "the empty row"
expect_in "$base/batch-csv.txt" "[5/5]" "progress lines"
expect_in "$base/batch-csv.txt" "solved-ex1: 1/4 (" "a progress line with the score"
for name in solved-ex1 compile-error hangs; do
  [ -s "$work/reports/$name.json" ] || fail "no per-student report for $name"
  [ -s "$work/logs/$name.txt" ] || fail "no per-student log for $name"
done
expect_in "$work/logs/hangs.txt" "TIMED OUT" "the hanging student's log"

# 2. Again into JSON: the build folders are reused; the same verdicts.
json=$base/gradebook.json
run "$base/batch-json.txt" "$GRADER" grade-batch "$subs" --root "$trusted" --chapter ch01-generators -j2 -o "$json" --work-dir "$work"
expect_rc 0 "grade-batch into JSON"
no_process_left
get() { "$JSON_CHECK" get "$json" "$1" || fail "$json has no $1"; }
expect_get() {
  local got
  got=$(get "$1")
  [ "$got" = "$2" ] || fail "$json $1 is \"$got\", expected \"$2\""
}
# Rows in the order of the folder names: "Doe, Jane", compile-error, empty, hangs, solved-ex1.
expect_get /0/student "Doe, Jane"
expect_get /0/exercises/0/verdict not_started
expect_get /1/exercises/0/verdict compile_error
expect_get /2/status empty
expect_get /2/exercises/0/verdict missing
expect_get /3/exercises/0/verdict timed_out
expect_get /4/student solved-ex1
expect_get /4/status graded
expect_get /4/score 1.0
expect_get /4/max_score 4.0
expect_get /4/exercises/0/verdict passed
expect_get /4/exercises/0/passed "$ex1_tests"
expect_get /4/exercises/0/total "$ex1_tests"
expect_get /4/exercises/0/diagnoses "[]"
expect_get /4/exercises/1/id ex2
expect_get /4/report "$work/reports/solved-ex1.json"

# 3. One submission past the whole-submission limit: stopped with everything it started.
one=$base/only-hangs
rm -rf "$one"
mkdir -p "$one"
ln -s "$subs/hangs" "$one/hangs"
run "$base/batch-limit.txt" "$GRADER" grade-batch "$one" --root "$trusted" --chapter ch1 -o "$base/limit.csv" --work-dir "$work" --time-limit 12
expect_rc 0 "grade-batch with a submission over --time-limit"
no_process_left
expect_in "$base/limit.csv" 'hangs,0,4,missing,missing,missing,missing,timed_out,grading took longer than the limit of 12 s' "the timed-out row"

# 4. SIGTERM to the batch alone (as `kill PID` sends it) while the hanging test runs: the
# batch stops its workers, writes what it has, and leaves nothing behind.
"$GRADER" grade-batch "$one" --root "$trusted" --chapter ch1 -o "$base/stopped.csv" --work-dir "$work" >"$base/batch-term.txt" 2>&1 &
batch=$!
for _ in $(seq 1 600); do
  pgrep -f "$work/builds/hangs/chapters/" >/dev/null && break
  kill -0 "$batch" 2>/dev/null || break
  sleep 0.2
done
pgrep -f "$work/builds/hangs/chapters/" >/dev/null || fail "the hanging test binary never started (see $base/batch-term.txt)"
kill -TERM "$batch"
set +e
wait "$batch"
RC=$?
set -e
sed 's/^/  | /' "$base/batch-term.txt"
expect_rc 143 "grade-batch stopped with SIGTERM"
no_process_left
expect_in "$base/stopped.csv" 'hangs,0,4,missing,missing,missing,missing,interrupted,' "the interrupted row"
expect_in "$base/batch-term.txt" "interrupted; everything it started was stopped" "the batch says it stopped"
finish
