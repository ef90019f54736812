#!/usr/bin/env bash
# `grader new ch99-sample` on the workbook copy: it writes the chapter and nothing else, and
# the chapter builds, its stub fails, its solution passes and `grader verify ch99` holds.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
wb=$WORK/workbook
cd "$wb"
snapshot() { find . -path ./build -prune -o -path ./build-submission -prune -o -type f -print0 | sort -z | xargs -0 md5sum; }
snapshot >"$WORK/before.md5"

run "$WORK/new.txt" "$GRADER" new ch99-sample
expect_rc 0 "grader new ch99-sample"
snapshot | grep -v -e ' ./exercises/ch99-sample/' -e ' ./solutions/ch99-sample/' >"$WORK/after.md5"
diff "$WORK/before.md5" "$WORK/after.md5" || fail "grader new changed files outside its chapter"
for f in exercises/ch99-sample/chapter.json exercises/ch99-sample/README.md solutions/ch99-sample; do
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
expect_no_process_from "$wb/build"
finish
