#!/usr/bin/env bash
# --sanitize address, really built and run: ch01 ex1's solution passes under AddressSanitizer
# in its own build folder ($WORK/asan-address; the grader appends the sanitizer's name).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
json=$WORK/asan.json
run "$WORK/asan.txt" "$GRADER" check ch1 ex1 --solutions --sanitize address --root "$SRC" --build-dir "$WORK/asan" --format json --output "$json"
expect_rc 0 "ch01 ex1's solution under AddressSanitizer"
expect_field "$json" ex1 status passed
grep -q 'ASYNCLINGS_SANITIZE:STRING=address' "$WORK/asan-address/CMakeCache.txt" || fail "the build is not sanitized"
grep -q -- '-fsanitize=address' "$WORK/asan-address/build.ninja" || fail "no -fsanitize=address in the build"
finish
