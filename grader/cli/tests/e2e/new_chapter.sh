#!/usr/bin/env bash
# `grader new ch99-sample` on the workbook copy: it writes the chapter and nothing else, and
# the chapter builds, its stub fails, its solution passes and `grader verify ch99` holds.
# Then the walk-through of docs/writing-a-chapter.md: a test with diagnoses, three mistakes
# and an alternative recorded with `grader mistake new`, shown, verified, and a solution
# edit re-based with `grader mistake refresh`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
wb=$WORK/workbook
cd "$wb"
snapshot() { find . -path ./build -prune -o -path ./build-submission -prune -o -type f -print0 | sort -z | xargs -0 md5sum; }
snapshot >"$WORK/before.md5"

run "$WORK/new.txt" "$GRADER" new ch99-sample
expect_rc 0 "grader new ch99-sample"
snapshot | grep -v -e ' ./exercises/ch99-sample/' -e ' ./solutions/ch99-sample/' >"$WORK/after.md5"
diff "$WORK/before.md5" "$WORK/after.md5" || fail "grader new changed files outside its chapter"
for f in exercises/ch99-sample/chapter.json exercises/ch99-sample/README.md exercises/ch99-sample/hints/ex1_first.md solutions/ch99-sample; do
  [ -e "$f" ] || fail "grader new did not write $f"
done
run "$WORK/new-again.txt" "$GRADER" new ch99-other
expect_rc 2 "a second chapter 99"

run "$WORK/stub.txt" "$GRADER" check ch99
expect_rc 1 "the scaffolded stub"
expect_in "$WORK/stub.txt" "NOT STARTED    ch99-sample ex1" "the scaffolded stub"
run "$WORK/solution.txt" "$GRADER" check ch99 --solutions
expect_rc 0 "the scaffolded solution"
expect_in "$WORK/solution.txt" "PASS           ch99-sample ex1" "the scaffolded solution"
run "$WORK/verify.txt" "$GRADER" verify ch99
expect_rc 0 "grader verify ch99"
expect_in "$WORK/verify.txt" "verified: all" "grader verify ch99"
expect_in "$WORK/verify.txt" "hints (3 in hints/ex1_first.md)" "verify counts the scaffolded hints"
run "$WORK/hint.txt" "$GRADER" hint ch99 ex1
expect_rc 0 "grader hint ch99 ex1"
expect_in "$WORK/hint.txt" "hint 1 of 3 (ch99-sample ex1 first): A nudge" "the scaffolded first hint"

walk_started=$SECONDS
sol=solutions/ch99-sample/ex1_first.hpp
cat >exercises/ch99-sample/tests/ex1_first_test.cpp <<'CPP'
#include "ex1_first.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <gtest/gtest.h>

TEST(First, AnswerIsFortyTwo) {
  const int answer = ch99_sample::answer();
  if (answer == 41 || answer == 43)
    asynclings::testkit::diagnose("off-by-one", "answer() is one away from 42: count again");
  else if (answer == 0)
    asynclings::testkit::diagnose("zero", "answer() returns 0: it returns before computing anything");
  else if (answer < 0)
    asynclings::testkit::diagnose("negated", "answer() is negative: the sign is flipped");
  EXPECT_EQ(answer, 42);
}
CPP
record() {  # record NAME REPLACEMENT [--alternative]
  local name=$1 replacement=$2
  shift 2
  sed "s/return 42;/$replacement/" "$sol" >"$WORK/$name.hpp"
  run "$WORK/mistake-$name.txt" "$GRADER" mistake new ch99 ex1 "$name" --from "$WORK/$name.hpp" "$@"
  expect_rc 0 "grader mistake new $name"
}
record off-by-one "return 41;"
record zero "return 0;"
record negated "return -42;"
record six-sevens "return 6 * 7;" --alternative
[ -f solutions/ch99-sample/mistakes/ex1_off_by_one.patch ] || fail "no patch recorded for off-by-one"
[ -f solutions/ch99-sample/alternatives/ex1_six_sevens.patch ] || fail "no patch recorded for the alternative"
expect_in exercises/ch99-sample/chapter.json '{"name": "negated"}' "the manifest lists the new mistake"
run "$WORK/show.txt" "$GRADER" mistake show ch99 ex1 zero
expect_rc 0 "grader mistake show"
expect_in "$WORK/show.txt" "return 0;" "the applied fixture"
run "$WORK/verify-walk.txt" "$GRADER" verify ch99
expect_rc 0 "grader verify ch99 with three mistakes and an alternative"
expect_in "$WORK/verify-walk.txt" "contract 1/1 clauses tested · mistakes 3/3 rejected with their diagnosis · alternatives 1/1 pass" "the summary"

# A solution edit above the fixtures' hunks moves their lines: refresh re-records them.
sed -i '1i // The answer to everything.' "$sol"
run "$WORK/refresh.txt" "$GRADER" mistake refresh ch99
expect_rc 0 "grader mistake refresh after a solution edit"
expect_in "$WORK/refresh.txt" "4 refreshed, 0 unchanged, 0 in conflict" "refresh"
# A patch whose context the solution no longer has fails verify, naming the fixture and hunk;
# so does a hint without text.
sed -i 's/return 42;/return 40 + 2;/' "$sol"
printf '## A nudge\n\nLook at the answer.\n\n## Closer\n\n' >exercises/ch99-sample/hints/ex1_first.md
run "$WORK/verify-broken.txt" "$GRADER" verify ch99
expect_rc 1 "verify with a patch that no longer applies"
expect_in "$WORK/verify-broken.txt" "ex1_off_by_one.patch: ex1_first.hpp: hunk 1" "the broken fixture named"
expect_in "$WORK/verify-broken.txt" 'hints/ex1_first.md: hint 2 ("Closer") has no text' "the empty hint named"
echo "walk-through: $((SECONDS - walk_started)) s"
expect_no_process_from "$wb/build"
finish
