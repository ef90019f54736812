#!/usr/bin/env bash
# scripts/build-progress (what bin/grader builds the grader with) is never silent: a plain
# line per build step when stderr is not a terminal, a live line redrawn every second on a
# terminal (through a long step that prints nothing), nothing when up to date, and the whole
# log with the build's exit code when it fails.
set -euo pipefail
src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cat >"$work/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(progress_probe NONE)
add_custom_command(OUTPUT stamp COMMAND sleep 4 COMMAND cmake -E touch stamp)
add_custom_target(quiet_step DEPENDS stamp)
add_custom_target(broken COMMAND sh -c "echo the-error-text; exit 3")
CMAKE
cmake -G Ninja -S "$work" -B "$work/b" >/dev/null

"$src/scripts/build-progress" "probe:" "$work/b" quiet_step 2>"$work/plain.txt" || fail "the build failed"
grep -q '^probe: \[1/1\] ' "$work/plain.txt" || fail "no plain step line: $(cat "$work/plain.txt")"
grep -q '^probe: done in ' "$work/plain.txt" || fail "no closing line: $(cat "$work/plain.txt")"
grep -q $'\r' "$work/plain.txt" && fail "a live line outside a terminal"

# A no-op build prints nothing.
"$src/scripts/build-progress" "probe:" "$work/b" quiet_step 2>"$work/noop.txt" || fail "the no-op build failed"
[ ! -s "$work/noop.txt" ] || fail "an up-to-date build printed: $(cat "$work/noop.txt")"

set +e
"$src/scripts/build-progress" "probe:" "$work/b" broken 2>"$work/broken.txt"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a failed build exited 0"
grep -q 'the-error-text' "$work/broken.txt" || fail "the failed build's log is not shown"

# On a terminal: the live line is redrawn while the 4 s step prints nothing.
rm -f "$work/b/stamp"
script -qfec "$src/scripts/build-progress probe: $work/b quiet_step" /dev/null >"$work/tty.txt" </dev/null
redraws=$(grep -o $'\r\033\\[K' "$work/tty.txt" | wc -l)
[ "$redraws" -ge 3 ] || fail "the live line was redrawn $redraws times during a 4 s step: $(cat -v "$work/tty.txt")"
grep -q 'probe: \[1/1\] .*([0-9]* s)' "$work/tty.txt" || fail "the live line lacks the step and the seconds: $(cat -v "$work/tty.txt")"
echo "ok: plain lines, $redraws redraws on a terminal, failures shown"
