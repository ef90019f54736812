#!/usr/bin/env bash
# `grader verify ch1` on the project's own build: every solution passes, every stub fails,
# every wrong-solution fixture gets its diagnosis.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${BUILD:?}"
out=$WORK/verify_ch1.txt
run "$out" "$GRADER" verify ch1 --root "$SRC" --build-dir "$BUILD"
expect_rc 0 "grader verify ch1"
expect_in "$out" "verified: all" "grader verify ch1"
expect_in "$out" "mistake double-destroy -> double-destroy" "grader verify ch1 grades the fixtures"
finish
