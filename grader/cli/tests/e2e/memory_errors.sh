#!/usr/bin/env bash
# The three classic coroutine lifetime bugs (a lambda coroutine's captures, a reference
# parameter bound to a local that dies first, `this` of a destroyed object), made in ch06 ex1
# and graded by `grader check`: the plain run crashes or its requests never come, so the
# grader re-runs the exercise under AddressSanitizer on its own; the verdict is CRASHED with
# "memory error", the first frame in the student's file with its source line, and a reading
# that names the lifetime bugs. A correct solution never triggers the re-run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

here=$WORK/memory_errors
wb=$here/workbook
ch=exercises/ch06-patterns
file=ex1_rate_limit.hpp
mkdir -p "$here"
copy_workbook "$wb"
with_chapter "$wb" ch06-patterns
make_bug=$SRC/grader/cli/tests/fixtures/lifetime_bugs/make_bug.py

# 1. The solution passes, and no sanitized build is made for it.
cp "$wb/solutions/ch06-patterns/$file" "$wb/$ch/$file"
run "$here/solution.txt" "$GRADER" check ch6 ex1 --root "$wb"
expect_rc 0 "a correct ch06 ex1"
expect_not_in "$here/solution.txt" "AddressSanitizer" "a passing check"
[ ! -d "$wb/build-address" ] || fail "a passing check made a sanitized build"

# 2. Each bug: CRASHED, a memory error at the student's line, with a reading.
for bug in lambda-capture reference-parameter destroyed-this; do
  python3 "$make_bug" "$bug" "$wb/solutions/ch06-patterns/$file" "$wb/$ch/$file"
  json=$here/$bug.json
  run "$here/$bug.txt" "$GRADER" check ch6 ex1 --root "$wb" --format json --output "$json"
  expect_field "$json" ex1 status crashed
  message=$(field "$json" ex1 message)
  case $message in
    "memory error: AddressSanitizer: "*) ;;
    *) fail "$bug: the message should start with the memory error, not: $message" ;;
  esac
  location=$(field "$json" ex1 crash_location)
  case $location in
    "$file:"[0-9]*": "*) ;;
    *) fail "$bug: the crash location should be a line of $file with its text, not: $location" ;;
  esac
  expect_in "$here/$bug.txt" "what it usually means: " "$bug: the reading"
  expect_in "$here/$bug.txt" "a lambda that was a temporary" "$bug: the reading names the lifetime bugs"
  expect_in "$here/$bug.txt" "re-running it under AddressSanitizer" "$bug: says the grader re-ran it"
  # The student's code in the report: a frame of theirs marked, or (a local of a function that
  # had returned, used from Asio's frames) that local named.
  grep -qE "<- your code|the memory was the local variable '" "$here/$bug.txt" ||
    fail "$bug: the report shows neither a frame in $file nor the local that was gone"
  expect_not_in "$here/$bug.txt" "Shadow byte" "$bug: the shadow-byte map is left out"
  echo "$bug: $message"
done
expect_no_process_from "$wb/build"
expect_no_process_from "$wb/build-address"
finish
