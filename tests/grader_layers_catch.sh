#!/usr/bin/env bash
# tests/grader_layers.sh must fail on each broken layer rule: on a scratch copy of the
# grader's sources and bench/, each rule is broken once and the check must exit 1 naming the
# file; the untouched copy must pass. Usage: grader_layers_catch.sh <project root>.
set -uo pipefail
root=${1:?usage: grader_layers_catch.sh <project root>}
check=$root/tests/grader_layers.sh
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0

copy() {
  rm -rf "$scratch/tree"
  mkdir -p "$scratch/tree/grader/cli"
  cp -r "$root/grader/cli/src" "$scratch/tree/grader/cli/src"
  cp -r "$root/bench" "$scratch/tree/bench"
}

# expect_caught <what> <file the message must name> <command that breaks the rule>
expect_caught() {
  local what=$1 file=$2
  shift 2
  copy
  (cd "$scratch/tree" && eval "$*")
  local out rc
  out=$(bash "$check" "$scratch/tree" 2>&1)
  rc=$?
  if [ "$rc" -ne 1 ] || ! grep -qF "$file" <<<"$out"; then
    echo "FAIL: $what was not caught (exit $rc):"
    echo "$out" | sed 's/^/    /'
    failed=1
  else
    echo "caught: $what: $(grep -F "$file" <<<"$out" | head -n 1)"
  fi
}

copy
if ! out=$(bash "$check" "$scratch/tree" 2>&1); then
  echo "FAIL: the untouched copy does not pass:"
  echo "$out" | sed 's/^/    /'
  exit 1
fi

expect_caught "bench including a grader header outside sandbox/" bench/course_table/python_runs.cpp \
  "echo '#include \"core/manifest.hpp\"' >>bench/course_table/python_runs.cpp"
expect_caught "bench including a grader header by its bare name" bench/course_table/python_runs.cpp \
  "echo '#include \"grading.hpp\"' >>bench/course_table/python_runs.cpp"
expect_caught "bench linking the whole grader" bench/CMakeLists.txt \
  "echo 'target_link_libraries(course_table PRIVATE asynclings::grader)' >>bench/CMakeLists.txt"
expect_caught "render/ including batch/" grader/cli/src/render/render_json.cpp \
  "echo '#include \"batch/gradebook.hpp\"' >>grader/cli/src/render/render_json.cpp"
expect_caught "sandbox/ including core/" grader/cli/src/sandbox/process.cpp \
  "echo '#include \"core/workbook.hpp\"' >>grader/cli/src/sandbox/process.cpp"
expect_caught "core/ including cli/" grader/cli/src/core/session.cpp \
  "echo '#include \"cli/commands.hpp\"' >>grader/cli/src/core/session.cpp"
expect_caught "a verb including another verb's file" grader/cli/src/cli/cmd_watch.cpp \
  "echo '#include \"cli/cmd_list.cpp\"' >>grader/cli/src/cli/cmd_watch.cpp"
expect_caught "a verb's run function visible to other verbs" grader/cli/src/cli/cmd_list.cpp \
  "printf 'namespace asynclings::grader {\nint run_list_text(int) { return 0; }\n}\n' >>grader/cli/src/cli/cmd_list.cpp"
expect_caught "a grader source outside the layer folders" grader/cli/src/helper.cpp \
  "echo '// helper' >grader/cli/src/helper.cpp"
expect_caught "a header of the grader named without its folder" grader/cli/src/core/session.cpp \
  "echo '#include \"manifest.hpp\"' >>grader/cli/src/core/session.cpp"
exit "$failed"
