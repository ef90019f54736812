#!/usr/bin/env bash
# `grader watch` as a student meets it: in a terminal (a tmux pane, a real pseudo-terminal),
# on a copy of the workbook of its own. It shows ex1 not started; a save of the solution the
# way editors save (a temp file renamed over the stub) brings the pass and the move to ex2;
# `h` shows a hint and the key legend says which ("hint 2 of 3"), `l` the list; the screen is
# cleared before each check but the first (on a terminal only); a save made while a check
# builds brings one more check;
# `q` quits with the terminal's mode as it was, and so do Ctrl-C, SIGTERM and Ctrl-\. Then
# a --manual run checks on Enter and `r` only and finishes the chapter; then keys from a
# pipe, and what cannot be watched. Prints how long a save takes to become a PASS on the
# screen. Needs tmux.
#
# The copy is its own ($WORK/watch/workbook) rather than the e2e_workbook fixture: this test
# needs ch01 ex1 unsolved and solves the whole chapter, whatever the other tests did or will
# do with their copy. Its builds hit the same ccache entries as theirs (CCACHE_BASEDIR).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v tmux >/dev/null ||
  fail "tmux is missing (Debian package tmux): this test drives grader watch through a pseudo-terminal"

here=$WORK/watch
wb=$here/workbook
ch=exercises/ch01-generators
sol=solutions/ch01-generators
mkdir -p "$here"
copy_workbook "$wb"
socket=asynclings-watch-$$
tm() { tmux -L "$socket" -f "$here/tmux.conf" "$@"; }
trap 'tm kill-server 2>/dev/null || true' EXIT

printf 'set -g history-limit 100000\nset -g remain-on-exit off\n' >"$here/tmux.conf"
# The pane's shell: a fixed prompt, in the copy, with this test's environment (lib.sh's).
cat >"$here/shellrc" <<EOF
PS1='watch-test\$ '
cd "$wb"
export NO_COLOR=1 CMAKE_BUILD_PARALLEL_LEVEL=$CMAKE_BUILD_PARALLEL_LEVEL CCACHE_BASEDIR=$CCACHE_BASEDIR CCACHE_NOHASHDIR=true
EOF
# What the student types, in one script so the pane shows only its output: the terminal's
# mode before and after, and the exit code.
cat >"$here/watch.sh" <<EOF
ulimit -c 0
stty -g >"$here/stty-before"
"$GRADER" watch "\$@"
echo "grader watch ended with exit code \$?"
stty -g >"$here/stty-after"
EOF

