#!/usr/bin/env bash
# `grader grade-batch` on a generated class of 22 ch01 submissions plus an empty folder: each
# student's ex1 and ex2 are an untouched stub, the reference solution, an alternative, a
# mistake fixture applied with `grader mistake show`, or code that hangs, crashes, does not
# compile or is refused by the static check. The class view (JSON and CSV) must count exactly
# what was handed in: the verdicts per exercise, the diagnosis histogram, no unnamed failure,
# one timed attempt per report. The trusted copy keeps ex1 and ex2 only, with a 10 s limit,
# so the batch stays within minutes; students' identical files share ccache entries (their
# files are staged at the same place in every build folder). Works under $WORK/class_view.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
base=$WORK/class_view
trusted=$base/trusted
subs=$base/submissions
work=$base/work
ch=ch01-generators
todo_line='ASYNCLINGS_TODO("Generator::promise_type::get_return_object");'
grep -qF "$todo_line" "$SRC/exercises/$ch/ex1_generator.hpp" || fail "the ex1 stub no longer has the line this test edits: $todo_line"

copy_workbook "$trusted"
manifest=$trusted/exercises/$ch/chapter.json
# Keep ex1 and ex2 of the trusted manifest, each with a 10 s limit. Done on the text (no jq on
# a fresh Debian box): ex3's block starts on the line before its "id", and the exercises'
# list closes with "  ]"; ex2's closing "    }," loses its comma.
ex3_id=$(grep -n '^      "id": "ex3",$' "$manifest" | cut -d: -f1)
list_end=$(grep -n '^  \]$' "$manifest" | head -n1 | cut -d: -f1)
[ -n "$ex3_id" ] && [ -n "$list_end" ] || fail "the ch01 manifest's layout changed: cannot keep ex1 and ex2 only"
awk -v from=$((ex3_id - 1)) -v to=$((list_end - 1)) -v ex2_end=$((ex3_id - 2)) '
  NR == ex2_end { sub(/,$/, "") }
  NR < from || NR > to
' "$manifest" >"$manifest.trimmed"
sed -i 's/"time_limit_seconds": [0-9]*/"time_limit_seconds": 10/' "$manifest.trimmed"
mv "$manifest.trimmed" "$manifest"
"$GRADER" list --root "$trusted" >"$base/list.txt" 2>&1 || { cat "$base/list.txt"; fail "the trimmed manifest does not load"; }
grep -q 'ex2' "$base/list.txt" && ! grep -q 'ex3' "$base/list.txt" || { cat "$base/list.txt"; fail "the trusted copy should list ex1 and ex2 only"; }

# ---- The class ------------------------------------------------------------------------------
rm -rf "$subs" "$work"
mkdir -p "$subs" "$base/variants"
declare -A expect_verdict expect_mistake
# variant FILE EXERCISE KIND: writes one variant of an exercise's file.
variant() {
  local out=$1 ex=$2 kind=$3 file
  file=$([ "$ex" = ex1 ] && echo ex1_generator.hpp || echo ex2_send.hpp)
  case $kind in
    stub) cp "$SRC/exercises/$ch/$file" "$out" ;;
    solution) cp "$SRC/solutions/$ch/$file" "$out" ;;
    hang | crash | broken | tampered)
      local line
      case $kind in
        hang) line='for (volatile unsigned spin = 0;; spin = spin + 1) {}' ;;
        crash) line='{ volatile int* nowhere = nullptr; *nowhere = 42; }' ;;
        broken) line='this is not C++;' ;;
        tampered) line='(void)std::getenv("HOME");' ;;
      esac
      sed "s|$todo_line|$line|" "$SRC/exercises/$ch/$file" >"$out"
      if cmp -s "$out" "$SRC/exercises/$ch/$file"; then fail "could not make a $kind $ex"; fi
      ;;
    *) "$GRADER" mistake show ch1 "$ex" "$kind" --root "$trusted" -o "$out" >/dev/null || fail "no fixture $kind of $ex" ;;
  esac
}
# The verdict and the diagnosis a variant must get; mistakes: their manifest diagnosis.
expected() {
  case $2 in
    stub) echo not_started ;;
    solution | swap-and-rethrow | exchange-in-await-resume) echo passed ;;
    hang) echo timed_out ;;
    crash) echo crashed ;;
    broken) echo compile_error ;;
    tampered) echo tampered ;;
    move-assign-leaks) echo "failed frame-leak" ;;
    *) echo "failed $2" ;;
  esac
}
students=0
# student NAME EX1-KIND EX2-KIND
student() {
  local name=$1 ex kind verdict diagnosis
  mkdir -p "$subs/$name/exercises/$ch"
  for ex in ex1 ex2; do
    kind=$([ "$ex" = ex1 ] && echo "$2" || echo "$3")
    local cached=$base/variants/$ex-$kind
    if [ ! -f "$cached" ]; then variant "$cached" "$ex" "$kind"; fi
    cp "$cached" "$subs/$name/exercises/$ch/$([ "$ex" = ex1 ] && echo ex1_generator.hpp || echo ex2_send.hpp)"
    read -r verdict diagnosis <<<"$(expected "$ex" "$kind")"
    expect_verdict[$ex/$verdict]=$((${expect_verdict[$ex/$verdict]:-0} + 1))
    [ -z "$diagnosis" ] || expect_mistake[$ex/$diagnosis]=$((${expect_mistake[$ex/$diagnosis]:-0} + 1))
  done
  students=$((students + 1))
}
student s01 stub stub
student s02 stub stub
student s03 stub stub
student s04 solution solution
student s05 solution solution
student s06 swap-and-rethrow exchange-in-await-resume
student s07 solution stub
student s08 eager-start stub
student s09 frame-leak solution
student s10 double-destroy sent-value-lost
student s11 exception-swallowed next-resends-last-value
student s12 deref-resumes stale-value-at-end
student s13 move-assign-leaks send-before-start-accepted
student s14 eager-start exception-swallowed
student s15 frame-leak sent-value-lost
student s16 hang stub
student s17 crash solution
student s18 broken exchange-in-await-resume
student s19 tampered solution
student s20 stub sent-value-lost
student s21 solution next-resends-last-value
student s22 deref-resumes stub
mkdir -p "$subs/s23-empty"
[ "$students" -ge 20 ] || fail "the class should have at least 20 graded submissions"

