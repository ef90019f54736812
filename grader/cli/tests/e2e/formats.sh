#!/usr/bin/env bash
# The machine formats of `grader check ch1 --solutions` on the project's own build: JUnit XML
# valid against the common schema (junit.xsd), Gradescope results.json with its fields, and
# the grader's own JSON.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${BUILD:?}"
command -v xmllint >/dev/null || fail "xmllint is missing (Debian package libxml2-utils)"
xsd=$E2E_DIR/junit.xsd

# The schema is not vacuous: it rejects a testcase without a name and an unknown element.
bad=$WORK/junit-bad.xml
printf '<?xml version="1.0"?>\n<testsuites><testsuite name="s" tests="1"><testcase classname="c"/></testsuite></testsuites>\n' >"$bad"
! xmllint --noout --schema "$xsd" "$bad" 2>/dev/null || fail "junit.xsd accepts a testcase without a name"
printf '<?xml version="1.0"?>\n<testsuites><testsuite name="s" tests="1"><testcase name="t"><oops/></testcase></testsuite></testsuites>\n' >"$bad"
! xmllint --noout --schema "$xsd" "$bad" 2>/dev/null || fail "junit.xsd accepts an unknown element"

junit=$WORK/ch1-solutions.junit.xml
run "$WORK/junit.txt" "$GRADER" check ch1 --solutions --root "$SRC" --build-dir "$BUILD" --format junit --output "$junit"
expect_rc 0 "grader check ch1 --solutions --format junit"
xmllint --noout --schema "$xsd" "$junit" || fail "$junit does not validate against junit.xsd"
[ "$(grep -c '<testsuite ' "$junit")" -eq 4 ] || fail "$junit: expected one testsuite per ch01 exercise (4)"
expect_in "$junit" '<property name="figure.' "JUnit carries the tests' figures as properties"

gs=$WORK/ch1-solutions.gradescope.json
run "$WORK/gradescope.txt" "$GRADER" check ch1 --solutions --root "$SRC" --build-dir "$BUILD" --format gradescope --output "$gs"
expect_rc 0 "grader check ch1 --solutions --format gradescope"
"$JSON_CHECK" gradescope "$gs" || fail "$gs lacks Gradescope fields"
[ "$("$JSON_CHECK" get "$gs" /score)" = 4.0 ] || fail "$gs: score is not 4"
[ "$("$JSON_CHECK" get "$gs" /max_score)" = 4.0 ] || fail "$gs: max_score is not 4"

# Without --output the machine format alone goes to stdout.
"$GRADER" check ch1 ex1 --solutions --root "$SRC" --build-dir "$BUILD" --format json >"$WORK/ex1.json" 2>"$WORK/ex1.err" ||
  fail "grader check ch1 ex1 --solutions --format json failed"
[ "$("$JSON_CHECK" get "$WORK/ex1.json" /schema)" = asynclings-grader/1 ] || fail "JSON schema tag"
expect_field "$WORK/ex1.json" ex1 status passed
expect_field "$WORK/ex1.json" ex1 variant solution
finish
