# Shared by the end-to-end scripts (sourced). CTest sets GRADER (the grader program), SRC
# (the project's source folder), WORK (a scratch folder of this test set) and JSON_CHECK;
# BUILD (the project's build folder) where a script grades in it.
set -euo pipefail
for v in GRADER SRC WORK; do
  [ -n "${!v:-}" ] || { echo "e2e: $v is not set (run these scripts through ctest)" >&2; exit 2; }
done
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export NO_COLOR=1
# Frugal on shared machines: the builds the grader starts use 2 jobs unless told otherwise.
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
# The copies' builds share one ccache entry per object: paths relative to the copy, and the
# build folder not hashed (both copies' build folders sit right under the copy).
export CCACHE_BASEDIR="$WORK" CCACHE_NOHASHDIR=true
mkdir -p "$WORK"
started=$SECONDS

fail() {
  echo "e2e FAIL: $*" >&2
  exit 1
}
# run OUT CMD...: runs CMD, its stdout and stderr to OUT and echoed, exit code in RC.
run() {
  local out=$1
  shift
  echo "\$ $*"
  set +e
  "$@" >"$out" 2>&1
  RC=$?
  set -e
  sed 's/^/  | /' "$out"
  echo "  (exit $RC, at ${SECONDS}s)"
}
expect_rc() { [ "$RC" -eq "$1" ] || fail "$2: exit code $RC, expected $1"; }
expect_in() { grep -qF -- "$2" "$1" || fail "$3: \"$2\" is not in $1"; }
expect_not_in() { ! grep -qF -- "$2" "$1" || fail "$3: \"$2\" is in $1"; }
# field FILE ID NAME: a field of one exercise of grader JSON.
field() { "$JSON_CHECK" exercise "$1" "$2" "$3"; }
expect_field() {
  local got
  got=$(field "$1" "$2" "$3") || fail "$1: exercise $2 has no $3"
  [ "$got" = "$4" ] || fail "$1: exercise $2 $3 is \"$got\", expected \"$4\""
}
# No process of a test binary built in <build dir> is left.
expect_no_process_from() {
  local left
  left=$(pgrep -af "$1/chapters/" || true)
  [ -z "$left" ] || fail "processes left behind: $left"
}
# A workbook copy: everything but .git, build folders and chapters other than ch01 (other
# chapters may be half-written while this runs; ch01 is what these tests grade).
copy_workbook() {
  local dest=$1 entry
  rm -rf "$dest"
  mkdir -p "$dest/exercises" "$dest/solutions"
  for entry in "$SRC"/* "$SRC"/.ci; do
    [ -e "$entry" ] || continue
    case $(basename "$entry") in
      build* | compile_commands.json | exercises | solutions) continue ;;
    esac
    cp -a "$entry" "$dest/"
  done
  cp -a "$SRC/exercises/ch01-generators" "$dest/exercises/"
  cp -a "$SRC/solutions/ch01-generators" "$dest/solutions/"
}
# with_chapter DEST CHAPTER: a chapter's exercises and solutions added to the copy at DEST.
with_chapter() {
  cp -a "$SRC/exercises/$2" "$1/exercises/"
  cp -a "$SRC/solutions/$2" "$1/solutions/"
}
finish() { echo "e2e ok: $(basename "$0") in $((SECONDS - started)) s"; }