# ---- The batch ------------------------------------------------------------------------------
csv=$base/gradebook.csv
run "$base/batch.txt" "$GRADER" grade-batch "$subs" --root "$trusted" --chapter ch1 -j2 -o "$csv" --work-dir "$work"
expect_rc 0 "grade-batch on the generated class"
expect_no_process_matching "$work/"
view_json=$base/gradebook.class.json
view_csv=$base/gradebook.class.csv
for f in "$view_json" "$view_csv" "$base/gradebook.class.html"; do [ -s "$f" ] || fail "no class view at $f"; done
echo "--- $view_csv"
cat "$view_csv"

get() { "$JSON_CHECK" get "$view_json" "$1" || fail "$view_json has no $1"; }
expect_get() {
  local got
  got=$(get "$1")
  [ "$got" = "$2" ] || fail "$view_json $1 is \"$got\", expected \"$2\""
}
# csv_cell EXERCISE COLUMN: the class view CSV's cell (0 when the column is absent: a diagnosis
# no submission of the batch carried).
csv_cell() {
  awk -F, -v ex="$1" -v col="$2" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
    $1 == ex { print (c ? $c : 0); found = 1 }
    END { if (!found) exit 3 }
  ' "$view_csv" || fail "$view_csv has no row $1"
}

expect_get /students $((students + 1))
expect_get /statuses/graded "$students"
expect_get /statuses/empty 1
for i in 0 1; do
  ex=ex$((i + 1))
  expect_get /exercises/$i/submissions $((students + 1))
  for verdict in passed failed not_started compile_error crashed timed_out error tampered missing; do
    want=${expect_verdict[$ex/$verdict]:-0}
    [ "$verdict" = missing ] && want=1  # the empty folder
    expect_get /exercises/$i/verdicts/$verdict "$want"
    got=$(csv_cell "$ch/$ex" "$verdict")
    [ "$got" = "$want" ] || fail "$view_csv: $ex $verdict is $got, expected $want"
  done
  expect_get /exercises/$i/failed_unnamed 0
  expect_get /exercises/$i/attempts_timed "$students"
  # The histogram: every diagnosis the class made, and no other.
  named=0
  for key in "${!expect_mistake[@]}"; do
    [ "${key%%/*}" = "$ex" ] || continue
    diagnosis=${key#*/}
    named=$((named + 1))
    got=$(csv_cell "$ch/$ex" "mistake:$diagnosis")
    [ "$got" = "${expect_mistake[$key]}" ] || fail "$view_csv: $ex mistake $diagnosis is $got, expected ${expect_mistake[$key]}"
  done
  "$JSON_CHECK" get "$view_json" /exercises/$i/mistakes/$((named - 1))/diagnosis >/dev/null || fail "$ex: fewer than $named diagnoses in the histogram"
  ! "$JSON_CHECK" get "$view_json" /exercises/$i/mistakes/$named >/dev/null 2>&1 || fail "$ex: more than $named diagnoses in the histogram"
done
# The histogram's order: most submissions first.
[ "$(get /exercises/1/mistakes/0/diagnosis)" = sent-value-lost ] || fail "ex2's most made mistake should come first"
expect_get /exercises/1/mistakes/0/submissions 3
expect_in "$base/gradebook.class.html" 'data-diagnosis="sent-value-lost"' "the HTML page's histogram"
expect_in "$base/batch.txt" "[$((students + 1))/$((students + 1))]" "progress lines"

# Identical files staged alike: the students' copies sit at the same place in every build.
cmp -s "$work/builds/s01/submission/exercises/$ch/ex1_generator.hpp" "$SRC/exercises/$ch/ex1_generator.hpp" ||
  fail "s01's ex1 was not staged in its build folder"
[ ! -e "$work/builds/s01/submission/exercises/$ch/README.md" ] || fail "only the edited files are staged"
# One chapter-tool compiled for the batch, copied into the other build folders.
cmp -s "$work/builds/s01/chapter-tool/chapter-tool" "$work/builds/s22/chapter-tool/chapter-tool" ||
  fail "s22's build folder compiled its own chapter-tool"
# 22 build folders are gigabytes: what remains to read is in reports/ and logs/.
rm -rf "$work/builds"
finish
