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

# The reason comes first, then what the last command printed: a CI page that shows only the
# start of a failing test's output still shows why it failed.
LAST_RUN_OUTPUT=
fail() {
  echo "e2e FAIL: $*"
  if [ -n "$LAST_RUN_OUTPUT" ] && [ -f "$LAST_RUN_OUTPUT" ]; then
    echo "--- what the last command printed ($LAST_RUN_OUTPUT):"
    sed 's/^/  | /' "$LAST_RUN_OUTPUT"
  fi
  exit 1
} >&2
# run OUT CMD...: runs CMD, its stdout and stderr to OUT, exit code in RC. Prints the command
# and how it ended; its output is printed by `fail` (or read in OUT).
run() {
  local out=$1
  shift
  echo "\$ $*"
  set +e
  "$@" >"$out" 2>&1
  RC=$?
  set -e
  LAST_RUN_OUTPUT=$out
  echo "  (exit $RC, at ${SECONDS}s, $(wc -l <"$out") lines in $out)"
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
# No process whose command line holds <pattern> is left. A process killed a moment ago may
# still be tearing down on a busy machine: "left behind" means still there after 3 s. The
# failure shows each one's parent, group and state (who should have stopped it).
expect_no_process_matching() {
  local pids
  for _ in $(seq 1 30); do
    pids=$(pgrep -f -- "$1" | tr '\n' ',' | sed 's/,$//' || true)
    [ -z "$pids" ] && return 0
    sleep 0.1
  done
  fail "processes left behind (matching $1):
$(ps -o pid,ppid,pgid,stat,etime,args -p "$pids" 2>&1)"
}
# No process of a test binary built in <build dir> is left.
expect_no_process_from() { expect_no_process_matching "$1/chapters/"; }
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