pane() { tm capture-pane -p -J -S - -t "$session" 2>/dev/null || true; }
lines_with() { pane | grep -cF -- "$1" || true; }
show_pane() {
  pane >"$here/pane.txt"
  echo "--- the terminal (last 60 lines; all of it in $here/pane.txt):"
  tail -60 "$here/pane.txt" | sed 's/^/  | /'
}
# wait_for TEXT SECONDS WHAT [N]: polls until N lines (default 1) of the terminal hold TEXT.
wait_for() {
  local text=$1 limit=$2 what=$3 want=${4:-1}
  local deadline=$((SECONDS + limit))
  until [ "$(lines_with "$text")" -ge "$want" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_pane
      fail "$what: \"$text\" was not in the terminal after $limit s"
    fi
    sleep 0.1
  done
  echo "  seen: $text   ($what, at ${SECONDS}s)"
}
terminals=0
session=
start_terminal() {
  local previous=$session
  # The previous terminal's whole text stays for reading: $here/terminal-N.txt.
  [ -z "$previous" ] || pane >"$here/terminal-$terminals.txt"
  terminals=$((terminals + 1))
  session=watch$terminals
  # The new session first: with no session left the tmux server exits, and a session
  # asked for meanwhile would meet a server on its way out.
  tm new-session -d -x 200 -y 50 -s "$session" "bash --noprofile --rcfile $here/shellrc -i"
  [ -z "$previous" ] || tm kill-session -t "$previous"
  wait_for 'watch-test$' 30 "the shell in the terminal"
  # What the programs in the pane write, escape sequences included: $here/raw-N.txt.
  tm pipe-pane -o -t "$session" "cat >>'$here/raw-$terminals.txt'"
}
# expect_one_clear_per_cycle WHAT: in this terminal's raw output, the screen was cleared
# exactly once before each check but the first (a line "checking <exercise> again") and
# before each move to the next exercise ("passes. Next:"), and nowhere else.
expect_one_clear_per_cycle() {
  local raw=$here/raw-$terminals.txt clears cycles
  clears=$(grep -ao $'\e\[2J' "$raw" | wc -l)
  cycles=$(grep -aoE 'checking ch01-generators ex[0-9] [a-z-]+ again|passes\. Next:' "$raw" | wc -l)
  [ "$cycles" -gt 0 ] || fail "$1: no cycle after the first check in $raw"
  [ "$clears" -eq "$cycles" ] ||
    fail "$1: the screen was cleared $clears times for $cycles checks and moves after the first ($raw)"
  # The first check's verdict is written before any clear (it stays in view until the next cycle).
  local first_clear first_verdict
  first_clear=$(grep -abo $'\e\[2J' "$raw" | head -1 | cut -d: -f1)
  first_verdict=$(grep -abo -E '(NOT STARTED|PASS|FAIL) +ch01-generators' "$raw" | head -1 | cut -d: -f1)
  [ -n "$first_verdict" ] && [ "$first_verdict" -lt "$first_clear" ] ||
    fail "$1: the screen was cleared before the first check's verdict"
  echo "  seen: the screen cleared once per cycle, $clears times ($1)"
}
type_line() { tm send-keys -t "$session" -l "$1" && tm send-keys -t "$session" Enter; }
press() { tm send-keys -t "$session" "$1"; }
# The mode of the pane's terminal, as stty shows it (icanon/-icanon, echo/-echo).
pane_mode() { stty -a -F "$(tm display-message -p -t "$session" '#{pane_tty}')"; }
# mode_has FLAG: the pane's terminal has this stty flag (e.g. -icanon) now.
mode_has() { pane_mode | tr -s ' ;\n' '\n\n\n' | grep -qx -- "$1"; }
# The grader process running in the pane (the pane's shell runs watch.sh, which runs it).
grader_pid() {
  local script
  script=$(pgrep -P "$(tm display-message -p -t "$session" '#{pane_pid}')" | head -1)
  pgrep -P "$script" | head -1
}
# save_like_an_editor FILE [fresh]: the solution saved the way editors save, into a temp
# file renamed over FILE. With "fresh", a line of code of its own is added, so the rebuild
# compiles for real as after a student's edit (ccache has never seen it).
save_like_an_editor() {
  cp "$wb/$sol/$1" "$wb/$ch/.$1.tmp-$$"
  [ "${2:-}" != fresh ] || echo "inline constexpr int asynclings_watch_edit_$$_$RANDOM = 0;" >>"$wb/$ch/.$1.tmp-$$"
  mv "$wb/$ch/.$1.tmp-$$" "$wb/$ch/$1"
}
# The mode is compared as watch.sh saw it before and after (at the prompt, bash's line editor
# puts the terminal in a mode of its own).
expect_terminal_restored() {
  wait_for "grader watch ended with exit code $1" 60 "$2: grader watch exits"
  local deadline=$((SECONDS + 30))
  until pane | grep -v '^$' | tail -1 | grep -qx 'watch-test\$ *'; do
    [ "$SECONDS" -lt "$deadline" ] || { show_pane; fail "$2: the shell's prompt is not back"; }
    sleep 0.1
  done
  cmp -s "$here/stty-before" "$here/stty-after" ||
    fail "$2: the terminal's mode after grader watch ($(cat "$here/stty-after")) is not the one before ($(cat "$here/stty-before"))"
  echo "  seen: the prompt, and the terminal's mode as before ($2)"
}
# wait_for_keys FILE [N]: grader watch waits for a save of FILE (the Nth time the pane says
# so), reading keys in non-canonical mode.
wait_for_keys() {
  wait_for "watching $ch/$1: save it to check again" 300 "watch waits for a save of $1" "${2:-1}"
  mode_has -icanon || fail "grader watch waits with the terminal in line mode: $(pane_mode)"
  mode_has -echo || fail "grader watch waits with the terminal echoing keys: $(pane_mode)"
}
now() { date +%s.%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

echo "== grader watch ch1, in a terminal"
start_terminal
type_line "bash $here/watch.sh ch1"
# The first check configures the copy's build and builds what ex1 needs (ccache helps).
wait_for "NOT STARTED    ch01-generators ex1 generator" 600 "the first check of ex1"
wait_for_keys ex1_generator.hpp
wait_for "[h] hint 1 of 3  [l] list  [r] check now  [q] quit" 10 "the key legend, with the hint h shows next"

# An editor's scratch files first: they are not saves.
echo "swap" >"$wb/$ch/.ex1_generator.hpp.swp"
echo "backup" >"$wb/$ch/ex1_generator.hpp~"
saved_at=$(now)
save_like_an_editor ex1_generator.hpp fresh
wait_for "PASS           ch01-generators ex1 generator" 300 "the check after the save"
ex1_seconds=$(seconds_since "$saved_at")
[ "$(lines_with "ex1_generator.hpp saved: checking ch01-generators ex1 generator again")" -eq 1 ] ||
  fail "the save was not checked exactly once (the editor's scratch files count as saves?)"
wait_for "ex1 passes. Next: ch01-generators ex2 send" 30 "watch moves on to ex2"
wait_for "open $ch/ex2_send.hpp" 10 "the file to open next"
wait_for "NOT STARTED    ch01-generators ex2 send" 300 "watch checks ex2 at once"
wait_for_keys ex2_send.hpp

press h
wait_for "hint 1 of 3 (ch01-generators ex2 send):" 30 "h shows ex2's first hint"
wait_for "Press h again for the next hint." 10 "the hint says how to get the next one"
wait_for "[h] hint 2 of 3  [l] list" 10 "the legend names the next hint after h"
press l
wait_for "[done] ex1  generator" 30 "l lists ex1 as done"
wait_for "next: ch01-generators ex2" 10 "l names ex2 as next"

# A save while a check is building is not lost: a first save (the stub with a new line, so
# it compiles for a few seconds), then the solution saved while that build runs. The
# running build is not cut short, and the second save brings one more check, which passes.
cp "$wb/$ch/ex2_send.hpp" "$here/ex2_stub.hpp"
echo "inline constexpr int asynclings_watch_stub_$$_$RANDOM = 0;" >>"$here/ex2_stub.hpp"
mv "$here/ex2_stub.hpp" "$wb/$ch/ex2_send.hpp"
wait_for "building ch01-generators-ex2-exercise" 60 "the first save's check is building"
save_like_an_editor ex2_send.hpp
wait_for "ex2_send.hpp saved: checking ch01-generators ex2 send again" 300 "the save made during the build brings a check of its own" 2
wait_for "PASS           ch01-generators ex2 send" 300 "the save made during the build is checked"
wait_for "ex2 passes. Next: ch01-generators ex3 task" 30 "watch moves on to ex3"
wait_for_keys ex3_task.hpp
press q
expect_terminal_restored 0 "q"
expect_one_clear_per_cycle "saves and moves"
run "$here/list.txt" "$GRADER" list --root "$wb"
expect_in "$here/list.txt" "[done] ex1" "grader list after the watch agrees that ex1 passes"
expect_in "$here/list.txt" "[done] ex2" "grader list after the watch agrees that ex2 passes"
expect_in "$here/list.txt" "next: ch01-generators ex3" "grader list after the watch agrees that ex3 is next"
run "$here/hint.txt" "$GRADER" hint ch1 ex2 --root "$wb"
expect_in "$here/hint.txt" "hint 2 of 3" "the hint read in the watch counts"

echo "== Ctrl-C, SIGTERM and Ctrl-\\ end grader watch with the terminal restored"
start_terminal
type_line "bash $here/watch.sh"
wait_for_keys ex3_task.hpp
tm send-keys -t "$session" C-c
expect_terminal_restored 130 "Ctrl-C"
type_line "bash $here/watch.sh"
wait_for_keys ex3_task.hpp 2
pid=$(grader_pid)
[ -n "$pid" ] || fail "cannot find the grader process in the terminal"
kill -TERM "$pid"
expect_terminal_restored 143 "SIGTERM"
# Ctrl-\ (SIGQUIT) ends it at once, by the signal, not through its own exit.
type_line "bash $here/watch.sh"
wait_for_keys ex3_task.hpp 3
tm send-keys -t "$session" 'C-\'
expect_terminal_restored 131 "Ctrl-\\"

echo "== grader watch ch1 --manual, in a terminal: finishing the chapter"
start_terminal
type_line "bash $here/watch.sh ch1 --manual"
wait_for "NOT STARTED    ch01-generators ex3 task" 300 "--manual starts at ex3, the next exercise to do"
wait_for "edit $ch/ex3_task.hpp, then press Enter or r to check it" 60 "--manual's keys"
save_like_an_editor ex3_task.hpp
# A save alone does nothing with --manual. Nothing to poll for: a grader that wrongly
# watched would react within its 300 ms debounce time, so 3 s tell.
sleep 3
[ "$(lines_with "saved: checking")" -eq 0 ] || fail "--manual checked on a save"
[ "$(lines_with "PASS           ch01-generators ex3 task")" -eq 0 ] || fail "--manual checked without Enter"
entered_at=$(now)
press Enter
wait_for "checking ch01-generators ex3 task again" 30 "Enter checks again"
wait_for "PASS           ch01-generators ex3 task" 300 "ex3 passes on Enter"
enter_seconds=$(seconds_since "$entered_at")
wait_for "ex3 passes. Next: ch01-generators ex4 round-robin" 30 "--manual moves on to ex4"
wait_for "NOT STARTED    ch01-generators ex4 round-robin" 300 "--manual checks ex4 at once"
save_like_an_editor ex4_round_robin.hpp
press r
wait_for "PASS           ch01-generators ex4 round-robin" 300 "r checks ex4 again"
wait_for "every exercise of ch01-generators passes" 30 "the chapter is done"
wait_for "Every exercise of the workbook passes. Well done." 10 "the workbook (ch01 only) is done"
expect_terminal_restored 0 "the end of the chapter"
expect_one_clear_per_cycle "--manual"
pane >"$here/terminal-$terminals.txt"
run "$here/list-done.txt" "$GRADER" list --root "$wb"
expect_in "$here/list-done.txt" "4/4 exercises passed" "grader list after the chapter"
run "$here/again.txt" "$GRADER" watch ch1 --root "$wb"
expect_rc 0 "grader watch on a chapter that passes"
expect_in "$here/again.txt" "Every exercise of ch01-generators passes already" "grader watch on a chapter that passes"

echo "== keys from a pipe, one per line"
# Back to the ex4 stub (the fixture's copy), so there is something to watch.
cp "$SRC/$ch/ex4_round_robin.hpp" "$wb/$ch/ex4_round_robin.hpp"
run "$here/piped.txt" bash -c "printf 'h\nl\nwhat\nq\n' | '$GRADER' watch ch1 --root '$wb'"
expect_rc 0 "grader watch with keys from a pipe"
expect_in "$here/piped.txt" "NOT STARTED    ch01-generators ex4 round-robin" "piped: the next exercise is checked"
expect_in "$here/piped.txt" "[q] quit (one per line)" "piped: the legend says keys are lines"
expect_in "$here/piped.txt" "hint 1 of" "piped: h"
! grep -aq $'\e\[2J' "$here/piped.txt" || fail "piped: the screen was cleared although the output is not a terminal"
expect_in "$here/piped.txt" "[todo] ex4" "piped: l lists ex4 as not started"
# The keys are shown after the check, after h, after l and after the unknown line.
[ "$(grep -cF "watching $ch/ex4_round_robin.hpp" "$here/piped.txt")" -eq 4 ] ||
  fail "piped: the keys are not shown again after each key and after an unknown line"
expect_in "$here/piped.txt" "stopped watching." "piped: q"
run "$here/closed.txt" "$GRADER" watch ch1 --manual --root "$wb" </dev/null
expect_rc 0 "--manual with no input"
expect_in "$here/closed.txt" "input ended, and --manual checks only when asked." "--manual with no input"
expect_in "$here/closed.txt" "stopped watching." "--manual with no input"

echo "== what cannot be watched"
# A chapter whose manifest names a file in a folder that is not there (the grader stops
# before configuring anything, so the workbook needs no more than this).
odd=$here/odd-workbook
rm -rf "$odd"
mkdir -p "$odd/exercises/ch01-odd"
: >"$odd/CMakeLists.txt"
cat >"$odd/exercises/ch01-odd/chapter.json" <<'JSON'
{"title": "Odd", "exercises": [{"id": "ex1", "name": "odd", "edit": ["src/ex1.hpp"], "test": "tests/ex1_test.cpp"}]}
JSON
run "$here/no-folder.txt" "$GRADER" watch --root "$odd" </dev/null
expect_rc 2 "an exercise file in a folder that does not exist"
expect_in "$here/no-folder.txt" "exercises/ch01-odd/src does not exist" "the missing folder is named"
expect_in "$here/no-folder.txt" "grader watch --manual" "--manual is suggested"
[ ! -e "$odd/build" ] || fail "grader watch configured a build although it could not watch"
run "$here/debounce.txt" "$GRADER" watch ch1 --debounce-ms=-5 --root "$wb" </dev/null
expect_rc 2 "a negative --debounce-ms"
expect_in "$here/debounce.txt" "--debounce-ms takes 0 to 60000" "a negative --debounce-ms"
expect_no_process_from "$wb/build"

echo "save -> PASS on the screen: ${ex1_seconds} s (debounce 300 ms, ex1's test compiled anew, its run)"
echo "Enter -> PASS on the screen: ${enter_seconds} s (--manual, ex3's test rebuilt from ccache, its run)"
echo "${ex1_seconds} ${enter_seconds}" >>"$here/latency.txt"
finish
